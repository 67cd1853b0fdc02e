"""Runway's task API as pure functions and tables: its catalogue, request bodies, task parsing.

Sources (stored copies, read 2026-12; `../shared/specs/providers-2026-12.md` and
`../shared/specs/provider-apis.md`; C = Runway's own docs or SDK, U = a third party):
- Task API: `POST https://api.dev.runwayml.com/v1/text_to_video` with `Authorization: Bearer`
  and the mandatory `X-Runway-Version: 2024-11-06`; camelCase body `{model, promptText, ratio
  "1280:720", duration, seed}` → `{id}`; `GET /v1/tasks/{id}` → `PENDING | THROTTLED (the
  organisation's concurrency is full: keep polling) | RUNNING (progress) | SUCCEEDED (output[])
  | FAILED (failure, failureCode) | CANCELLED`; `DELETE /v1/tasks/{id}` cancels
  (C: https://docs.dev.runwayml.com/guides/using-the-api, https://docs.dev.runwayml.com/api/).
- The catalogue resells other labs' models beside Runway's own `gen4.5` ("Runway Dev": models
  from ByteDance, Kling, OpenAI, Alibaba; the quickstart uses `model: "seedance2_5"`)
  (C: https://docs.dev.runwayml.com/guides/using-the-api). Each model's fields (durations,
  `ratio` as pixel sizes, `audio`, `seed`) are read from Runway's official SDK `runwayml` 5.24.0
  on PyPI (generated from its OpenAPI spec: `types/text_to_video_create_params.py`, C);
  `gemini_omni_flash`, `veo3.1`, `gen4.5` were first seen at third parties (U: OpenMontage,
  jhd3197/Prompture) and are confirmed by that SDK.
- The task carries `estimatedCost.credits` while it runs and the final `cost.credits` once
  terminal ("fully refunded tasks report 0"; C: the SDK's `task_retrieve_response.py`). Output
  URLs "expire within 24-48 hours" (same file).
- List prices in credits per output second, one credit USD 0.01: gen4.5 12, veo3.1 40 with
  audio, seedance2 36-150 (a range, so none bundled) (U: UNMODEL `runway/pricing.ts`, as cited
  in provider-apis.md; gen4.5 ≈ USD 0.12/s also in providers-2026-11.md, U).
- Durations of the resold Seedance models are ByteDance's own (4-15 s; 2.5 to 30 s), not read
  from Runway (its SDK leaves the range open): a lead to confirm (U).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.lifecycle import Lifecycle
from vidbench.core.seam.types import ErrorKind, TaskState, TaskStatus

NAME = "runway"
DEFAULT_BASE_URL = "https://api.dev.runwayml.com"
API_VERSION = "2024-11-06"
USD_PER_CREDIT = 0.01  # U: UNMODEL runway/pricing.ts
SDK_SOURCE = "runwayml 5.24.0 (Runway's SDK, from its OpenAPI spec), read 2026-12-07"
PRICE_SOURCE = "third-party (U): UNMODEL runway/pricing.ts, credits per output second at USD 0.01"
# Provider fields a config's `params` may set; they override what the adapter derives.
ALLOWED_PARAMS = frozenset({"duration", "ratio", "seed", "audio", "contentModeration"})

# Pixel sizes `ratio` takes, by shared resolution and ratio (ByteDance's Seedance sizes, which
# Runway's SDK lists for seedance2/seedance2_5; 720p/1080p 16:9 and 9:16 for the others).
_SEEDANCE_SIZES = {
    "480p": {"21:9": "992:432", "16:9": "864:496", "4:3": "752:560", "1:1": "640:640",
             "3:4": "560:752", "9:16": "496:864"},
    "720p": {"21:9": "1470:630", "16:9": "1280:720", "4:3": "1112:834", "1:1": "960:960",
             "3:4": "834:1112", "9:16": "720:1280"},
    "1080p": {"21:9": "2206:946", "16:9": "1920:1080", "4:3": "1664:1248", "1:1": "1440:1440",
              "3:4": "1248:1664", "9:16": "1080:1920"},
}  # fmt: skip
# Seedance 2.5 at 480p is 854:480 (not 2.0's 864:496) in Runway's SDK.
_SEEDANCE_25_SIZES = {
    **_SEEDANCE_SIZES,
    "480p": {**_SEEDANCE_SIZES["480p"], "16:9": "854:480", "9:16": "480:854"},
}
_WIDE_720 = {"720p": {"16:9": "1280:720", "9:16": "720:1280"}}
_WIDE_1080 = {**_WIDE_720, "1080p": {"16:9": "1920:1080", "9:16": "1080:1920"}}


@dataclass(frozen=True)
class RunwayModel:
    """One model of Runway's catalogue: its sizes, durations, fields and list price."""

    label: str
    sizes: dict[str, dict[str, str]]  # resolution → ratio → Runway's `ratio` value
    durations_s: tuple[int, ...]
    audio: bool = False  # the body has an `audio` field
    seed: bool = True
    credits_per_s: float | None = None  # None: no list price bundled
    same_as: str = ""  # the model maker's id when Runway resells it
    third_party: str = ""  # which of these facts only third parties state (shown in `models`)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)


