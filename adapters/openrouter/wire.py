"""OpenRouter's video API as pure functions and tables: catalogue, body, parsing, prices.

Sources (stored copies of the public pages, read 2026-12; `../shared/specs/providers-2026-12.md`):
- `POST https://openrouter.ai/api/v1/videos` (Bearer key, JSON `{model, prompt, duration,
  resolution, aspect_ratio, size, generate_audio, seed, frame_images, input_references,
  provider}`) → 202 `{id, polling_url, status: "pending"}`; `GET /api/v1/videos/{jobId}`;
  `GET /api/v1/videos/{jobId}/content?index=0` (the key in the Authorization header) serves
  the bytes (https://openrouter.ai/docs/api/api-reference/videos,
  https://openrouter.ai/docs/features/multimodal/video-generation).
- Status `pending → in_progress → completed`, terminal failures `failed | cancelled |
  expired` with an `error` string; a completed job carries `unsigned_urls`, signed `urls`
  with `expires_at`, and `usage.cost` in USD (the same pages; the official `openrouter`
  SDK 1.3.84, `components/videogenerationresponse.py`).
- `GET /api/v1/videos/models` → `{data: [{id, supported_durations, supported_resolutions,
  supported_aspect_ratios, supported_sizes, supported_frame_images, generate_audio, seed,
  pricing_skus: {"per-video-second": "0.50", "per-video-second-1080p": "0.75"},
  allowed_passthrough_parameters, …}]}`; prices are strings in USD; an out-of-set value is
  refused with a 400 (openrouter.ai docs; openrouterteam skills `openrouter-video`).
- Errors: `{"error": {"code", "message", "metadata"}}`; 402 = insufficient credits (SDK
  `errors/paymentrequiredresponse_error.py`).
- The bundled capabilities of `bytedance/seedance-2.0` are ByteDance's own enums (U: not read
  from OpenRouter's list); no list price is bundled (U: third-party listings say "varies").
"""

from __future__ import annotations

from typing import Any

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.prices import PriceRefused, per_second_rate
from vidbench.core.seam.types import ErrorKind, TaskState, TaskStatus

NAME = "openrouter"
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
PRICE_SOURCE = (
    "GET /api/v1/videos/models pricing_skus, read before the first create; "
    "none bundled (third-party listings only)"
)
ALLOWED_PARAMS = frozenset(
    {"duration", "resolution", "aspect_ratio", "size", "generate_audio", "seed", "provider"}
)
SKU_PER_SECOND = "per-video-second"
SKU_PER_SECOND_1080P = "per-video-second-1080p"
# Error text that means a content decision rather than a failure of the run.
MODERATION_MARKERS = ("moderation", "flagged", "content policy", "safety")

_STATUSES = {
    "pending": TaskStatus.QUEUED,
    "in_progress": TaskStatus.RUNNING,
    "completed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
    "cancelled": TaskStatus.CANCELLED,
    "expired": TaskStatus.EXPIRED,
}

# A snapshot in the shape of `GET /videos/models` entries: the models whose input vidbench
# knows. Read by the same parser as a live answer (`parse_models`).
BUNDLED_MODELS: list[dict[str, Any]] = [
    {
        "id": "bytedance/seedance-2.0",
        "name": "ByteDance: Seedance 2.0",
        "supported_durations": list(range(4, 16)),
        "supported_resolutions": ["480p", "720p"],
        "supported_aspect_ratios": ["21:9", "16:9", "4:3", "1:1", "3:4", "9:16"],
        "generate_audio": True,
        "seed": True,
        "pricing_skus": None,
    },
]


