"""A planned job: one prompt × model × sample, with every setting resolved."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any


def make_job_id(model_id: str, prompt_id: str, sample: int) -> str:
    """A stable, file-name-safe job id."""
    raw = f"{model_id}__{prompt_id}__s{sample}"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", raw)


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
    inputs: dict[str, Any] = field(default_factory=dict)  # absolute paths, GenerationInputs fields
    params: dict[str, Any] = field(default_factory=dict)  # the model's provider params
    tags: tuple[str, ...] = ()
    unsupported_reason: str | None = None
    estimated_cost_usd: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["tags"] = tuple(known.get("tags", ()))
        return cls(**known)
