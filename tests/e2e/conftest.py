"""Helpers for end-to-end tests: small suites and configs in a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SUITE = """suite: e2e
version: 1
defaults: {duration: 4, ratio: "16:9"}
prompts:
  - {id: p-ball, category: motion, text: "A red ball rolls across a green lawn under a blue sky"}
  - {id: p-face, category: character_consistency, text: "A smiling woman astronaut turns her head toward the camera",
     character_ref: faces/astronaut.png}
  - {id: p-cut, category: multi_shot, shots: 2, text: "Shot 1: a yellow car on a road. Shot 2: close-up of the car wheel"}
"""


@pytest.fixture
def small_suite(tmp_path: Path) -> Path:
    """A 3-prompt suite with a real face reference."""
    faces = tmp_path / "faces"
    faces.mkdir()
    (faces / "astronaut.png").write_bytes(
        (REPO / "prompts" / "assets" / "faces" / "astronaut.png").read_bytes()
    )
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path
