"""The per-video computation: every scorer of a set on one decoded video, in whichever process
runs it (the local executor's threads or a Ray actor), so every executor gives the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vidbench.core.scorers.base import Scorer, ScorerUnavailable
from vidbench.core.scorers.cache import cache_key
from vidbench.core.scorers.sampler import VideoPass
from vidbench.core.scorers.work import Scorers, Work


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


def _begin_waiting_scorers(
    scorers: Scorers, work: Work, video: VideoPass, skip: Mapping[str, str]
) -> dict[str, Callable[[], dict[str, Any]]]:
    """Start the scorers that wait on someone else (`begin`: the judge asks its questions), so
    the clip's other scorers run while they wait; each maps to what finishes it. A scorer that
    cannot start finishes by raising what it raised, where `score` would have."""
    started: dict[str, Callable[[], dict[str, Any]]] = {}
    for name in work.missing:
        if name in skip:
            continue
        try:
            finish = scorers.by_name[name].begin(work.job, video)
        except Exception as exc:  # raised again where the scorer's turn comes
            finish = _raiser(exc)
        if finish is not None:
            started[name] = finish
    return started


def _raiser(exc: Exception) -> Callable[[], dict[str, Any]]:
    def finish() -> dict[str, Any]:
        raise exc

    return finish


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
    started = _begin_waiting_scorers(scorers, work, video, skip)
    for name in work.missing:
        if name in skip:
            result.unavailable[name] = skip[name]
            continue
        scorer = scorers.by_name[name]
        try:
            if name in started:
                values = started[name]()
            else:
                needs_embeddings = "embeddings" in scorer.needs
                embeddings = _embeddings(scorer, work, video, result) if needs_embeddings else None
                values = scorer.score(work.job, video, embeddings)
        except ScorerUnavailable as exc:
            result.unavailable[name] = str(exc)
            continue
        except Exception as exc:  # one bad video must not stop the stage
            result.failed[name] = f"{type(exc).__name__}: {exc}"
            continue
        result.values[name] = values
    return result
