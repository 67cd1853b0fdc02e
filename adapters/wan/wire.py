"""Alibaba Wan on DashScope (Model Studio) as pure functions: models, bodies, parsing, errors.

Contract (public docs, read 2026-11-30; third-party confirmation only for Wan 3.0):
https://www.alibabacloud.com/help/en/model-studio/text-to-video-api-reference and the
official `dashscope` Python SDK (`dashscope/common/constants.py` TaskStatus,
`dashscope/v2/resources/videos.py`). Create is
`POST {base}/api/v1/services/aigc/video-generation/video-synthesis` with the header
`X-DashScope-Async: enable` (without it DashScope answers 403 AccessDenied); it answers
`{"output": {"task_id", "task_status"}, "request_id"}`. Poll `GET {base}/api/v1/tasks/{id}`
until SUCCEEDED (`output.video_url`, kept 24 h), FAILED, CANCELED or UNKNOWN (the id is
unknown or older than 24 h). Errors are `{"request_id", "code", "message"}`.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.lifecycle import Lifecycle, ModelStatus
from vidbench.core.seam.types import ErrorKind, GenerationRequest, TaskState, TaskStatus

PROVIDER = "wan"
CREATE_PATH = "/api/v1/services/aigc/video-generation/video-synthesis"
TASKS_PATH = "/api/v1/tasks"
ASYNC_HEADER = ("X-DashScope-Async", "enable")
RESOLUTIONS = ("720P", "1080P")
RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4")
DURATIONS_S = tuple(range(2, 31))  # Wan 3.0: up to 30 s
# Provider fields a config's `params` may set (in `parameters`, or `negative_prompt`).
PARAMETER_FIELDS = frozenset(
    {"resolution", "ratio", "duration", "prompt_extend", "seed", "audio", "watermark"}
)
INPUT_FIELDS = frozenset({"negative_prompt"})
PRICE_SOURCE = (
    "alibabacloud.com Model Studio pricing via relays (third-party), read 2026-11-30; "
    "wan2.7 from https://www.alibabacloud.com/help/en/model-studio/model-pricing"
)
# model → USD per output second at 720P and 1080P.
PRICES_USD_PER_S: dict[str, tuple[float, float]] = {
    "wan3.0-video": (0.06, 0.12),
    "wan3.0-video-prime": (0.06, 0.12),  # no separate list price found: standard assumed
    "wan2.7-t2v": (0.10, 0.15),
}
STATUS_SOURCE = "https://www.alibabacloud.com/help/en/model-studio/newly-released-models"
LIFECYCLES: dict[str, Lifecycle] = {
    "wan3.0-video": Lifecycle(source=STATUS_SOURCE, read_on="2026-11-30", confirmed=False),
    "wan3.0-video-prime": Lifecycle(source=STATUS_SOURCE, read_on="2026-11-30", confirmed=False),
    "wan2.7-t2v": Lifecycle(source=STATUS_SOURCE, read_on="2026-11-30"),
    "wan2.6-t2v": Lifecycle(
        ModelStatus.RETIRED, "2026-10-14", "wan3.0-video", STATUS_SOURCE, "2026-11-30", False
    ),
}

_STATUS = {
    "PENDING": TaskStatus.QUEUED,
    "SUSPENDED": TaskStatus.QUEUED,
    "RUNNING": TaskStatus.RUNNING,
    "SUCCEEDED": TaskStatus.SUCCEEDED,
    "CANCELED": TaskStatus.CANCELLED,
}
MODERATION_CODES = ("DataInspectionFailed", "DataInspection", "IPInfringementSuspect")


def data_url(path: Path) -> str:
    """A local file as a base64 data URL (DashScope takes URLs or data URLs for media)."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def build_media(request: GenerationRequest) -> list[dict[str, str]]:
    """`input.media`: the first and last frame and a driving audio, each with its type."""
    inputs = request.inputs
    media: list[dict[str, str]] = []
    if inputs.first_frame:
        media.append({"type": "first_frame", "url": data_url(inputs.first_frame)})
    if inputs.last_frame:
        media.append({"type": "last_frame", "url": data_url(inputs.last_frame)})
    if inputs.reference_audios:
        media.append({"type": "driving_audio", "url": data_url(inputs.reference_audios[0])})
    return media


def build_body(request: GenerationRequest) -> dict[str, Any]:
    """The create body: model, `input` (prompt, media) and `parameters`, model params on top."""
    model_input: dict[str, Any] = {"prompt": request.text}
    media = build_media(request)
    if media:
        model_input["media"] = media
    parameters: dict[str, Any] = {
        "resolution": (request.resolution or "720p").upper(),
        "duration": request.duration_s,
        "audio": request.audio,
        "prompt_extend": False,  # the prompt under test is sent as written
        "watermark": False,
    }
    if not request.inputs.first_frame:
        parameters["ratio"] = request.ratio
    if request.seed is not None:
        parameters["seed"] = request.seed
    for key, value in request.params.items():
        target = model_input if key in INPUT_FIELDS else parameters
        target[key] = value
    return {"model": request.provider_model, "input": model_input, "parameters": parameters}


def parse_task(body: Any) -> TaskState:
    """A GET-task body → TaskState; FAILED with a moderation code → rejected."""
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, dict) or "task_status" not in output:
        raise errors.TransientError(
            "task answered without output.task_status", provider=PROVIDER,
            body=errors.truncate(str(body)),
        )  # fmt: skip
    raw = str(output["task_status"])
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    seconds = usage.get("video_duration") or usage.get("duration")
    common: dict[str, Any] = {
        "raw_status": raw,
        "provider_duration_s": float(seconds) if isinstance(seconds, int | float) else None,
        "extra": {"video_ratio": usage.get("video_ratio")} if usage.get("video_ratio") else {},
    }
    if raw == "FAILED":
        code = str(output.get("code") or "")
        detail = f"{code}: {output.get('message', '')}".strip(": ") or "the task failed"
        if any(code.startswith(c) for c in MODERATION_CODES):
            return TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail, **common)
        return TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, detail, **common)
    if raw == "UNKNOWN":  # the id is unknown or its 24 h are over
        return TaskState(
            TaskStatus.EXPIRED, ErrorKind.EXPIRED, "task unknown or expired (24 h)", **common
        )
    status = _STATUS.get(raw, TaskStatus.RUNNING)
    url = output.get("video_url") if status is TaskStatus.SUCCEEDED else None
    return TaskState(status, video_url=str(url) if url else None, **common)


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """DashScope's `{"request_id", "code", "message"}` → (message, code)."""
    body = http.json_or_none(response)
    if isinstance(body, dict) and ("code" in body or "message" in body):
        code = body.get("code")
        return str(body.get("message") or response.reason_phrase), None if code is None else str(
            code
        )
    return response.reason_phrase or "error", None


def refine_error(exc: errors.ProviderError) -> errors.ProviderError:
    """Sharpen the status mapping with DashScope's codes (error-code page of Model Studio)."""
    code = exc.code or ""
    kind: type[errors.ProviderError] | None = None
    if any(code.startswith(c) for c in MODERATION_CODES):
        kind = errors.ContentRejected
    elif code == "Arrearage":
        kind = errors.BillingError
    elif code == "InvalidApiKey":
        kind = errors.AuthError
    elif code.startswith("Throttling") and not isinstance(exc, errors.RateLimited):
        kind = errors.RateLimited
    elif code in ("ModelNotFound", "Model.NotFound") or "model not exist" in exc.message.lower():
        kind = errors.NotFound
    if kind is not None:
        return errors.retype(exc, kind, provider=PROVIDER)
    return exc
