"""A planned job: one prompt × model × sample, with every setting resolved."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bench.types import GenerationInputs, GenerationRequest


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
        return cls(
            first_frame=str(inputs.first_frame) if inputs.first_frame else None,
            last_frame=str(inputs.last_frame) if inputs.last_frame else None,
            reference_images=tuple(str(p) for p in inputs.reference_images),
            reference_videos=tuple(str(p) for p in inputs.reference_videos),
            reference_audios=tuple(str(p) for p in inputs.reference_audios),
            external_id=external_id,
        )

    def paths(self) -> GenerationInputs:
        """The files as the adapter-facing `GenerationInputs`."""
        return GenerationInputs(
            first_frame=Path(self.first_frame) if self.first_frame else None,
            last_frame=Path(self.last_frame) if self.last_frame else None,
            reference_images=tuple(Path(p) for p in self.reference_images),
            reference_videos=tuple(Path(p) for p in self.reference_videos),
            reference_audios=tuple(Path(p) for p in self.reference_audios),
        )

    def to_dict(self) -> dict[str, Any]:
        """The record's shape: lists for the reference files."""
        return {
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "reference_images": list(self.reference_images),
            "reference_videos": list(self.reference_videos),
            "reference_audios": list(self.reference_audios),
            "external_id": self.external_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> JobInputs:
        """Read a record's `inputs` (missing fields are empty; unknown ones are ignored)."""
        data = data or {}
        return cls(
            first_frame=str(data["first_frame"]) if data.get("first_frame") else None,
            last_frame=str(data["last_frame"]) if data.get("last_frame") else None,
            reference_images=_strings(data.get("reference_images")),
            reference_videos=_strings(data.get("reference_videos")),
            reference_audios=_strings(data.get("reference_audios")),
            external_id=str(data["external_id"]) if data.get("external_id") else None,
        )


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
