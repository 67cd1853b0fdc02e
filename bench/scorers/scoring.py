"""`score_run`: the scoring stage's entry point, every downloaded video of a run through every
requested scorer on the chosen executor."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.executor import Executor, LocalExecutor
from vidbench.core.scorers.references import trusted_references
from vidbench.core.scorers.registry import default_scorer_names
from vidbench.core.scorers.sampler import SamplerSettings
from vidbench.core.scorers.stage import ScoreSummary, Stage
from vidbench.core.scorers.work import Scorers, build_scorers
from vidbench.core.store.store import RunDir


def score_run(
    run_dir: Path,
    scorers: list[str] | None = None,
    clip: ClipSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
    sampler: SamplerSettings | None = None,
    scorer_set: Scorers | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    executor: Executor | None = None,
) -> ScoreSummary:
    """Score every downloaded video of a run; returns per-scorer counts and unavailable reasons.

    `scorer_set` (from `build_scorers`) lets a caller reuse loaded models across runs;
    it then overrides `scorers`, `clip` and `options` (per-scorer options from the config).
    `executor` says where the videos are scored (default: this process); this process
    alone writes the run directory either way.
    """
    started = time.perf_counter()
    clip = clip or ClipSettings.model_validate({})
    sampler = sampler or SamplerSettings(uniform_frames=clip.frames)
    names = list(dict.fromkeys(scorers or default_scorer_names()))
    run = RunDir(run_dir)
    stage = Stage(run, scorer_set or build_scorers(names, clip, sampler, options), sampler)
    items, stage.summary.notes = trusted_references(run, run.scorable())
    previous = {job_id: state.scores for job_id, state in run.states().items()}
    stage.summary.videos = len(items)
    todo = stage.plan(items, previous)
    following = stage.follower_jobs(todo)  # done when the videos they share are
    done = len(items) - len(todo) - len(following)
    if progress:
        progress(done, len(items))
    executor = executor or LocalExecutor()
    for work, result in executor.results(stage, todo):
        stage.apply(work, result)
        done += 1
        if progress:
            progress(done, len(items))
    stage.serve_followers()
    if following and progress:
        progress(done + len(following), len(items))
    run.journal.append_many([])  # one fsync for all scored records
    stage.write_meta(executor.devices(stage.scorers))
    stage.summary.elapsed_s = time.perf_counter() - started
    return stage.summary
