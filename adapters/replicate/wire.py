"""Replicate's predictions API as pure functions: catalogue, input JSON, parsing, errors.

Sources (stored copies, read 2026-12; `../shared/specs/providers-2026-12.md`):
- Official models are created at `POST https://api.replicate.com/v1/models/{owner}/{name}/predictions`
  with `{input}` and a Bearer token (https://replicate.com/docs/topics/predictions/create-a-prediction).
- A prediction: `{id, model, version, status, input, output, error, logs, metrics{predict_time,
  total_time}, created_at, started_at, completed_at, urls{get, cancel}}`; status is one of
  `starting, processing, succeeded, failed, canceled, aborted`; `aborted` = the deadline passed
  before it started (not charged on public models), `canceled` = stopped while running
  (charged) (https://replicate.com/docs/topics/predictions/lifecycle; replicate-python PR #460).
- `Cancel-After: 30m` sets that deadline (Replicate changelog 2025-10-16); inputs, outputs and
  files are deleted an hour after the prediction ends, so the video is downloaded at once
  (https://replicate.com/docs/topics/predictions/data-retention).
- `bytedance/seedance-2.0` takes `duration, resolution, aspect_ratio, generate_audio, seed`
  and reference inputs (replicate.com/p/jza4d1rvm5rmw0cxv1vrtv5jjr). Its durations and enums
  are taken as ByteDance's own (4-15 s, 480p/720p; U: not read from Replicate's schema), and
  no list price was found: a config sets `price: {usd_per_second: N}`.
"""

from __future__ import annotations

import datetime
from typing import Any

from vidbench.core.seam import errors, http
from vidbench.core.seam.types import ErrorKind, TaskFacts, TaskState, TaskStatus

NAME = "replicate"
DEFAULT_BASE_URL = "https://api.replicate.com/v1"
DEFAULT_CANCEL_AFTER = (
    "30m"  # Replicate's own run timeout: a prediction never starting aborts unbilled
)
DURATIONS_S = tuple(range(4, 16))
RATIOS = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
RESOLUTIONS = ("480p", "720p")
ALLOWED_PARAMS = frozenset(
    {"duration", "resolution", "aspect_ratio", "generate_audio", "seed", "cancel_after"}
)
MODELS = {"bytedance/seedance-2.0": "Seedance 2.0 (Replicate)"}
LIST_MAX_PAGES = 10
# Error text that means a content decision (Replicate's E005 "flagged as sensitive").
MODERATION_MARKERS = ("flagged as sensitive", "(e005)", "nsfw", "content policy")

_STATUSES = {
    "starting": TaskStatus.QUEUED,
    "processing": TaskStatus.RUNNING,
    "succeeded": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
    "canceled": TaskStatus.CANCELLED,
    "aborted": TaskStatus.EXPIRED,
}


def input_json(
    text: str, duration_s: int, ratio: str, resolution: str | None, audio: bool,
    seed: int | None, params: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """The model's `input`; params (other than the deadline) override derived fields."""
    body: dict[str, Any] = {
        "prompt": text,
        "duration": int(duration_s),
        "resolution": resolution if resolution in RESOLUTIONS else "720p",
        "aspect_ratio": ratio if ratio in RATIOS else "16:9",
        "generate_audio": bool(audio),
    }
    if seed is not None:
        body["seed"] = int(seed)
    body.update({k: v for k, v in params.items() if k in ALLOWED_PARAMS - {"cancel_after"}})
    return body


def create_headers(api_key: str, params: dict[str, Any]) -> dict[str, str]:
    """Bearer auth and the `Cancel-After` deadline."""
    deadline = str(params.get("cancel_after") or DEFAULT_CANCEL_AFTER)
    return {"Authorization": f"Bearer {api_key}", "Cancel-After": deadline}


def parse_time_s(value: Any) -> float | None:
    """An ISO 8601 timestamp ("2026-12-01T10:00:00.123456Z") as Unix seconds."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def output_url(output: Any) -> str | None:
    """The video URL: the output itself, or the first of a list."""
    if isinstance(output, str):
        return output
    if isinstance(output, list) and output and isinstance(output[0], str):
        return output[0]
    return None


def parse_prediction(body: Any) -> TaskState:
    """A prediction object → TaskState, with the queue and predict times it reports."""
    if not isinstance(body, dict) or "status" not in body:
        raise errors.TransientError(
            "answer is not a prediction", provider=NAME, body=errors.truncate(str(body))
        )
    raw = str(body["status"])
    status = _STATUSES.get(raw)
    if status is None:
        raise errors.TransientError(f"unknown prediction status {raw!r}", provider=NAME)
    created_s, started_s = parse_time_s(body.get("created_at")), parse_time_s(body.get("started_at"))  # fmt: skip
    metrics = body.get("metrics") if isinstance(body.get("metrics"), dict) else {}
    extra: dict[str, Any] = {"started": started_s is not None}
    if isinstance((metrics or {}).get("predict_time"), int | float):
        extra["predict_time_s"] = float(metrics["predict_time"])  # type: ignore[index]
    common: dict[str, Any] = {
        "raw_status": raw,
        "extra": extra,
        "provider_generation_s": extra.get("predict_time_s"),
        "provider_queue_s": None
        if created_s is None or started_s is None
        else max(0.0, started_s - created_s),  # fmt: skip
    }
    error = str(body.get("error") or "")
    if status is TaskStatus.SUCCEEDED:
        url = output_url(body.get("output"))
        if url is None:
            detail = "output deleted (outputs are kept an hour)" if body.get("data_removed") else "no output URL"  # fmt: skip
            return TaskState(TaskStatus.EXPIRED, ErrorKind.EXPIRED, detail, **common)
        return TaskState(status, video_url=url, **common)
    if status is TaskStatus.FAILED:
        if any(marker in error.lower() for marker in MODERATION_MARKERS):
            return TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, error, **common)
        return TaskState(status, ErrorKind.TASK_FAILED, error or "the prediction failed", **common)
    if status is TaskStatus.EXPIRED:
        return TaskState(status, ErrorKind.TIMEOUT, "aborted: the Cancel-After deadline passed before it started", **common)  # fmt: skip
    if status is TaskStatus.CANCELLED:
        return TaskState(status, ErrorKind.TASK_FAILED, error or "canceled while running", **common)
    return TaskState(status, **common)


def facts_of(body: dict[str, Any]) -> TaskFacts:
    """What a listed prediction says about itself, for matching a lost create."""
    given = body.get("input") if isinstance(body.get("input"), dict) else {}
    duration = (given or {}).get("duration")
    return TaskFacts(
        str(body.get("model") or ""),
        float(duration) if isinstance(duration, int | float) else None,
        (given or {}).get("aspect_ratio"),
        (given or {}).get("resolution"),
        prompt=(given or {}).get("prompt"),
    )


def parse_error(response: Any) -> tuple[str, str | None]:
    """RFC 7807 problem details: `detail` (else `title`), no code."""
    body = http.json_or_none(response)
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or response.reason_phrase), None
    return response.reason_phrase or "error", None


def refine_error(error: errors.ProviderError) -> errors.ProviderError:
    """402 (no credit) → BillingError."""
    if error.status_code == 402:
        return errors.retype(error, errors.BillingError, provider=NAME)
    return error
