"""The fal.ai queue API as pure functions and tables: catalogue, input JSON, URLs, parsing.

Sources (stored copies of the public pages, read 2026-12; `../shared/specs/providers-2026-12.md`):
- Queue API: submit `POST https://queue.fal.run/{model_id}` with `Authorization: Key …`; the
  reply carries `request_id`, `response_url`, `status_url`, `cancel_url`, and the status,
  result and cancel URLs name only `owner/app`, never the model's subpath, so they are used
  as returned, never built from the model id (https://fal.ai/docs/api-reference/inference-api).
- Status `IN_QUEUE` (with `queue_position`) → `IN_PROGRESS` → `COMPLETED`, HTTP 202 until done
  and 200 when complete; cancel answers `CANCELLATION_REQUESTED | ALREADY_COMPLETED | NOT_FOUND`
  (https://fal.ai/docs/inference-api/queue/cancel).
- Failures carry `error_type` and the `X-Fal-Error-Type` header, e.g. `request_timeout`,
  `runner_disconnected` (https://fal.ai/docs/documentation/deployment/readiness-liveness).
- Billing: successful outputs only, 5xx never, nothing for queue wait
  (https://fal.ai/docs/documentation/model-apis/pricing.md).
- Seedance 2.0 on fal: `bytedance/seedance-2.0/fast/text-to-video` $0.0112 and
  `bytedance/seedance-2.0/text-to-video` $0.014 per 1,000 tokens, tokens = H·W·s·24/1024
  ($0.2419 and $0.3034 per 720p second); `duration` is a string "auto" | "4".."15",
  `resolution` 480p | 720p, `aspect_ratio` auto | 21:9 | 16:9 | 4:3 | 1:1 | 3:4 | 9:16,
  `generate_audio` (same price), `seed`
  (https://fal.ai/models/bytedance/seedance-2.0/fast/text-to-video/llms.txt,
  https://fal.ai/docs/model-api-reference/video-generation-api/bytedance-seedance-2.0-text-to-video).
- Pricing (U: generated client types and the fal-ai-community `fal-platform` skill, not fal's
  reference pages): `GET https://api.fal.ai/v1/models/pricing?endpoint_id=…` →
  `{prices: [{endpoint_id, unit_price, unit, currency}], has_more, next_cursor}`, units seen
  `image` and `video_second`. Only `video_second` in USD is read (USD per output second);
  any other unit or currency is refused and the bundled table is used.
- The result shape `{"video": {"url", "content_type", "file_name", "file_size"}, "seed"}` is
  third-party (U: LiteLLM PR #31013); field names vary per model, so the parser also reads
  `videos[0].url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.prices import PriceRefused, per_second_rate
from vidbench.core.seam.types import ErrorKind, TaskState, TaskStatus

NAME = "fal"
DEFAULT_BASE_URL = "https://queue.fal.run"
# fal's pricing API lives on another host than the queue; a base_url of one's own (a proxy,
# the simulator) is asked below itself, so the key stays on the configured origin.
PRICING_URL = "https://api.fal.ai/v1/models/pricing"
PRICING_PATH = "/v1/models/pricing"
PRICE_UNIT = "video_second"
ERROR_TYPE_HEADER = "x-fal-error-type"
PRICE_SOURCE = (
    "bundled table: fal.ai model pages (fal.ai/models/bytedance/seedance-2.0/…/llms.txt), read 2026-12: "
    "USD per 1,000 tokens, tokens = H·W·s·24/1024"
)
DURATIONS_S = tuple(range(4, 16))
RATIOS = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
RESOLUTIONS = ("480p", "720p")
# Provider fields a config's `params` may set; they override what the adapter derives.
ALLOWED_PARAMS = frozenset(
    {"duration", "resolution", "aspect_ratio", "generate_audio", "seed", "end_user_id"}
)
# Seedance output sizes (W, H) by resolution and ratio, as ByteDance documents them; the
# token count behind fal's price is taken on these.
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"21:9": (992, 432), "16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640),
             "3:4": (560, 752), "9:16": (496, 864)},
    "720p": {"21:9": (1470, 630), "16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960),
             "3:4": (834, 1112), "9:16": (720, 1280)},
}  # fmt: skip
# error_type values that mean a content decision rather than a failure of the run.
MODERATION_TYPES = ("content_policy_violation", "content_moderation", "nsfw")


@dataclass(frozen=True)
class FalModel:
    """One model endpoint of fal's catalogue that vidbench knows the input schema of."""

    label: str
    usd_per_1k_tokens: float
    same_as: str = ""  # the model maker's id (the same model on other routes)


MODELS: dict[str, FalModel] = {
    "bytedance/seedance-2.0/fast/text-to-video": FalModel(
        "Seedance 2.0 Fast (fal)", 0.0112, "bytedance/seedance-2.0-fast"
    ),
    "bytedance/seedance-2.0/text-to-video": FalModel(
        "Seedance 2.0 (fal)", 0.014, "bytedance/seedance-2.0"
    ),
}


