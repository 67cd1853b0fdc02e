"""Gemini Omni video through the Interactions API, as pure functions: models, bodies, parsing.

Contract: https://ai.google.dev/gemini-api/docs/interactions and the official google-genai
SDK 3.6 (`_gaos/types/interactions`: `Interaction`, `VideoResponseFormat`, `VideoConfig`,
`ModelOutputStep`, `VideoContent`, `Usage`), read 2026-11-30. Create
`POST {base}/v1/interactions` with `background: true` and a video `response_format`; read
`GET {base}/v1/interactions/{id}`; the key rides in `x-goog-api-key`. The video is the
`video` content of the last `model_output` step (inline `data` or a `uri`); a `completed`
interaction without one is a failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vidbench.adapters import google_common
from vidbench.core.seam import errors
from vidbench.core.seam.lifecycle import Lifecycle, ModelStatus
from vidbench.core.seam.types import ErrorKind, GenerationRequest, TaskState, TaskStatus

PROVIDER = "gemini_omni"
API_VERSION = "v1"
KEY_HEADER = google_common.KEY_HEADER
RATIOS = ("16:9", "9:16")
RESOLUTIONS = ("720p", "1080p", "4k")
# Fields a config's `params` may set: response_format's and generation_config's own.
FORMAT_FIELDS = frozenset({"resolution", "aspect_ratio", "duration", "delivery", "gcs_uri"})
CONFIG_FIELDS = frozenset({"task", "seed"})
PRICE_SOURCE = (
    "https://ai.google.dev/gemini-api/docs/pricing via relays (third-party): USD 17.50 per "
    "million output video tokens, ≈5,792 tokens per second at 720p; read 2026-11-30"
)
USD_PER_MILLION_VIDEO_TOKENS = 17.50
# Output video tokens per second by resolution (720p measured by relays; others scaled by
# the relays' per-second prices 0.10 / 0.15 / 0.30).
TOKENS_PER_S = {"720p": 5792, "1080p": 8688, "4k": 17376}
_SOURCE = "google-genai 3.6 `_gaos/types/interactions/model.py`; java-genai 2.1.0 release notes"
LIFECYCLES: dict[str, Lifecycle] = {
    "gemini-omni-1.2-flash": Lifecycle(source=_SOURCE, read_on="2026-11-30"),
    "gemini-omni-1.1-flash": Lifecycle(source=_SOURCE, read_on="2026-11-30"),
    "gemini-omni-flash-preview": Lifecycle(ModelStatus.PREVIEW, source=_SOURCE, read_on="2026-11-30"),
}  # fmt: skip
LONGEST_S = {
    "gemini-omni-1.2-flash": 15,
    "gemini-omni-1.1-flash": 10,
    "gemini-omni-flash-preview": 10,
}
_STATUS = {"queued": TaskStatus.QUEUED, "in_progress": TaskStatus.RUNNING}
MODERATION_MARKERS = ("safety", "blocked", "prohibited", "policy")


def media_part(path: Path, kind: str) -> dict[str, str]:
    """A local file as an inline input part `{type, data, mime_type}`."""
    data, mime = google_common.file_base64(path, f"{kind}/octet-stream")
    return {"type": kind, "data": data, "mime_type": mime}


def task_for(request: GenerationRequest) -> str:
    """The `video_config.task` the inputs imply."""
    if request.inputs.first_frame:
        return "image_to_video"
    if request.inputs.reference_images:
        return "reference_to_video"
    return "text_to_video"


def build_body(request: GenerationRequest) -> dict[str, Any]:
    """The create body: input parts, a video response_format, generation_config, background."""
    parts: list[dict[str, Any]] = [{"type": "text", "text": request.text}]
    inputs = request.inputs
    images = ([inputs.first_frame] if inputs.first_frame else []) + list(inputs.reference_images)
    parts += [media_part(path, "image") for path in images]
    response_format: dict[str, Any] = {
        "type": "video",
        "aspect_ratio": request.ratio if request.ratio in RATIOS else "16:9",
        "resolution": request.resolution if request.resolution in RESOLUTIONS else "720p",
        "duration": str(request.duration_s),
    }
    config: dict[str, Any] = {"video_config": {"task": task_for(request)}}
    if request.seed is not None:
        config["seed"] = request.seed
    for key, value in request.params.items():
        if key in FORMAT_FIELDS:
            response_format[key] = value
        elif key == "task":
            config["video_config"]["task"] = value
        elif key == "seed":
            config["seed"] = value
    return {
        "model": request.provider_model, "input": parts, "response_format": response_format,
        "generation_config": config, "background": True,
    }  # fmt: skip


def last_video(steps: Any) -> dict[str, Any] | None:
    """The video content of the last `model_output` step, if any."""
    outputs = [s for s in steps or [] if isinstance(s, dict) and s.get("type") == "model_output"]
    if not outputs:
        return None
    content = outputs[-1].get("content") or []
    videos = [c for c in content if isinstance(c, dict) and c.get("type") == "video"]
    return videos[-1] if videos else None


def video_tokens(usage: Any) -> int | None:
    """Output video tokens from `usage.output_tokens_by_modality` (else total output)."""
    if not isinstance(usage, dict):
        return None
    for entry in usage.get("output_tokens_by_modality") or []:
        if isinstance(entry, dict) and str(entry.get("modality", "")).lower() == "video":
            return int(entry.get("tokens") or 0)
    total = usage.get("total_output_tokens")
    return int(total) if isinstance(total, int) else None


def _failure(body: dict[str, Any], raw: str) -> TaskState:
    errs = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errs) or f"interaction {raw}"
    if any(m in detail.lower() for m in MODERATION_MARKERS):
        return TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail, raw_status=raw)
    return TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, detail, raw_status=raw)


def parse_interaction(body: Any) -> TaskState:
    """An Interaction → TaskState (`completed` without a video is a failure)."""
    if not isinstance(body, dict) or "status" not in body:
        raise errors.TransientError("answer is not an Interaction", provider=PROVIDER)
    raw = str(body["status"])
    if raw in _STATUS:
        return TaskState(_STATUS[raw], raw_status=raw)
    if raw == "cancelled":
        return TaskState(TaskStatus.CANCELLED, raw_status=raw)
    if raw != "completed":  # failed, incomplete, requires_continuation, budget_exceeded, …
        return _failure(body, raw)
    video = last_video(body.get("steps"))
    tokens = video_tokens(body.get("usage"))
    if video is None or not (video.get("data") or video.get("uri")):
        return TaskState(
            TaskStatus.FAILED, ErrorKind.TASK_FAILED, "completed without a video", raw_status=raw
        )
    if video.get("data"):
        url = f"data:{video.get('mime_type') or 'video/mp4'};base64,{video['data']}"
    else:
        url = str(video["uri"])
    return TaskState(TaskStatus.SUCCEEDED, video_url=url, tokens=tokens, raw_status=raw)


parse_error = google_common.parse_error  # `{"error": {code, message, status}}`


def refine_error(exc: errors.ProviderError) -> errors.ProviderError:
    """A rejected key (Google answers 400 API_KEY_INVALID) → AuthError; quota → RateLimited."""
    if google_common.key_rejected(exc):
        return errors.retype(exc, errors.AuthError, provider=PROVIDER)
    if google_common.model_gone(exc):
        return errors.retype(exc, errors.ModelGone, provider=PROVIDER)
    if google_common.quota_exhausted(exc):
        return errors.retype(exc, errors.RateLimited, provider=PROVIDER)
    return exc
