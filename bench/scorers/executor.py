"""Where scoring work runs: the per-video computation, devices, and the local executor.

The scoring stage (`bench.scorers.stage`) plans the work and alone writes the run
directory (caches, records, contact sheets, scorers.json). An executor takes the stage's
list of work items and yields one `VideoResult` per video, made by `compute_video`: in
this process (`LocalExecutor`, decoding a video or two ahead in a thread) or on Ray actors
(`bench.scorers.executor_ray`). Both call the same function on the same inputs, so both
give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from bench.scorers.base import Scorer, ScorerUnavailable
from bench.scorers.cache import cache_key
from bench.scorers.sampler import VideoPass

if TYPE_CHECKING:
    from bench.scorers.stage import Scorers, Stage, Work

DEVICE_SETTINGS = ("auto", "cpu", "cuda")


@dataclass
class VideoResult:
    """What scoring one video produced; the driver turns it into caches and records."""

    job_id: str
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # scorer → its values
    failed: dict[str, str] = field(default_factory=dict)  # scorer → why
    unavailable: dict[str, str] = field(default_factory=dict)  # scorer → user-facing reason
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)  # embedder id → new arrays
    pass_summary: dict[str, Any] | None = None  # set when the video was decoded
    sheet_jpeg: bytes | None = None  # the contact sheet, when frames were decoded


class Executor(Protocol):
    """Turns work items into results; the driver applies each as it arrives."""

    name: str

    def results(self, stage: Stage, todo: list[Work]) -> Iterator[tuple[Work, VideoResult]]:
        """One (work, result) per work item, in any order."""
        ...

    def devices(self, scorers: Scorers) -> dict[str, str]:
        """Scorer name → the device it ran on (recorded in scorers.json)."""
        ...


def embedder_id(embedder: Any) -> str:
    """The key an embedder goes by in `Work.embed_with` and `Work.embeddings`."""
    return cache_key(embedder.identity())


def _embeddings(scorer: Scorer, work: Work, video: VideoPass, result: VideoResult) -> np.ndarray:
    """The video's embeddings under the scorer's model: cached, already made, or made now."""
    embedder = scorer.embedder
    key = embedder_id(embedder)
    for known in (work.embeddings, result.embeddings):
        if key in known:
            return known[key]
    if video.prepared is not None and len(work.embed_with) == 1:
        values = embedder.embed_prepared(video.prepared)
    else:
        values = embedder.embed_prepared(embedder.prepare(video.uniform_frames))
    result.embeddings[key] = values
    return values


def compute_video(
    scorers: Scorers,
    work: Work,
    video: VideoPass | None,
    error: str | None,
    unavailable: Mapping[str, str] | None = None,
) -> VideoResult:
    """Run the missing scorers on one decoded video; writes nothing (the driver does)."""
    result = VideoResult(work.job.job_id)
    if video is None:
        result.failed = {name: error or "decode failed" for name in work.missing}
        return result
    if work.cached_pass is None:
        result.pass_summary = video.summary()
        result.sheet_jpeg = video.sheet_jpeg
    skip = unavailable or {}
    for name in work.missing:
        if name in skip:
            result.unavailable[name] = skip[name]
            continue
        scorer = scorers.by_name[name]
        try:
            embeddings = (
                _embeddings(scorer, work, video, result) if "embeddings" in scorer.needs else None
            )
            values = scorer.score(work.job, video, embeddings)
        except ScorerUnavailable as exc:
            result.unavailable[name] = str(exc)
            continue
        except Exception as exc:  # one bad video must not stop the stage
            result.failed[name] = f"{type(exc).__name__}: {exc}"
            continue
        result.values[name] = values
    return result


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
    one thread each (`bench.scorers.parallel`)."""

    name = "local"

    def __init__(self, device: str = "auto", workers: int = 1):
        self.device = device
        self.workers = max(1, workers)

    def results(self, stage: Stage, todo: list[Work]) -> Iterator[tuple[Work, VideoResult]]:
        """Load the models some video needs, then score each video as it is decoded."""
        place_models(stage.scorers, self.device)
        stage.load_models(todo)
        if self.workers > 1 and len(todo) > 1:
            from bench.scorers.parallel import threaded_results

            yield from threaded_results(stage, todo, self.workers)
            return
        for work, video, error in stage.decoded(todo):
            yield work, compute_video(stage.scorers, work, video, error, stage.summary.unavailable)

    def devices(self, scorers: Scorers) -> dict[str, str]:
        """The device of each scorer of this process."""
        return scorer_devices(scorers)