def tokens_for(resolution: str, ratio: str, seconds: float) -> int:
    """fal's Seedance token count: H·W·seconds·24/1024."""
    width_px, height_px = SIZES.get(resolution, SIZES["720p"]).get(ratio, (1280, 720))
    return int(width_px * height_px * seconds * 24 / 1024)


def pricing_url(base_url: str) -> str:
    """Where the model's price is read: fal's pricing API for the default queue, else
    `{base_url}/v1/models/pricing` (a proxy's or the simulator's, on the key's own origin)."""
    if base_url.rstrip("/") == DEFAULT_BASE_URL:
        return PRICING_URL
    return base_url.rstrip("/") + PRICING_PATH


def parse_price(body: Any, endpoint_id: str) -> float:
    """USD per output second for `endpoint_id` from a pricing answer, or `PriceRefused`."""
    prices = body.get("prices") if isinstance(body, dict) else None
    if not isinstance(prices, list):
        raise PriceRefused("the pricing answer has no `prices` list")
    entries = [
        p for p in prices[:1000] if isinstance(p, dict) and p.get("endpoint_id") == endpoint_id
    ]
    if not entries:
        raise PriceRefused(f"the pricing answer does not list {endpoint_id!r}")
    entry = entries[0]
    unit, currency = str(entry.get("unit"))[:40], str(entry.get("currency"))[:12]
    if unit != PRICE_UNIT:
        raise PriceRefused(f"unit {unit!r} is not {PRICE_UNIT!r}, the one vidbench reads")
    if currency != "USD":
        raise PriceRefused(f"currency {currency!r}, not USD")
    return per_second_rate(entry.get("unit_price"), "unit_price")


def auth_headers(api_key: str) -> dict[str, str]:
    """fal's `Key` scheme (not Bearer)."""
    return {"Authorization": f"Key {api_key}"}


def input_json(
    text: str,
    duration_s: int,
    ratio: str,
    resolution: str | None,
    audio: bool,
    seed: int | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """The model's own input JSON; duration goes as fal's string, params override."""
    body: dict[str, Any] = {
        "prompt": text,
        "duration": str(duration_s),
        "resolution": resolution if resolution in RESOLUTIONS else "720p",
        "aspect_ratio": ratio if ratio in RATIOS else "auto",
        "generate_audio": bool(audio),
    }
    if seed is not None:
        body["seed"] = int(seed)
    for key in ALLOWED_PARAMS & set(params):
        body[key] = str(params[key]) if key == "duration" else params[key]
    return body


def task_id_of(base_url: str, body: Any) -> str:
    """The task id kept in the journal: the returned `response_url` below `base_url`.

    The URLs are fal's to choose (they drop the model's subpath); the key is only ever sent
    to `base_url`'s own origin, so a reply naming another origin is refused, and a reply
    whose status or cancel URL is not the documented `{response_url}/status|cancel` too.
    """
    if not isinstance(body, dict) or not body.get("request_id") or not body.get("response_url"):
        raise errors.TransientError(
            "submit answered without request_id / response_url",
            provider=NAME,
            body=errors.truncate(str(body)),
        )
    response_url = str(body["response_url"]).rstrip("/")
    prefix = base_url.rstrip("/") + "/"
    if not response_url.startswith(prefix) or ".." in response_url:
        raise errors.TransientError(
            f"submit answered a response_url outside {urlsplit(base_url).netloc}; "
            "the key is not sent there",
            provider=NAME,
        )
    for name, suffix in (("status_url", "/status"), ("cancel_url", "/cancel")):
        given = str(body.get(name) or "").rstrip("/")
        if given and given != response_url + suffix:
            raise errors.TransientError(
                f"submit answered a {name} that is not {{response_url}}{suffix}", provider=NAME
            )
    return response_url[len(prefix) :]


def status_url(base_url: str, task_id: str) -> str:
    """The returned status URL (the journal keeps its response URL part)."""
    return f"{base_url.rstrip('/')}/{task_id}/status"


def response_url(base_url: str, task_id: str) -> str:
    """The returned response (result) URL."""
    return f"{base_url.rstrip('/')}/{task_id}"


def cancel_url(base_url: str, task_id: str) -> str:
    """The returned cancel URL."""
    return f"{base_url.rstrip('/')}/{task_id}/cancel"


def failure_state(error_type: str | None, detail: Any, raw: str = "COMPLETED") -> TaskState:
    """A request that ended in an error: moderation → REJECTED, anything else FAILED."""
    message = detail_text(detail) or "the request failed"
    text = f"{error_type}: {message}" if error_type else message
    kinds = " ".join(str(item.get("type", "")) for item in detail if isinstance(item, dict)) if isinstance(detail, list) else ""  # fmt: skip
    if any(marker in f"{error_type or ''} {kinds}" for marker in MODERATION_TYPES):
        return TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, text, raw_status=raw)
    if error_type == "request_cancelled":
        return TaskState(TaskStatus.CANCELLED, ErrorKind.TASK_FAILED, text, raw_status=raw)
    kind = ErrorKind.TIMEOUT if error_type == "request_timeout" else ErrorKind.TASK_FAILED
    return TaskState(TaskStatus.FAILED, kind, text, raw_status=raw)