def parse_models(body: Any) -> dict[str, dict[str, Any]]:
    """A `GET /videos/models` answer → model id → its entry (tolerant of unknown fields)."""
    items = body.get("data") if isinstance(body, dict) else None
    return {
        str(item["id"]): item
        for item in items or []
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def price_skus(entry: dict[str, Any] | None) -> dict[str, float]:
    """A model entry's `pricing_skus` as floats (strings on the wire); bad values dropped."""
    found: dict[str, float] = {}
    for sku, value in ((entry or {}).get("pricing_skus") or {}).items():
        try:
            price = float(value)
        except (TypeError, ValueError):
            continue
        if 0 <= price < 1000:  # bounded: a figure from a provider
            found[str(sku)] = price
    return found


def listed_rates(listed: dict[str, dict[str, Any]], model: str) -> dict[str, float]:
    """The model's per-second SKUs as `price:` rates (`usd_per_second`, and
    `usd_per_second_1080p` where listed), or `PriceRefused` with the reason."""
    entry = listed.get(model)
    if entry is None:
        raise PriceRefused(f"GET /videos/models does not list {model!r}")
    skus = entry.get("pricing_skus")
    if not isinstance(skus, dict) or SKU_PER_SECOND not in skus:
        raise PriceRefused(f"{model!r} lists no {SKU_PER_SECOND!r} price SKU")
    rates = {"usd_per_second": per_second_rate(skus[SKU_PER_SECOND], SKU_PER_SECOND)}
    if SKU_PER_SECOND_1080P in skus:
        rates["usd_per_second_1080p"] = per_second_rate(skus[SKU_PER_SECOND_1080P], SKU_PER_SECOND_1080P)  # fmt: skip
    return rates


def usd_per_second(skus: dict[str, float], resolution: str) -> float | None:
    """The per-second SKU for `resolution` (the 1080p SKU at 1080p, where listed)."""
    if resolution == "1080p" and SKU_PER_SECOND_1080P in skus:
        return skus[SKU_PER_SECOND_1080P]
    return skus.get(SKU_PER_SECOND)


def create_body(
    model: str, text: str, duration_s: int, ratio: str, resolution: str | None,
    audio: bool, seed: int | None, params: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """The JSON of `POST /videos`; a model's params override the derived fields."""
    body: dict[str, Any] = {
        "model": model,
        "prompt": text,
        "duration": int(duration_s),
        "resolution": resolution or "720p",
        "aspect_ratio": ratio,
        "generate_audio": bool(audio),
    }
    if seed is not None:
        body["seed"] = int(seed)
    body.update({k: v for k, v in params.items() if k in ALLOWED_PARAMS})
    if "size" in params:  # size is interchangeable with resolution + aspect_ratio
        body.pop("resolution", None)
        body.pop("aspect_ratio", None)
    return body


def parse_job(body: Any) -> TaskState:
    """A job answer (submit or poll) → TaskState; `usage.cost` kept as the billed USD."""
    if not isinstance(body, dict) or "status" not in body:
        raise errors.TransientError(
            "answer is not a video job", provider=NAME, body=errors.truncate(str(body))
        )
    raw = str(body["status"])
    status = _STATUSES.get(raw)
    if status is None:
        raise errors.TransientError(f"unknown video job status {raw!r}", provider=NAME)
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    extra: dict[str, Any] = {}
    cost = (usage or {}).get("cost")
    if isinstance(cost, int | float) and 0 <= cost < 10_000:
        extra["billed_usd"] = float(cost)
    error = str(body.get("error") or "")
    common: dict[str, Any] = {"raw_status": raw, "extra": extra}
    if status is TaskStatus.SUCCEEDED:
        return TaskState(status, **common)
    if status is TaskStatus.FAILED:
        if any(marker in error.lower() for marker in MODERATION_MARKERS):
            return TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, error, **common)
        return TaskState(status, ErrorKind.TASK_FAILED, error or "the video job failed", **common)
    if status is TaskStatus.CANCELLED:
        return TaskState(status, ErrorKind.TASK_FAILED, error or "cancelled", **common)
    if status is TaskStatus.EXPIRED:
        return TaskState(status, ErrorKind.EXPIRED, error or "the job expired", **common)
    return TaskState(status, **common)


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """OpenRouter's envelope `{"error": {"code", "message", "metadata"}}`."""
    body = http.json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        return str(error.get("message") or response.reason_phrase), None if code is None else str(code)  # fmt: skip
    return response.reason_phrase or "error", None


def refine_error(error: errors.ProviderError) -> errors.ProviderError:
    """402 (no credit) → BillingError; a 400/403 that says the input was flagged →
    ContentRejected."""
    if error.status_code == 402:
        return errors.retype(error, errors.BillingError, provider=NAME)
    flagged = any(marker in error.message.lower() for marker in MODERATION_MARKERS)
    if error.status_code in (400, 403) and flagged:
        return errors.retype(error, errors.ContentRejected, provider=NAME)
    return error
