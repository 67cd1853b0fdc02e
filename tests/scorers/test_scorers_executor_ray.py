"""The Ray executor: the local executor's numbers, and every video scored once when an actor dies."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from scorer_helpers import TINY, add_to_run, make_job, moving_square, write_video

from vidbench.core.config.settings import ClipSettings, ScoringSettings
from vidbench.core.run.results import build_results
from vidbench.core.scorers.executor_ray import RayExecutor
from vidbench.core.scorers.sampler import SamplerSettings
from vidbench.core.scorers.scoring import score_run
from vidbench.core.store.store import RunDir

ray = pytest.importorskip("ray")

SCORERS = [
    "conformance",
    "clip_alignment",
    "subject_consistency",
    "face_identity",
    "flicker",
    "motion",
    "shots",
]
HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def ray_instance() -> Any:
    """One local Ray for the module: 2 CPUs (the machine is shared), no dashboard."""
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={
            # tests/scorers (the hooks) and tests/ (factories, which the helpers import)
            "env_vars": {
                "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)]),
                "VIDBENCH_WEIGHTS_CHECK": "0",
            },
            "worker_process_setup_hook": "ray_hooks.register_tiny",
        },
    )
    yield ray
    ray.shutdown()


def make_run(root: Path, count: int) -> Path:
    """`count` tiny clips of different lengths (so largest-first has an order to follow)."""
    run = root / "run"
    for i in range(count):
        frames = moving_square(12 + 6 * i, step_px=1 + i, noise=2.0, seed=i)
        video = write_video(run / "videos" / f"j{i}.mp4", frames)
        add_to_run(run, make_job(f"j{i}", duration_sent_s=1, prompt_id=f"p{i}"), video)
    RunDir(run).write_manifest({})
    return run


def scored(run: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(job, scorer) → values, asserting each was journaled exactly once."""
    records = [r for r in RunDir(run).journal.read() if r["event"] == "scored"]
    counts = Counter((r["job_id"], r["scorer"]) for r in records)
    assert set(counts.values()) == {1}, counts
    return {(r["job_id"], r["scorer"]): r["values"] for r in records}


def settings(
    tiny_weights: Path, **scoring: Any
) -> tuple[ClipSettings, SamplerSettings, RayExecutor]:
    clip = ClipSettings(model=TINY, weights=str(tiny_weights), frames=4)
    sampler = SamplerSettings(uniform_frames=4)
    return clip, sampler, RayExecutor(ScoringSettings(executor="ray", **scoring))


def test_ray_gives_the_local_executors_results(
    ray_instance: Any, tiny_weights: Path, tmp_path: Path
) -> None:
    local_run = make_run(tmp_path / "local", 4)
    ray_run = tmp_path / "ray"
    shutil.copytree(local_run, ray_run)
    clip, sampler, executor = settings(tiny_weights, workers=2)
    local = score_run(local_run, SCORERS, clip=clip, sampler=sampler)
    remote = score_run(ray_run, SCORERS, clip=clip, sampler=sampler, executor=executor)
    assert not local.unavailable and not remote.unavailable
    assert {n: c.scored for n, c in remote.counts.items()} == dict.fromkeys(SCORERS, 4)
    assert remote.decoded == local.decoded == 4
    assert executor.started == 2 and executor.lost == 0
    assert scored(ray_run) == scored(local_run)
    local_df = build_results(RunDir(local_run))
    ray_df = build_results(RunDir(ray_run))
    assert list(ray_df.columns) == list(local_df.columns)
    pd.testing.assert_frame_equal(ray_df, local_df)
    for name in ("j0", "j3"):  # the driver wrote the contact sheets the workers made
        assert (ray_run / "frames" / f"{name}.jpg").read_bytes() == (
            local_run / "frames" / f"{name}.jpg"
        ).read_bytes()
    meta = json.loads((ray_run / "scorers.json").read_text())
    assert {meta[n]["device"] for n in SCORERS} == {"cpu"}


def test_a_killed_actor_still_ends_with_every_video_scored_once(
    ray_instance: Any, tiny_weights: Path, tmp_path: Path
) -> None:
    run = make_run(tmp_path, 6)
    clip, sampler, executor = settings(tiny_weights, workers=2, ship_videos=True)
    killed: list[Any] = []

    def kill_one_busy_actor(done: int, total: int) -> None:
        if done >= 1 and not killed:
            busy = [actor for actor, _ in executor.in_flight.values()]
            assert busy, "no actor had work queued"
            killed.append(busy[0])
            ray.kill(busy[0])

    summary = score_run(
        run, SCORERS, clip=clip, sampler=sampler, executor=executor, progress=kill_one_busy_actor
    )
    assert killed and executor.lost == 1 and executor.rescheduled >= 1
    assert executor.started == 3  # a replacement took the dead actor's place
    assert {n: c.scored for n, c in summary.counts.items()} == dict.fromkeys(SCORERS, 6)
    assert {job for job, _ in scored(run)} == {f"j{i}" for i in range(6)}
    again = score_run(run, SCORERS, clip=clip, sampler=sampler)  # a re-run: nothing missing
    assert {n: (c.scored, c.cached) for n, c in again.counts.items()} == dict.fromkeys(
        SCORERS, (0, 6)
    )
