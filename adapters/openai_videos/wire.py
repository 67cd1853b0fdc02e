"""The Sora videos API as pure functions and tables: sizes, prices, bodies, parsing, errors.

Read from the official SDK (https://github.com/openai/openai-python, `src/openai/resources/videos.py`
and `src/openai/types/video.py`); `adapters/openai_videos/adapter.py` sends these over HTTP.

OpenAI shut its own Sora API down on 2026-09-24: api.openai.com no longer serves it. This
adapter keeps the contract for OpenAI-compatible gateways that still serve `/videos`, for
the local simulator, and for historical runs. Point `base_url` at such a gateway; when an
endpoint answers that the model or the API is gone, the adapter raises `ModelGone`.

Create is `multipart/form-data` (as the official SDK sends it): `model`, `prompt`,
`seconds` (a string), `size` (a "WxH" string) and, for a first frame, `input_reference`
as a file part. Sora refuses a reference image whose pixel size differs from `size`
("Inpaint image must match the requested width and height"), so the adapter letterboxes
the image to exactly `size` with Pillow before sending it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageOps

from vidbench.core.seam import errors
from vidbench.core.seam.http import quote_segment
from vidbench.core.seam.types import (
    ErrorKind,
    GenerationRequest,
    TaskState,
    TaskStatus,
)

NAME = "openai_videos"
LIST_MAX_PAGES = 20  # newest first, 100 a page: far past any unresolved create
SHUTDOWN_NOTE = (
    "OpenAI shut its own Sora API down on 2026-09-24; this adapter serves "
    "OpenAI-compatible gateways (set base_url) and the simulator."
)
GONE_MESSAGE = (
    "the endpoint says the Sora video API / model is gone (OpenAI shut it down on "
    "2026-09-24); point base_url at an OpenAI-compatible gateway"
)
SECONDS = (4, 8, 12)
RATIOS = ("16:9", "9:16")
# (resolution class, ratio) → size. The pro-only 1024x1792 family is the "1080p" class: its
# 1024 px short side is within the conformance scorer's 10 % of 1080, and the planner snaps
# a suite's 1080p to it (1920x1080 on create is unconfirmed by the SDK's size list).
SIZES: dict[tuple[str, str], str] = {
    ("720p", "16:9"): "1280x720",
    ("720p", "9:16"): "720x1280",
    ("1080p", "16:9"): "1792x1024",
    ("1080p", "9:16"): "1024x1792",
}
STANDARD_SIZES = ("720x1280", "1280x720")
PRO_SIZES = STANDARD_SIZES + ("1024x1792", "1792x1024")
# USD per second of output, by model family and resolution (sources in PRICE_SOURCE).
PRICE_USD_PER_S: dict[tuple[str, str], float] = {
    ("sora-2", "720p"): 0.10,
    ("sora-2-pro", "720p"): 0.30,
    ("sora-2-pro", "1080p"): 0.50,
}
PRICE_SOURCE = "OpenAI sora-2 model page (developers.openai.com/de-DE/api/docs/models/sora-2) and cometapi article, read Oct 2026"
POLL_AFTER_HEADER = "openai-poll-after-ms"
# Substrings of an error code or message that mean moderation rather than a plain failure.
MODERATION_MARKERS = (
    "moderation",
    "content_policy",
    "content_filter",
    "safety",
    "policy_violation",
)
GONE_MARKERS = ("shut down", "shutdown", "deprecated", "no longer available", "sunset")
ALLOWED_PARAMS = frozenset({"seconds", "size"})

_STATUSES = {
    "queued": TaskStatus.QUEUED,
    "in_progress": TaskStatus.RUNNING,
    "completed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}


def model_family(provider_model: str) -> str:
    """ "sora-2-pro" for pro ids and snapshots, else "sora-2"."""
    return "sora-2-pro" if provider_model.startswith("sora-2-pro") else "sora-2"


def sizes_for(provider_model: str) -> tuple[str, ...]:
    """The `size` values a model accepts."""
    return PRO_SIZES if model_family(provider_model) == "sora-2-pro" else STANDARD_SIZES


def resolution_of_size(size: str) -> str:
    """The resolution class of a "WxH" size: "1080p" when the short side is ≥ 1024, else "720p"."""
    width_px, height_px = parse_size(size)
    return "1080p" if min(width_px, height_px) >= 1024 else "720p"


def parse_size(size: str) -> tuple[int, int]:
    """(width_px, height_px) from "WxH"; ValueError when malformed."""
    width, _, height = size.lower().partition("x")
    return int(width), int(height)


def size_for(provider_model: str, ratio: str, resolution: str | None) -> str:
    """The `size` string for a shared ratio and resolution, snapped to what the model takes."""
    orientation = "9:16" if ratio == "9:16" else "16:9"
    if ratio not in RATIOS:
        width, _, height = ratio.partition(":")
        try:
            orientation = "9:16" if float(height) > float(width) else "16:9"
        except ValueError:
            orientation = "16:9"
    tier = "1080p" if resolution in ("1024p", "1080p", "1440p", "2160p", "4k") else "720p"
    size = SIZES[(tier, orientation)]
    return size if size in sizes_for(provider_model) else SIZES[("720p", orientation)]


def nearest_seconds(duration_s: int) -> int:
    """The supported clip length closest to `duration_s` (ties go to the longer, as the planner's)."""
    return min(SECONDS, key=lambda s: (abs(s - duration_s), -s))


def fit_image_to_size(path: Path, size: str) -> bytes:
    """The image at `path` letterboxed (aspect kept, black bars) to exactly `size`, as PNG."""
    width_px, height_px = parse_size(size)
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    fitted = ImageOps.pad(
        rgb, (width_px, height_px), method=Image.Resampling.LANCZOS, color=(0, 0, 0)
    )
    buffer = io.BytesIO()
    fitted.save(buffer, format="PNG")
    return buffer.getvalue()


def create_fields(request: GenerationRequest) -> dict[str, str]:
    """The form fields of `POST /videos`; the model's params override derived fields."""
    fields = {
        "model": request.provider_model,
        "prompt": request.text,
        "seconds": str(nearest_seconds(request.duration_s)),
        "size": size_for(request.provider_model, request.ratio, request.resolution),
    }
    for key in ALLOWED_PARAMS & set(request.params):
        fields[key] = str(request.params[key])
    return fields


def auth_headers(api_key: str) -> dict[str, str]:
    """The bearer header every call sends."""
    return {"Authorization": f"Bearer {api_key}"}


def build_create_request(base_url: str, api_key: str, request: GenerationRequest) -> httpx.Request:
    """`POST {base}/videos` as multipart, with the first frame fitted to `size` as a file part."""
    fields = create_fields(request)
    files: dict[str, tuple[str, bytes, str]] = {}
    if request.inputs.first_frame is not None:
        image_png = fit_image_to_size(request.inputs.first_frame, fields["size"])
        files["input_reference"] = ("input_reference.png", image_png, "image/png")
    headers = {**auth_headers(api_key), "Accept": "application/json"}
    # httpx builds multipart only when files are present; force it so a text-only create is
    # multipart too, matching what the official SDK sends.
    if not files:
        return httpx.Request(
            "POST",
            f"{base_url}/videos",
            headers=headers,
            files={key: (None, value) for key, value in fields.items()},
        )
    return httpx.Request("POST", f"{base_url}/videos", headers=headers, data=fields, files=files)


def build_retrieve_request(base_url: str, api_key: str, video_id: str) -> httpx.Request:
    """`GET {base}/videos/{id}`."""
    headers = {**auth_headers(api_key), "Accept": "application/json"}
    return httpx.Request("GET", f"{base_url}/videos/{quote_segment(video_id)}", headers=headers)


def poll_after_s(headers: httpx.Headers) -> float | None:
    """The provider's next-poll hint from `openai-poll-after-ms`, in seconds."""
    value = headers.get(POLL_AFTER_HEADER)
    try:
        return max(0.0, float(value) / 1000.0) if value else None
    except ValueError:
        return None


def is_moderation(code: str | None, message: str | None) -> bool:
    """Whether an error code or message reads as a moderation decision."""
    text = f"{code or ''} {message or ''}".lower()
    return any(marker in text for marker in MODERATION_MARKERS)


def parse_video(body: Any, headers: httpx.Headers | None = None) -> TaskState:
    """A Video object (the SDK's `types/video.py`) mapped to a TaskState."""
    if not isinstance(body, dict) or "status" not in body:
        raise errors.TransientError(
            "retrieve answered without a Video object",
            provider=NAME,
            body=errors.truncate(str(body)),
        )
    raw = str(body["status"])
    status = _STATUSES.get(raw)
    if status is None:
        raise errors.TransientError(f"unknown video status {raw!r}", provider=NAME)
    hint = poll_after_s(headers) if headers is not None else None
    progress = body.get("progress")
    seconds = body.get("seconds")
    extra = {
        key: body[key] for key in ("size", "model", "expires_at", "completed_at") if body.get(key)
    }
    common: dict[str, Any] = {
        "raw_status": raw,
        "poll_after_s": hint,
        "progress": float(progress) / 100.0 if isinstance(progress, int | float) else None,
        "provider_duration_s": as_float(seconds),
        "extra": extra,
    }
    if status is TaskStatus.FAILED:
        error = body.get("error") or {}
        code = str(error.get("code") or "") or None
        message = str(error.get("message") or "the video failed")
        detail = f"{code}: {message}" if code else message
        if is_moderation(code, message):
            return TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail, **common)
        return TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, detail, **common)
    return TaskState(status, **common)


def as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def refine_error(error: errors.ProviderError) -> errors.ProviderError:
    """The OpenAI envelope's meanings: a shut-down model, an empty quota, moderation."""
    message, status = error.message, error.status_code
    lowered = message.lower()
    if status == 410 or (
        status == 404
        and (error.code == "model_not_found" or any(m in lowered for m in GONE_MARKERS))
    ):
        return errors.retype(error, errors.ModelGone, f"{GONE_MESSAGE} ({message})", provider=NAME)
    if status == 429 and error.code == "insufficient_quota":
        return errors.retype(error, errors.BillingError, provider=NAME)
    if status == 400 and is_moderation(error.code, message):
        return errors.retype(error, errors.ContentRejected, provider=NAME)
    return error
