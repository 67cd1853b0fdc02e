"""What the scoring stage hands its executors: the scorer set of a run and one video's work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.base import Scorer, ScorerContext
from vidbench.core.scorers.registry import scorer_class
from vidbench.core.scorers.sampler import SamplerSettings, VideoPass
from vidbench.core.store.confine import VIDEO_SUFFIXES, open_confined
from vidbench.core.store.jobs import Job


@dataclass
class Scorers:
    """The scorer objects for one stage run; models shared between them live in `context`."""

    by_name: dict[str, Scorer]
    context: ScorerContext = field(default_factory=ScorerContext)


def build_scorers(
    names: list[str],
    clip: ClipSettings,
    sampler: SamplerSettings,
    options: dict[str, dict[str, Any]] | None = None,
) -> Scorers:
    """Instantiate the named scorers from the registry; models are not loaded here."""
    context = ScorerContext(clip, sampler, dict(options or {}))
    by_name: dict[str, Scorer] = {}
    for name in names:
        try:
            cls = scorer_class(name)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        by_name[name] = cls.create(context)
    return Scorers(by_name, context)


@dataclass
class Work:
    """One video's missing scores and how to get them."""

    job: Job
    path: Path
    sha256: str
    missing: list[str]
    keys: dict[str, str]
    needs: set[str]
    embed_with: dict[str, Any]  # embedder id → embedder, for embeddings not in cache
    cached_pass: VideoPass | None = None
    embeddings: dict[str, Any] = field(default_factory=dict)  # embedder id → cached embeddings
    run_root: Path | None = None  # the run directory `path` must stay inside

    def open_video(self) -> tuple[IO[bytes] | None, str | None]:
        """The video opened inside its run without following a link (see `open_confined`),
        or why not; without a run root, the path as given (a copy the worker made itself)."""
        if self.run_root is None:
            return open(self.path, "rb"), None  # noqa: SIM115 - the caller closes it
        relative = self.path.relative_to(self.run_root).as_posix()
        source, why = open_confined(self.run_root, relative, VIDEO_SUFFIXES)
        if source is None:
            return None, f"not decoded: {self.path.name} is {why}"
        return source, None


# One video out of the decode thread: its work item, its pass, or why it could not be decoded.
Decoded = tuple[Work, VideoPass | None, str | None]
