"""MiniMax (Hailuo) video generation as pure functions: models, bodies, parsing, error codes.

Contract: https://platform.minimax.io/docs/api-reference/video-generation-t2v (create,
query, file retrieve) and https://platform.minimax.io/docs/api-reference/errorcode, read
2026-11-30; the H3 model id and its prices from third-party relays only. Three calls:
`POST /v1/video_generation` → `task_id`; `GET /v1/query/video_generation?task_id=` →
`status` (Preparing, Queueing, Processing, Success, Fail) and `file_id`;
`GET /v1/files/retrieve?file_id=` → `file.download_url`. Errors mostly arrive with HTTP
200 and a non-zero `base_resp.status_code`, so every answer's `base_resp` is checked.
"""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.lifecycle import Lifecycle
from vidbench.core.seam.types import ErrorKind, GenerationRequest, TaskState, TaskStatus

PROVIDER = "minimax"
CREATE_PATH = "/v1/video_generation"
QUERY_PATH = "/v1/query/video_generation"
RETRIEVE_PATH = "/v1/files/retrieve"
BODY_FIELDS = frozenset({"resolution", "duration", "prompt_optimizer", "fast_pretreatment"})
# Shared resolution class → MiniMax's word (the nearest class it sells).
RESOLUTION_WORDS = {"720p": "768P", "1080p": "1080P"}
PRICE_SOURCE = (
    "https://platform.minimax.io/docs/guides/pricing (Hailuo 2.3, read 2026-11-30); "
    "H3 from relays (third-party), read 2026-11-30"
)
STATUS_SOURCE = "https://platform.minimax.io/docs/guides/models-intro"
# H3: USD per second by resolution word. Hailuo 2.3: USD per video by (resolution, seconds).
H3_USD_PER_S = {"768P": 0.08, "2K": 0.13}
PER_VIDEO_USD: dict[str, dict[tuple[str, int], float]] = {
    "MiniMax-Hailuo-2.3": {("768P", 6): 0.28, ("768P", 10): 0.56, ("1080P", 6): 0.49},
    "MiniMax-Hailuo-2.3-Fast": {("768P", 6): 0.19, ("768P", 10): 0.32, ("1080P", 6): 0.33},
}
LIFECYCLES: dict[str, Lifecycle] = {
    "MiniMax-H3": Lifecycle(source=STATUS_SOURCE, read_on="2026-11-30", confirmed=False),
    "MiniMax-Hailuo-2.3": Lifecycle(source=STATUS_SOURCE, read_on="2026-11-30"),
    "MiniMax-Hailuo-2.3-Fast": Lifecycle(source=STATUS_SOURCE, read_on="2026-11-30"),
}
_STATUS = {
    "Preparing": TaskStatus.QUEUED,
    "Queueing": TaskStatus.QUEUED,
    "Processing": TaskStatus.RUNNING,
    "Success": TaskStatus.SUCCEEDED,
}
# base_resp.status_code → the error it means (error-code page); 0 is success.
ERROR_CODES: dict[int, type[errors.ProviderError]] = {
    1000: errors.TransientError,  # unknown error
    1001: errors.TransientError,  # request timeout
    1002: errors.RateLimited,  # rate limit
    1004: errors.AuthError,  # authentication failed
    1008: errors.BillingError,  # insufficient balance
    1026: errors.ContentRejected,  # input sensitive content
    1027: errors.ContentRejected,  # output sensitive content
    1039: errors.RateLimited,  # token limit
    2013: errors.InvalidRequest,  # invalid parameters
    2049: errors.AuthError,  # invalid API key
}


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def image_data_url(path: Any) -> str:
    """A local image as a data URL (MiniMax takes URLs or base64 data URLs)."""
    mime = mimetypes.guess_type(str(path))[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def resolution_word(request: GenerationRequest) -> str:
    """MiniMax's resolution for the request: the model param, else the mapped class."""
    return str(
        request.params.get("resolution") or RESOLUTION_WORDS.get(request.resolution or "", "768P")
    )


def build_body(request: GenerationRequest) -> dict[str, Any]:
    """The flat create body; the prompt is sent as written (`prompt_optimizer` off)."""
    body: dict[str, Any] = {
        "model": request.provider_model,
        "prompt": request.text,
        "duration": request.duration_s,
        "resolution": resolution_word(request),
        "prompt_optimizer": False,
    }
    if request.inputs.first_frame:
        body["first_frame_image"] = image_data_url(request.inputs.first_frame)
    if request.inputs.last_frame:
        body["last_frame_image"] = image_data_url(request.inputs.last_frame)
    body.update({k: v for k, v in request.params.items() if k != "resolution"})
    return body


def check_base_resp(body: Any) -> dict[str, Any]:
    """The body if `base_resp.status_code` is 0, else the typed error its code means."""
    if not isinstance(body, dict):
        raise errors.TransientError("answer is not a JSON object", provider=PROVIDER)
    base = _object(body, "base_resp")
    code = base.get("status_code", 0)
    if code in (0, None):
        return body
    message = str(base.get("status_msg") or "error")
    cls = (
        ERROR_CODES.get(int(code), errors.InvalidRequest)
        if isinstance(code, int)
        else errors.InvalidRequest
    )
    if cls is errors.InvalidRequest and "model" in message.lower():
        cls = errors.NotFound  # an unknown (or removed) model: every later create would fail
    raise cls(message, provider=PROVIDER, code=str(code), body=errors.truncate(str(body)))


def parse_query(body: dict[str, Any]) -> TaskState:
    """A query answer → TaskState (the download URL is filled in by the file retrieve)."""
    raw = str(body.get("status", ""))
    extra = {k: body[k] for k in ("file_id", "video_width", "video_height") if body.get(k)}
    if raw == "Fail":
        base = _object(body, "base_resp")
        code = base.get("status_code")
        detail = f"{code}: {base.get('status_msg', 'the task failed')}"
        if code in (1026, 1027):
            return TaskState(
                TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail, raw_status=raw
            )
        return TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, detail, raw_status=raw)
    return TaskState(_STATUS.get(raw, TaskStatus.RUNNING), raw_status=raw, extra=extra)


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """A non-2xx answer: `base_resp` when it has one, else the HTTP reason."""
    body = http.json_or_none(response)
    base = body.get("base_resp") if isinstance(body, dict) else None
    if isinstance(base, dict):
        return str(base.get("status_msg") or response.reason_phrase), str(base.get("status_code"))
    return response.reason_phrase or "error", None
