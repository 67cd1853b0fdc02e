"""What every scorer declares (outputs, direction, version, needs) and how it is called."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Literal

from bench.jobs import Job
from bench.scorers.sampler import VideoPass

Direction = Literal["higher", "lower", "none"]
Value = bool | int | float | str | None


class ScorerUnavailable(Exception):
    """The scorer cannot run here (missing weights or package); the reason is user-facing."""


@dataclass(frozen=True)
class Output:
    """One column a scorer writes."""

    direction: Direction
    description: str

    def to_dict(self) -> dict[str, str]:
        """JSON form for scorers.json."""
        return {"direction": self.direction, "description": self.description}


class Scorer(ABC):
    """A metric computed from one decode pass (and, for some, a model)."""

    name: str
    version: str
    outputs: dict[str, Output]
    needs: frozenset[str]  # sampler products (see sampler.PRODUCTS) plus "embeddings"

    def settings(self) -> dict[str, Any]:
        """Settings that change the values (recorded in scorers.json and the cache key)."""
        return {}

    def unavailable_reason(self) -> str | None:
        """Why this scorer cannot run here, found cheaply without loading a model; None if it can."""
        return None

    def job_inputs(self, job: Job) -> dict[str, Any]:
        """The parts of the job the values depend on (part of the cache key)."""
        return {}

    @abstractmethod
    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        """Values for one video: a flat dict of JSON scalars keyed by output name."""

    def describe(self) -> dict[str, Any]:
        """The scorers.json entry (availability is added by the stage)."""
        return {
            "version": self.version,
            "outputs": {name: out.to_dict() for name, out in self.outputs.items()},
            "settings": self.settings(),
        }


def nan_to_none(value: float | None) -> float | None:
    """JSON has no NaN: a metric that does not apply is null."""
    if value is None or value != value:
        return None
    return float(value)
