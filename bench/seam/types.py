"""Shared types: what a job asks for, what a provider answers, what a job ends as.

Every later stage builds on these. Plain frozen dataclasses inside the harness;
pydantic lives at the boundaries (config, suite, records).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class TaskStatus(enum.StrEnum):
    """A provider task's state, mapped from each provider's own vocabulary."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the provider ran the task and it failed
    REJECTED = "rejected"  # moderation (input or output)
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def terminal(self) -> bool:
        return self not in (TaskStatus.QUEUED, TaskStatus.RUNNING)


class JobStatus(enum.StrEnum):
    """A job's final outcome: the `status` column of results."""

    SUCCEEDED = "succeeded"
    REJECTED = "rejected"
    FAILED = "failed"
    ERRORED = "errored"  # harness-side fault or ambiguous create
    UNSUPPORTED = "unsupported"
    SKIPPED = "skipped"  # never sent (budget, interrupted before submit)


class ErrorKind(enum.StrEnum):
    """Why a job did not succeed: the `error_kind` column of results."""

    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    AUTH = "auth"
    BILLING = "billing"
    INVALID_REQUEST = "invalid_request"
    CONTENT_REJECTED = "content_rejected"
    TASK_FAILED = "task_failed"
    TIMEOUT = "timeout"
    EXPIRED = "expired"
    DOWNLOAD_FAILED = "download_failed"
    CORRUPT_VIDEO = "corrupt_video"
    AMBIGUOUS_CREATE = "ambiguous_create"
    IMPLAUSIBLE_USAGE = "implausible_usage"  # provider tokens/cost outside sane bounds
    BUDGET = "budget"
    UNSUPPORTED = "unsupported"
    INTERNAL = "internal"


class InputKind(enum.StrEnum):
    """Kinds of conditioning input a prompt can carry and a model can accept."""

    FIRST_FRAME = "first_frame"
    FIRST_LAST_FRAME = "first_last_frame"
    REFERENCE_IMAGES = "reference_images"
    REFERENCE_VIDEOS = "reference_videos"
    REFERENCE_AUDIOS = "reference_audios"


@dataclass(frozen=True)
class GenerationInputs:
    """Local files sent to the provider alongside the text."""

    first_frame: Path | None = None
    last_frame: Path | None = None
    reference_images: tuple[Path, ...] = ()
    reference_videos: tuple[Path, ...] = ()
    reference_audios: tuple[Path, ...] = ()

    def kinds(self) -> frozenset[InputKind]:
        """The input kinds this set of inputs needs from a model."""
        kinds: set[InputKind] = set()
        if self.first_frame and self.last_frame:
            kinds.add(InputKind.FIRST_LAST_FRAME)
        elif self.first_frame:
            kinds.add(InputKind.FIRST_FRAME)
        elif self.last_frame:
            kinds.add(InputKind.FIRST_LAST_FRAME)
        if self.reference_images:
            kinds.add(InputKind.REFERENCE_IMAGES)
        if self.reference_videos:
            kinds.add(InputKind.REFERENCE_VIDEOS)
        if self.reference_audios:
            kinds.add(InputKind.REFERENCE_AUDIOS)
        return frozenset(kinds)


@dataclass(frozen=True)
class GenerationRequest:
    """One video to generate, in the shared vocabulary, already snapped to capabilities.

    `params` are the model's provider-specific fields from the config; they override
    whatever the adapter derives from the shared settings.
    """

    job_id: str
    external_id: str  # unique per run and job; sent where a provider supports lookup by it
    provider_model: str
    text: str
    duration_s: int
    ratio: str
    resolution: str | None = None
    audio: bool = False
    seed: int | None = None
    shots: int | None = None
    inputs: GenerationInputs = field(default_factory=GenerationInputs)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Capabilities:
    """What a provider model can do; the planner refuses or snaps before money is spent."""

    durations_s: tuple[int, ...]
    ratios: tuple[str, ...]
    resolutions: tuple[str, ...]
    inputs: frozenset[InputKind] = frozenset()
    max_reference_images: int = 0
    audio: bool = False
    seed: bool = False
    multi_shot: bool = False
    default_resolution: str | None = None
    fps: int = 24
    # Longest prompt sent; longer ones are planned `unsupported`. The default is below every
    # documented hard limit we know (Kling 2500, MiniMax 2000, OpenAI 32000 characters).
    max_prompt_chars: int = 2000


@dataclass(frozen=True)
class Cost:
    """A price in the provider's currency plus the USD figure it converts to."""

    native: float
    currency: str  # "CNY", "USD"
    usd: float
    tokens: int | None = None


@dataclass(frozen=True)
class SubmitResult:
    """What a create call returned."""

    task_id: str
    request_id: str | None = None


@dataclass(frozen=True)
class TaskState:
    """A polled task, mapped to the common vocabulary."""

    status: TaskStatus
    error_kind: ErrorKind | None = None
    detail: str | None = None
    video_url: str | None = None
    tokens: int | None = None
    provider_duration_s: float | None = None
    progress: float | None = None  # 0..1 where the provider reports it
    poll_after_s: float | None = None  # provider's hint for the next poll
    raw_status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Gateways: where the task stands in the provider's queue (fal's `queue_position`, 0 next).
    queue_position: int | None = None
    # Seconds the provider says the task waited before it started (Replicate's
    # `started_at - created_at`), where it reports them; None where only polling can tell.
    provider_queue_s: float | None = None
    # Seconds the provider says it spent generating (fal's `metrics.inference_time`,
    # Replicate's `metrics.predict_time`): where the queue's end was not seen by polling, the
    # task started this long before it finished.
    provider_generation_s: float | None = None


@dataclass(frozen=True)
class DownloadSpec:
    """Where and how to fetch a finished video; the runner streams it (size cap, sha256)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskFacts:
    """What identifies a task at the provider; None means "not known, do not compare"."""

    provider_model: str
    duration_s: float | None = None
    ratio: str | None = None
    resolution: str | None = None
    size: str | None = None  # "WxH" where the API names sizes (OpenAI)
    prompt: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class RemoteTask:
    """One task as the provider's list shows it."""

    task_id: str
    created_at_s: float
    facts: TaskFacts
    state: TaskState


def snap_duration(requested_s: int, supported_s: tuple[int, ...]) -> int:
    """The supported duration nearest the request (ties go to the longer one)."""
    return min(supported_s, key=lambda d: (abs(d - requested_s), -d))
