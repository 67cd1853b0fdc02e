"""Shared helpers for the end-to-end tests (a module name no other test folder uses)."""

from __future__ import annotations

from pathlib import Path


def write_config(
    tmp_path: Path,
    models: str,
    *,
    name: str = "e2e",
    scorers: str = "[conformance, flicker]",
    extra: str = "",
) -> Path:
    """A config next to the suite, writing runs into tmp_path/runs."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nsuite: suite.yaml\nscorers: {scorers}\noutput_dir: runs\n{extra}models:\n{models}",
        encoding="utf-8",
    )
    return path
