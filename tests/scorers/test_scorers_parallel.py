"""The local executor with several workers: videos scored at once on threads, the same
values as one at a time, per-thread instances only where a model cannot be shared."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from scorer_helpers import add_to_run, make_job, moving_square, write_video
from test_scorers_sensitivity import astronaut_frames

from vidbench.cli.stages import scoring_executor
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers import parallel
from vidbench.core.scorers.executor import LocalExecutor
from vidbench.core.scorers.sampler import SamplerSettings
from vidbench.core.scorers.scoring import score_run
from vidbench.core.scorers.stage import Stage
from vidbench.core.scorers.work import build_scorers
from vidbench.core.store.store import RunDir

NAMES = ["conformance", "flicker", "motion", "shots", "face_identity", "clip_alignment"]


def make_run(root: Path) -> Path:
    """Five videos: moving squares of different speeds and two with a real face."""
    run = root / "run"
    for i in range(3):
        video = write_video(run / "videos" / f"sq{i}.mp4", moving_square(24, step_px=2 + 3 * i))
        add_to_run(run, make_job(f"sq{i}"), video)
    for i in range(2):
        video = write_video(run / "videos" / f"face{i}.mp4", astronaut_frames(20 + 4 * i))
        add_to_run(run, make_job(f"face{i}"), video)
    RunDir(run).write_manifest({})
    return run


def scores(run: Path) -> dict[str, dict[str, Any]]:
    return {job_id: state.scores for job_id, state in RunDir(run).states().items()}


def test_several_workers_give_the_same_values_as_one(tmp_path: Path, tiny_weights: Path) -> None:
    clip = ClipSettings(model="vidbench-test-tiny", weights=str(tiny_weights), frames=8)
    one, three = make_run(tmp_path / "a"), make_run(tmp_path / "b")
    first = score_run(one, NAMES, clip=clip, executor=LocalExecutor("cpu", workers=1))
    again = score_run(three, NAMES, clip=clip, executor=LocalExecutor("cpu", workers=3))
    assert first.counts == again.counts and first.unavailable == again.unavailable == {}
    assert all(c.scored == 5 and c.failed == 0 for c in again.counts.values())
    assert scores(one) == scores(three)
    assert scores(three)["face1"]["face_identity"]["face_presence"] > 0.5  # a face was found
    sheets = sorted(p.name for p in (three / "frames").iterdir())
    assert sheets == sorted(p.name for p in (one / "frames").iterdir()) and len(sheets) == 5


def test_only_scorers_that_cannot_be_shared_are_copied_per_thread() -> None:
    scorers = build_scorers(["flicker", "face_identity"], ClipSettings(), SamplerSettings())
    copy = parallel.thread_copy(scorers)
    assert copy.by_name["flicker"] is scorers.by_name["flicker"]
    assert copy.by_name["face_identity"] is not scorers.by_name["face_identity"]
    assert copy.by_name["face_identity"].embedder is not scorers.by_name["face_identity"].embedder
    assert copy.context is scorers.context


def test_workers_decode_videos_at_the_same_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers: two decodes meet at a barrier (one at a time would time out)."""
    run = make_run(tmp_path)
    barrier = threading.Barrier(2, timeout=20)
    decode = Stage.decode
    met: list[str] = []

    def meeting(stage: Any, work: Any) -> Any:
        if work.job.job_id in ("sq0", "sq1"):
            barrier.wait()
            met.append(work.job.job_id)
        return decode(stage, work)

    monkeypatch.setattr(Stage, "decode", meeting)
    summary = score_run(run, ["flicker"], executor=LocalExecutor("cpu", workers=2))
    assert sorted(met) == ["sq0", "sq1"] and summary.counts["flicker"].scored == 5


def test_an_error_in_a_worker_reaches_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(tmp_path)

    def broken(*args: Any) -> Any:
        raise RuntimeError("worker broke")

    monkeypatch.setattr(parallel, "compute_video", broken)
    with pytest.raises(RuntimeError, match="worker broke"):
        score_run(run, ["flicker"], executor=LocalExecutor("cpu", workers=2))


def test_the_cli_scores_on_two_threads_unless_told_otherwise() -> None:
    default = scoring_executor({}, {})
    assert isinstance(default, LocalExecutor) and default.workers == 2
    one = scoring_executor({"config": {"scoring": {"workers": 4}}}, {"workers": 1})
    assert isinstance(one, LocalExecutor) and one.workers == 1


def test_an_error_in_the_decode_thread_reaches_the_caller_with_one_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One worker decodes ahead in a thread: an error there is raised, not left to hang."""
    run = make_run(tmp_path)

    def broken(stage: Any, work: Any) -> Any:
        raise RuntimeError("decode thread broke")

    monkeypatch.setattr(Stage, "decode", broken)
    with pytest.raises(RuntimeError, match="decode thread broke"):
        score_run(run, ["flicker"], executor=LocalExecutor("cpu", workers=1))
