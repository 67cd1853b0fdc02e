"""Where scoring work runs: devices, and the local executor.

The scoring stage (`vidbench.core.scorers.stage`) plans the work and alone writes the run
directory (caches, records, contact sheets, scorers.json). An executor takes the stage's
list of work items and yields one `VideoResult` per video, made by `compute_video`: in
this process (`LocalExecutor`, decoding a video or two ahead in a thread) or on Ray actors
(`vidbench.core.scorers.executor_ray`). Both call the same function on the same inputs, so both
give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from vidbench.core.scorers.compute import VideoResult, compute_video
from vidbench.core.scorers.stage import Stage
from vidbench.core.scorers.work import Scorers, Work

DEVICE_SETTINGS = ("auto", "cpu", "cuda")


class Executor(Protocol):
    """Turns work items into results; the driver applies each as it arrives."""

    name: str

    def results(self, stage: Stage, todo: list[Work]) -> Iterator[tuple[Work, VideoResult]]:
        """One (work, result) per work item, in any order."""
        ...

    def devices(self, scorers: Scorers) -> dict[str, str]:
        """Scorer name → the device it ran on (recorded in scorers.json)."""
        ...


def resolve_device(setting: str = "auto") -> str:
    """`auto` → "cuda" when torch sees a CUDA device, else "cpu"; `cuda` without one is an error."""
    if setting not in DEVICE_SETTINGS:
        raise ValueError(f"unknown device {setting!r} (known: {', '.join(DEVICE_SETTINGS)})")
    if setting == "cpu":
        return "cpu"
    try:
        import torch

        has_cuda = bool(torch.cuda.is_available())
    except ImportError:
        has_cuda = False
    if setting == "cuda" and not has_cuda:
        raise ValueError("scoring device `cuda` was asked for, but torch sees no CUDA device")
    return "cuda" if has_cuda else "cpu"


def place_models(scorers: Scorers, setting: str) -> None:
    """Put every embedder that can move on the device `setting` resolves to (before it loads)."""
    movable = [
        scorer.embedder
        for scorer in scorers.by_name.values()
        if hasattr(getattr(scorer, "embedder", None), "device")
        and not getattr(scorer.embedder, "unavailable", None)  # never loads: nothing to place
    ]
    if not movable:  # no model to place: do not import torch for nothing
        return
    device = resolve_device(setting)
    for embedder in movable:
        embedder.device = device


def scorer_devices(scorers: Scorers) -> dict[str, str]:
    """Scorer name → device: its embedder's where it has one that moves, else the CPU."""
    return {
        name: str(getattr(getattr(scorer, "embedder", None), "device", "cpu"))
        for name, scorer in scorers.by_name.items()
    }


class LocalExecutor:
    """Scores in this process. With one worker, the next video decodes in a thread while
    the current one is scored; with more, that many videos are decoded and scored at once,
    one thread each (`vidbench.core.scorers.parallel`)."""

    name = "local"

    def __init__(self, device: str = "auto", workers: int = 1):
        self.device = device
        self.workers = max(1, workers)

    def results(self, stage: Stage, todo: list[Work]) -> Iterator[tuple[Work, VideoResult]]:
        """Load the models some video needs, then score each video as it is decoded."""
        place_models(stage.scorers, self.device)
        stage.load_models(todo)
        if self.workers > 1 and len(todo) > 1:
            from vidbench.core.scorers.parallel import threaded_results

            yield from threaded_results(stage, todo, self.workers)
            return
        for work, video, error in stage.decoded(todo):
            yield work, compute_video(stage.scorers, work, video, error, stage.summary.unavailable)

    def devices(self, scorers: Scorers) -> dict[str, str]:
        """The device of each scorer of this process."""
        return scorer_devices(scorers)