_BYTEDANCE_DURATIONS = "durations are ByteDance's own, not read from Runway (U)"
MODELS: dict[str, RunwayModel] = {
    "gen4.5": RunwayModel("Runway Gen-4.5", _WIDE_720, tuple(range(2, 11)), credits_per_s=12),
    "seedance2": RunwayModel(
        "Seedance 2.0 (Runway)", _SEEDANCE_SIZES, tuple(range(4, 16)), audio=True,
        same_as="bytedance/seedance-2.0", third_party=_BYTEDANCE_DURATIONS,
    ),
    "seedance2_fast": RunwayModel(
        "Seedance 2.0 Fast (Runway)", {k: _SEEDANCE_SIZES[k] for k in ("480p", "720p")},
        tuple(range(4, 16)), audio=True, same_as="bytedance/seedance-2.0-fast",
        third_party=_BYTEDANCE_DURATIONS,
    ),
    "seedance2_5": RunwayModel(
        "Seedance 2.5 (Runway)", _SEEDANCE_25_SIZES, tuple(range(4, 31)), audio=True,
        same_as="bytedance/seedance-2.5", third_party=_BYTEDANCE_DURATIONS,
    ),
    "veo3.1": RunwayModel(
        "Veo 3.1 (Runway)", _WIDE_1080, (4, 6, 8), audio=True, credits_per_s=40,
        same_as="google/veo-3.1",
    ),
    "veo3.1_fast": RunwayModel(
        "Veo 3.1 Fast (Runway)", _WIDE_1080, (4, 6, 8), audio=True, same_as="google/veo-3.1-fast"
    ),
    "gemini_omni_flash": RunwayModel(
        "Gemini Omni Flash (Runway)", _WIDE_720, tuple(range(3, 11)), seed=False,
        same_as="google/gemini-omni-flash",
    ),
}  # fmt: skip

_STATUSES = {
    "PENDING": TaskStatus.QUEUED,
    "THROTTLED": TaskStatus.QUEUED,
    "RUNNING": TaskStatus.RUNNING,
    "SUCCEEDED": TaskStatus.SUCCEEDED,
    "FAILED": TaskStatus.FAILED,
    "CANCELLED": TaskStatus.CANCELLED,
}
# failureCode prefixes that mean a moderation decision (the codes are documented at
# https://docs.dev.runwayml.com/errors/task-failures/; the prefixes are our reading, U).
MODERATION_PREFIXES = ("SAFETY", "INPUT_PREPROCESSING.SAFETY")


def headers(api_key: str) -> dict[str, str]:
    """Bearer key and the mandatory API version header."""
    return {
        "Authorization": f"Bearer {api_key}",
        "X-Runway-Version": API_VERSION,
        "Accept": "application/json",
    }


def ratio_value(model: RunwayModel, resolution: str | None, ratio: str) -> str:
    """Runway's `ratio` (a pixel size) for a shared resolution and ratio; the model's first
    size when it has none for them."""
    by_ratio = model.sizes.get(resolution or "720p") or model.sizes.get("720p") or next(iter(model.sizes.values()))  # fmt: skip
    return by_ratio.get(ratio) or next(iter(by_ratio.values()))


