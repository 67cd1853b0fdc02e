"""What every scorer declares, in one place, and how it is built and called.

A scorer class declares its name, version, output metrics (direction, range, unit, default
usable threshold, regression threshold, protocol), what it needs (sampler products, and
`requires`: frames, faces, audio, a character reference, weights) and its options. The
registry (`vidbench.core.scorers.registry`) lists the classes; config validation, the scoring stage,
results columns, reports, `compare` and the CLI all read these declarations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.sampler import SamplerSettings, VideoPass
from vidbench.core.store.jobs import Job

Direction = Literal["higher", "lower", "none"]
Requirement = Literal["frames", "faces", "audio", "character_ref", "weights", "text"]
Value = bool | int | float | str | None
# The range a metric's values lie in: (low, high), None for an open end. Intervals stay inside.
Bounds = tuple[float | None, float | None]
UNBOUNDED: Bounds = (None, None)
SHARE: Bounds = (0.0, 1.0)  # shares, 0/1 checks, probabilities, similarities clamped at 0
NON_NEGATIVE: Bounds = (0.0, None)  # counts, distances, seconds, money
COSINE: Bounds = (-1.0, 1.0)
T = TypeVar("T")


class ScorerUnavailable(Exception):
    """The scorer cannot run here (missing weights or package); the reason is user-facing."""


@dataclass(frozen=True)
class Protocol:
    """How a metric is measured, and whether it matches a published benchmark's protocol."""

    frames: str  # which frames: "all native frames", "16 uniform frames", …
    model: str = "none"  # model and weights, or "none" for model-free metrics
    filter: str = "none"  # which clips it applies to ("static clips only (VBench filter)")
    scope: str = "whole video"  # "whole video" | "per shot, averaged" | …
    comparable_with: str | None = None  # the published metric it equals, when it does
    differences: str = ""  # how it differs from the nearest published protocol

    def to_dict(self) -> dict[str, Any]:
        """JSON form for scorers.json."""
        return asdict(self)


@dataclass(frozen=True)
class Output:
    """One column a scorer writes, with everything the rest of vidbench needs to know about it."""

    direction: Direction
    description: str
    unit: str = ""
    usable_threshold: float | bool | None = None  # default usable rule (config may override)
    regression_threshold: float | None = None  # absolute, in the metric's units; None: relative
    label: str = ""  # short column label for terminal tables
    headline: int | None = None  # position in the CLI's after-run summary (None: not shown)
    protocol: Protocol | None = None
    bounds: Bounds = UNBOUNDED  # the values' range; every interval the reports give stays in it

    def __post_init__(self) -> None:
        low, high = self.bounds
        if low is not None and high is not None and not low < high:
            raise ValueError(f"bounds {self.bounds} of {self.description!r}: low must be < high")

    def to_dict(self) -> dict[str, Any]:
        """JSON form for scorers.json."""
        data: dict[str, Any] = {"direction": self.direction, "description": self.description}
        if self.bounds != UNBOUNDED:
            data["bounds"] = list(self.bounds)
        if self.unit:
            data["unit"] = self.unit
        if self.usable_threshold is not None:
            data["usable_threshold"] = self.usable_threshold
        if self.regression_threshold is not None:
            data["regression_threshold"] = self.regression_threshold
        if self.protocol is not None:
            data["protocol"] = self.protocol.to_dict()
        return data


class NoOptions(BaseModel):
    """A scorer without options: any key is an error."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class ScorerContext:
    """What a scorer may be built from: run settings, its options and models shared by scorers."""

    clip: ClipSettings = field(default_factory=lambda: ClipSettings.model_validate({}))
    sampler: SamplerSettings = field(default_factory=SamplerSettings)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # scorer name → options
    shared: dict[str, Any] = field(default_factory=dict)

    def share(self, key: str, factory: Callable[[], T]) -> T:
        """One object per key for every scorer of the stage (e.g. one CLIP model)."""
        if key not in self.shared:
            self.shared[key] = factory()
        value: T = self.shared[key]
        return value

    def options_for(self, scorer: type[Scorer]) -> BaseModel:
        """The scorer's validated options (its `Options` model)."""
        return scorer.Options.model_validate(self.options.get(scorer.name, {}))


class Scorer(ABC):
    """A metric computed from one decode pass (and, for some, a model)."""

    name: ClassVar[str]
    version: ClassVar[str]
    outputs: ClassVar[dict[str, Output]]
    needs: ClassVar[frozenset[str]]  # sampler products (see sampler.PRODUCTS) plus "embeddings"
    requires: ClassVar[frozenset[Requirement]] = frozenset({"frames"})
    default_enabled: ClassVar[bool] = True  # runs when a config lists no scorers (built-ins only)
    Options: ClassVar[type[BaseModel]] = NoOptions
    protocol: ClassVar[Protocol | None] = None  # for outputs that declare none of their own
    embedder: Any = None  # the embedding model, for scorers that need "embeddings"
    # False: each scoring thread gets its own instance (models that cannot run twice at once).
    thread_safe: ClassVar[bool] = True

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """Build the scorer for one stage run (override to take settings or shared models)."""
        return cls()

    def settings(self) -> dict[str, Any]:
        """Settings that change the values (recorded in scorers.json and the cache key)."""
        return {}

    def unavailable_reason(self) -> str | None:
        """Why this scorer cannot run here, found cheaply without loading a model; None if it can."""
        return None

    def job_inputs(self, job: Job) -> dict[str, Any]:
        """The parts of the job the values depend on (part of the cache key)."""
        return {}

    def needs_pixels(self, job: Job) -> bool:
        """Whether scoring this job needs decoded frames beyond cached embeddings."""
        if "dense" in self.needs:  # every frame's pixels: never in a cached pass
            return True
        return "uniform" in self.needs and "embeddings" not in self.needs

    def begin(self, job: Job, video: VideoPass) -> Callable[[], dict[str, Value]] | None:
        """For a scorer that waits on someone else (the judge on its endpoint): start now and
        return what finishes the values, so the clip's other scorers run meanwhile; None (the
        default): scored with `score` in its turn."""
        return None

    @abstractmethod
    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        """Values for one video: a flat dict of JSON scalars keyed by output name."""

    def protocol_for(self, column: str) -> Protocol | None:
        """How `column` is measured here: its own declaration, else the scorer's."""
        return self.outputs[column].protocol or self.protocol

    def describe(self) -> dict[str, Any]:
        """The scorers.json entry (availability is added by the stage)."""
        outputs = {}
        for column, output in self.outputs.items():
            outputs[column] = output.to_dict()
            protocol = self.protocol_for(column)
            if protocol is not None:
                outputs[column]["protocol"] = protocol.to_dict()
        return {
            "version": self.version,
            "requires": sorted(self.requires),
            "outputs": outputs,
            "settings": self.settings(),
        }


def nan_to_none(value: float | None) -> float | None:
    """JSON has no NaN: a metric that does not apply is null."""
    if value is None or value != value:
        return None
    return float(value)
