"""Kling wire format as pure functions: the per-request JWT, create bodies, task and errors.

Contract: Kling's API documentation (kling.ai/document-api) as read Oct–Nov 2026.
`adapters/kling/adapter.py` sends these over HTTP; keeping
them here lets tests check tokens, bodies and the error-code mapping without a client.
The omni-video family's body (kling-v3-omni) is in `adapters/kling/omni.py`.
"""

from __future__ import annotations

import base64
import functools
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt

from vidbench.core.seam import errors, http
from vidbench.core.seam.bounded_json import parse_json_bounded
from vidbench.core.seam.types import ErrorKind, GenerationRequest, TaskState, TaskStatus

PROVIDER = "kling"
TOKEN_LIFETIME_S = 1800  # the doc's example lifetime
TOKEN_NOT_BEFORE_SKEW_S = 5  # nbf = now - 5 tolerates a server clock slightly behind ours

FAMILY_PATHS = {
    "t2v": "/v1/videos/text2video",
    "i2v": "/v1/videos/image2video",
    "omni": "/v1/videos/omni-video",  # the omni family's body: adapters/kling/omni.py
}
# Models served only by the omni-video endpoint (the catalogue's omni mark).
OMNI_MODELS = frozenset({"kling-v3-omni"})

# Models whose bodies carry `sound` / multi-shot fields (the create pages).
SOUND_MODELS = frozenset({"kling-v3", "kling-v2-6"})
MULTI_SHOT_MODELS = frozenset({"kling-v3"})

# Documented body fields a config's `params` may set (the create pages).
T2V_ONLY_FIELDS = frozenset({"aspect_ratio"})
I2V_ONLY_FIELDS = frozenset({"static_mask", "dynamic_masks", "element_list", "voice_list"})
# fmt: off
COMMON_FIELDS = frozenset({
    "negative_prompt", "cfg_scale", "mode", "camera_control", "duration", "sound",
    "watermark_info", "callback_url", "multi_shot", "shot_type", "multi_prompt",
})
# fmt: on

# Output moderation reaches us only as a failed task with a message (the task query page).
SAFETY_MESSAGE = re.compile(
    r"safety|risk|sensitive|moderat|policy|violat|inappropriate|审核|违规", re.IGNORECASE
)