def create_body(
    model_id: str,
    text: str,
    duration_s: int,
    ratio: str,
    resolution: str | None,
    audio: bool,
    seed: int | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """The `POST /v1/text_to_video` body; a config's `params` override what is derived."""
    model = MODELS.get(model_id) or MODELS["gen4.5"]
    body: dict[str, Any] = {
        "model": model_id,
        "promptText": text,
        "ratio": ratio_value(model, resolution, ratio),
        "duration": int(duration_s),
    }
    if model.audio:
        body["audio"] = bool(audio)
    if seed is not None and model.seed:
        body["seed"] = int(seed)
    for key in ALLOWED_PARAMS & set(params):
        body[key] = params[key]
    return body


def seconds_of(body: dict[str, Any], model_id: str) -> float:
    """Billed seconds: the body's duration ("auto" is billed at the model's longest)."""
    duration = body.get("duration")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        return float(duration)
    model = MODELS.get(model_id)
    return float(max(model.durations_s)) if model else 10.0


def credits_of(task: dict[str, Any]) -> float | None:
    """The task's final `cost.credits` (terminal), else None."""
    cost = task.get("cost")
    if isinstance(cost, dict) and isinstance(cost.get("credits"), int | float):
        return float(cost["credits"])
    return None


def parse_task(body: Any) -> TaskState:
    """A `GET /v1/tasks/{id}` answer → the common state; THROTTLED is queued, not failed."""
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        raise errors.TransientError(
            "task answered without a status", provider=NAME, body=errors.truncate(str(body))
        )
    raw = body["status"]
    status = _STATUSES.get(raw)
    if status is None:
        raise errors.TransientError(f"unknown Runway status {raw!r}", provider=NAME)
    credits = credits_of(body)
    extra: dict[str, Any] = {} if credits is None else {"credits": credits}
    progress = body.get("progress")
    progress_f = float(progress) if isinstance(progress, int | float) else None
    if status is TaskStatus.SUCCEEDED:
        output = body.get("output")
        url = output[0] if isinstance(output, list) and output and isinstance(output[0], str) else None  # fmt: skip
        if url is None:
            raise errors.TransientError("succeeded task has no output URL", provider=NAME)
        return TaskState(status, video_url=url, raw_status=raw, extra=extra)
    if status is TaskStatus.FAILED:
        return failure_state(body.get("failureCode"), body.get("failure"), extra)
    if status is TaskStatus.CANCELLED:
        return TaskState(status, ErrorKind.TASK_FAILED, "cancelled", raw_status=raw, extra=extra)
    return TaskState(status, progress=progress_f, raw_status=raw, extra=extra)


def failure_state(code: Any, failure: Any, extra: dict[str, Any]) -> TaskState:
    """A FAILED task: a SAFETY code is a moderation refusal, anything else a failed task."""
    code_text = str(code) if code else ""
    detail = f"{code_text}: {failure}" if code_text else str(failure or "the task failed")
    if code_text.startswith(MODERATION_PREFIXES):
        return TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail[:500], raw_status="FAILED", extra=extra)  # fmt: skip
    return TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, detail[:500], raw_status="FAILED", extra=extra)  # fmt: skip


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """Runway's error body: `{"error": "…"}` (with `issues` on a validation failure), read
    tolerantly since the SDK takes any JSON."""
    body = http.json_or_none(response)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or response.reason_phrase), error.get("code")
        issues = body.get("issues")
        where = ""
        if isinstance(issues, list) and issues and isinstance(issues[0], dict):
            path = ".".join(str(p) for p in issues[0].get("path") or [])
            where = f" ({path}: {issues[0].get('message')})" if path else ""
        if error:
            return f"{error}{where}"[:500], None
    return response.reason_phrase or "error", None


def refine_error(error: errors.ProviderError) -> errors.ProviderError:
    """Out of credits → BillingError; a 400 naming a moderation refusal → ContentRejected."""
    text = error.message.lower()
    if "credit" in text and error.status_code in (400, 402, 403):
        return errors.retype(error, errors.BillingError, provider=NAME)
    if error.status_code == 400 and ("safety" in text or "moderation" in text):
        return errors.retype(error, errors.ContentRejected, provider=NAME)
    return error
