"""A planned job: one prompt × model × sample, with every setting resolved."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from vidbench.core.seam.types import GenerationInputs, GenerationRequest


def make_job_id(model_id: str, prompt_id: str, sample: int) -> str:
    """A stable, file-name-safe job id."""
    raw = f"{model_id}__{prompt_id}__s{sample}"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", raw)


def _strings(value: Any) -> tuple[str, ...]:
    """A record's list of paths as a tuple of non-empty strings."""
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if v)


SINGLE_FILES = ("first_frame", "last_frame")
MANY_FILES = ("reference_images", "reference_videos", "reference_audios")


def _files(
    get: Callable[[str], Any], one: Callable[[Any], Any], many: Callable[[Any], Any]
) -> dict[str, Any]:
    """The five file fields read with `get`: each single path through `one` (None when
    empty), each list through `many` — the one place the fields are named."""
    return {
        **{name: one(get(name)) if get(name) else None for name in SINGLE_FILES},
        **{name: many(get(name)) for name in MANY_FILES},
    }


@dataclass(frozen=True)
class JobInputs:
    """A job's input files (absolute paths, as strings) and the id the provider is sent."""

    first_frame: str | None = None
    last_frame: str | None = None
    reference_images: tuple[str, ...] = ()
    reference_videos: tuple[str, ...] = ()
    reference_audios: tuple[str, ...] = ()
    external_id: str | None = None

    def files(self) -> dict[str, Any]:
        """Field → path(s) of the files only (what a resume would upload)."""
        return {k: v for k, v in self.to_dict().items() if k != "external_id"}

    @classmethod
    def from_paths(cls, inputs: GenerationInputs, external_id: str | None) -> JobInputs:
        """The record form of adapter-facing inputs (the inverse of `paths`)."""
        strings = _files(partial(getattr, inputs), str, lambda v: tuple(map(str, v)))
        return cls(**strings, external_id=external_id)

    def paths(self) -> GenerationInputs:
        """The files as the adapter-facing `GenerationInputs`."""
        return GenerationInputs(
            **_files(partial(getattr, self), Path, lambda v: tuple(map(Path, v)))
        )

    def to_dict(self) -> dict[str, Any]:
        """The record's shape: lists for the reference files."""
        return {**_files(partial(getattr, self), str, list), "external_id": self.external_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> JobInputs:
        """Read a record's `inputs` (missing fields are empty; unknown ones are ignored)."""
        data = data or {}
        external_id = str(data["external_id"]) if data.get("external_id") else None
        return cls(**_files(data.get, str, _strings), external_id=external_id)


@dataclass(frozen=True)
class Job:
    """Everything the runner, scorers and reports need to know about one job."""

    job_id: str
    model_id: str
    adapter: str
    provider_model: str
    simulated: bool
    prompt_id: str
    category: str
    lang: str
    sample: int
    text: str
    clip_text: str
    duration_requested_s: int
    duration_sent_s: int
    ratio: str
    resolution: str | None
    audio: bool
    seed: int | None = None
    shots: int | None = None
    character_ref: str | None = None  # absolute path
    inputs: JobInputs = field(default_factory=JobInputs)
    params: dict[str, Any] = field(default_factory=dict)  # the model's provider params
    tags: tuple[str, ...] = ()
    unsupported_reason: str | None = None
    estimated_cost_usd: float = 0.0

    @cached_property
    def request(self) -> GenerationRequest:
        """The adapter-facing request, built once per job (planning, submit and lookups share it)."""
        return GenerationRequest(
            job_id=self.job_id,
            external_id=self.inputs.external_id or self.job_id,
            provider_model=self.provider_model,
            text=self.text,
            duration_s=self.duration_sent_s,
            ratio=self.ratio,
            resolution=self.resolution,
            audio=self.audio,
            seed=self.seed,
            shots=self.shots,
            inputs=self.inputs.paths(),
            params=dict(self.params),
        )

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["tags"] = list(self.tags)
        data["inputs"] = self.inputs.to_dict()
        data["params"] = copy.deepcopy(self.params)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["tags"] = tuple(known.get("tags", ()))
        known["inputs"] = JobInputs.from_dict(known.get("inputs"))
        return cls(**known)