STATUS_MAP = {
    "submitted": TaskStatus.QUEUED,
    "processing": TaskStatus.RUNNING,
    "succeed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}

# code → (error class, meaning) for the documented codes (the error-code page).
_CODE_MEANINGS: dict[int, tuple[type[errors.ProviderError], str]] = {
    1000: (errors.AuthError, "authentication failed"),
    1001: (errors.AuthError, "Authorization header empty"),
    1002: (errors.AuthError, "token invalid (bad signature or unknown access key)"),
    1003: (errors.AuthError, "token not yet valid (nbf in the future: check the clock)"),
    1004: (errors.AuthError, "token expired (exp in the past: check the clock)"),
    1100: (errors.BillingError, "account exception"),
    1101: (errors.BillingError, "account in arrears (postpaid)"),
    1102: (errors.BillingError, "resource pack depleted or expired"),
    1103: (errors.AuthError, "no access to this API or model"),
    1200: (errors.InvalidRequest, "invalid request"),
    1201: (errors.InvalidRequest, "invalid parameter"),
    1202: (errors.NotFound, "bad method"),
    1203: (errors.NotFound, "resource not found"),
    1300: (errors.ContentRejected, "platform policy triggered"),
    1301: (errors.ContentRejected, "content safety triggered"),
    1302: (errors.RateLimited, "rate limit"),
    1303: (errors.RateLimited, "parallel tasks over the resource pack limit"),
    1304: (errors.AuthError, "IP not in the whitelist"),
    5000: (errors.TransientError, "server internal error"),
    5001: (errors.TransientError, "service under maintenance"),
    5002: (errors.TransientError, "backlog timeout"),
}


def make_token(access_key: str, secret_key: str, now_s: float) -> str:
    """The HS256 JWT Kling expects: iss = access key, exp = now+1800, nbf = now-5."""
    now = int(now_s)
    payload = {
        "iss": access_key,
        "exp": now + TOKEN_LIFETIME_S,
        "nbf": now - TOKEN_NOT_BEFORE_SKEW_S,
    }
    with warnings.catch_warnings():
        # The secret's length is Kling's choice, not ours; PyJWT's advice cannot be acted on.
        warnings.filterwarnings("ignore", message=".*HMAC key", category=UserWarning)
        return jwt.encode(payload, secret_key, algorithm="HS256", headers={"typ": "JWT"})


def _mode(request: GenerationRequest) -> str:
    return "pro" if request.resolution == "1080p" else "std"


def _common_body(request: GenerationRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model_name": request.provider_model,
        "prompt": request.text,
        "duration": str(request.duration_s),
        "mode": _mode(request),
        "external_task_id": request.external_id,
    }
    if request.provider_model in SOUND_MODELS:
        body["sound"] = "on" if request.audio else "off"
        # kling-v2-6 produces sound only in pro (1080p) mode (the create page and the price list).
        if request.audio and request.provider_model == "kling-v2-6":
            body["mode"] = "pro"
    if request.provider_model in MULTI_SHOT_MODELS and (request.shots or 1) > 1:
        # "intelligence" lets Kling place the cuts from the whole prompt; per-shot prompts
        # (shot_type "customize") would need a prompt split the suite does not provide.
        body["multi_shot"] = True
        body["shot_type"] = "intelligence"
    return body


def build_text2video_body(request: GenerationRequest) -> dict[str, Any]:
    """The POST /v1/videos/text2video body for a request; model `params` win."""
    body = _common_body(request)
    body["aspect_ratio"] = request.ratio
    body.update({k: v for k, v in request.params.items() if k not in I2V_ONLY_FIELDS})
    return body


def raw_base64(path: Path, read_bytes: Callable[[Path], bytes] = Path.read_bytes) -> str:
    """A local image as bare base64: Kling rejects data: URLs (the image2video page)."""
    return base64.b64encode(read_bytes(path)).decode("ascii")


def build_image2video_body(
    request: GenerationRequest, read_bytes: Callable[[Path], bytes] = Path.read_bytes
) -> dict[str, Any]:
    """The POST /v1/videos/image2video body: image / image_tail as raw base64, no ratio."""
    body = _common_body(request)
    if request.inputs.first_frame is not None:
        body["image"] = raw_base64(request.inputs.first_frame, read_bytes)
    if request.inputs.last_frame is not None:
        body["image_tail"] = raw_base64(request.inputs.last_frame, read_bytes)
    body.update({k: v for k, v in request.params.items() if k not in T2V_ONLY_FIELDS})
    return body


def family_for(request: GenerationRequest) -> str:
    """The endpoint family: omni for omni models, i2v when a frame is given, else t2v."""
    if request.provider_model in OMNI_MODELS:
        return "omni"
    inputs = request.inputs
    return "i2v" if inputs.first_frame is not None or inputs.last_frame is not None else "t2v"


def split_task_id(task_id: str) -> tuple[str, str]:
    """("t2v" | "i2v" | "omni", Kling task id) from a task id this adapter returned."""
    family, sep, raw = task_id.partition(":")
    if not sep or family not in FAMILY_PATHS or not raw:
        raise errors.InvalidRequest(
            f"not a Kling task id of this adapter: {task_id!r}", provider=PROVIDER
        )
    return family, raw


def float_or_none(value: Any) -> float | None:
    """`value` as a float, or None when it is missing or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_task(data: dict[str, Any]) -> TaskState:
    """Map a Kling task object (the envelope's `data`) to a TaskState."""
    raw_status = str(data.get("task_status") or "")
    status = STATUS_MAP.get(raw_status)
    extra: dict[str, Any] = {}
    for field in ("created_at", "updated_at"):  # Kling timestamps are Unix milliseconds
        ms = float_or_none(data.get(field))
        extra[f"{field}_s"] = None if ms is None else ms / 1000.0
    if data.get("final_unit_deduction") not in (None, ""):
        extra["final_unit_deduction"] = str(data["final_unit_deduction"])
    if status is None:
        # An undocumented status is more likely a new intermediate state than a failure of a
        # paid task: keep polling (the runner's task timeout bounds it).
        status = TaskStatus.RUNNING
    state = functools.partial(TaskState, raw_status=raw_status, extra=extra)
    if status is TaskStatus.FAILED:
        message = str(data.get("task_status_msg") or "task failed without a message")
        if SAFETY_MESSAGE.search(message):
            return state(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, message)
        return state(TaskStatus.FAILED, ErrorKind.TASK_FAILED, message)
    if status is TaskStatus.SUCCEEDED:
        videos = (data.get("task_result") or {}).get("videos") or []
        video = videos[0] if videos and isinstance(videos[0], dict) else {}
        if video.get("watermark_url"):
            extra["watermark_url"] = video["watermark_url"]
        if not video.get("url"):
            return state(TaskStatus.FAILED, ErrorKind.TASK_FAILED, "succeeded without a video url")
        duration_s = float_or_none(video.get("duration"))
        return state(
            TaskStatus.SUCCEEDED, video_url=str(video["url"]), provider_duration_s=duration_s
        )
    return state(status)


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """(message, code) from Kling's `{code, message, request_id}` error body."""
    body = http.json_or_none(response)
    if isinstance(body, dict) and "code" in body:
        return str(body.get("message") or response.reason_phrase), str(body["code"])
    return response.reason_phrase or "error", None


def refine_error(exc: errors.ProviderError, body_text: str | None = None) -> errors.ProviderError:
    """Re-map an HTTP-status error by Kling's body `code`; adds the body's request_id."""
    message, request_id = "", exc.request_id
    try:
        parsed = parse_json_bounded(body_text if body_text is not None else exc.body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        message = str(parsed.get("message") or "")
        request_id = str(parsed["request_id"]) if parsed.get("request_id") else request_id
    if not message:
        message = exc.message
    try:
        code = int(exc.code) if exc.code is not None else None
    except ValueError:
        code = None
    cls, meaning = (
        _CODE_MEANINGS.get(code, (type(exc), "")) if code is not None else (type(exc), "")
    )
    if meaning:
        message = f"{meaning}: {message}"
    return errors.retype(exc, cls, message, provider=PROVIDER, request_id=request_id)