def detail_text(detail: Any) -> str:
    """fal's `detail`: a string, or FastAPI-style items `{loc, msg, type}` ("duration: …")."""
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if not isinstance(item, dict):
                parts.append(str(item))
                continue
            loc = [str(p) for p in item.get("loc") or [] if p != "body"]
            where = f"{'.'.join(loc)}: " if loc else ""
            parts.append(f"{where}{item.get('msg') or item}")
        return "; ".join(parts)[:500]
    return "" if detail is None else str(detail)[:500]


def parse_status(body: Any) -> TaskState:
    """A status answer → QUEUED (with its queue position), RUNNING, or COMPLETED.

    COMPLETED without an error is returned as RUNNING with `extra["completed"]`: the video
    URL is in the result, which the adapter fetches next.
    """
    if not isinstance(body, dict) or "status" not in body:
        raise errors.TransientError(
            "status answered without a status", provider=NAME, body=errors.truncate(str(body))
        )
    raw = str(body["status"])
    if raw == "IN_QUEUE":
        position = body.get("queue_position")
        return TaskState(
            TaskStatus.QUEUED,
            raw_status=raw,
            queue_position=int(position) if isinstance(position, int) else None,
        )
    if raw == "IN_PROGRESS":
        return TaskState(TaskStatus.RUNNING, raw_status=raw)
    if raw == "COMPLETED":
        if body.get("error") or body.get("error_type"):
            return failure_state(body.get("error_type"), body.get("error"))
        metrics = body["metrics"] if isinstance(body.get("metrics"), dict) else {}
        return TaskState(TaskStatus.RUNNING, raw_status=raw, extra={"completed": True, **metrics})
    raise errors.TransientError(f"unknown fal status {raw!r}", provider=NAME)


def video_url_of(result: Any) -> str | None:
    """`video.url` (the common shape), else `videos[0].url`."""
    if not isinstance(result, dict):
        return None
    video = result.get("video")
    if isinstance(video, dict) and isinstance(video.get("url"), str):
        return str(video["url"])
    videos = result.get("videos")
    if isinstance(videos, list) and videos and isinstance(videos[0], dict):
        url = videos[0].get("url")
        return url if isinstance(url, str) else None
    return None


def parse_result(response: httpx.Response) -> TaskState | None:
    """The result answer of a completed request: SUCCEEDED with the video URL, the request's
    own failure (an error type in the header or body), or None for a plain HTTP error the
    caller raises (a gateway 5xx without a type may pass; it is polled again)."""
    body: Any
    body = http.json_or_none(response)
    if response.is_success:
        url = video_url_of(body)
        if url is None:
            raise errors.TransientError(
                "result has no video URL", provider=NAME, body=errors.truncate(response.text)
            )
        extra = {"seed": body.get("seed")} if isinstance(body, dict) else {}
        return TaskState(TaskStatus.SUCCEEDED, video_url=url, raw_status="COMPLETED", extra=extra)
    error_type = response.headers.get(ERROR_TYPE_HEADER)
    if isinstance(body, dict):
        error_type = body.get("error_type") or error_type
    if error_type is None and response.status_code != 422:
        return None
    return failure_state(error_type, body.get("detail") if isinstance(body, dict) else None)


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """fal's error body: `detail` (string or items) and `error_type` / `X-Fal-Error-Type`."""
    body = http.json_or_none(response)
    code = response.headers.get(ERROR_TYPE_HEADER)
    if isinstance(body, dict):
        code = body.get("error_type") or code
        message = detail_text(body.get("detail")) or response.reason_phrase
        return message, None if code is None else str(code)
    return response.reason_phrase or "error", code


def refine_error(error: errors.ProviderError) -> errors.ProviderError:
    """A 422 whose type is a content decision → ContentRejected; a 403 saying the balance is
    exhausted → BillingError."""
    text = f"{error.code or ''} {error.body}".lower()
    if error.status_code == 422 and any(marker in text for marker in MODERATION_TYPES):
        return errors.retype(error, errors.ContentRejected, provider=NAME)
    if error.status_code == 403 and ("balance" in text or "locked" in text):
        return errors.retype(error, errors.BillingError, provider=NAME)
    return error
