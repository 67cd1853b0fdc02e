"""The scoring stage refuses a CLIP whose weights fail the doctor's known-answer test."""

from __future__ import annotations

from pathlib import Path

import pytest
from scorer_helpers import TINY, add_to_run, make_job, moving_square, write_video

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.scoring import score_run
from vidbench.core.store.store import RunDir


def test_random_clip_weights_are_refused_with_the_reason(
    tmp_path: Path, tiny_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDBENCH_WEIGHTS_CHECK", "1")
    run = tmp_path / "run"
    video = write_video(run / "videos" / "j0.mp4", moving_square(12))
    add_to_run(run, make_job("j0"), video)
    settings = ClipSettings(model=TINY, weights=str(tiny_weights), frames=4)
    summary = score_run(run, ["clip_alignment", "conformance"], clip=settings)
    assert "known-answer" in summary.unavailable["clip_alignment"]
    assert summary.counts["conformance"].scored == 1
    meta = RunDir(run).scorers_meta()["clip_alignment"]
    assert meta["available"] is False and "known-answer" in meta["reason"]
    assert "clip_alignment" not in RunDir(run).states()["j0"].scores
