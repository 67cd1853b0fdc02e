"""The Luma Agents API as pure functions and tables: request body, generation parsing, errors.

Sources (stored copies, read 2026-12; `../shared/specs/providers-2026-12.md`; C = Luma's own
docs or SDK, U = a third party):
- New integrations go to the Agents API `https://agents.lumalabs.ai/v1`, Bearer
  `LUMA_AGENTS_API_KEY` (`luma-api-…`), model `ray-3.2`, `type ∈ video | video_edit |
  video_reframe`, response header `X-API-Version: 2026-04-01`; the Dream Machine API is legacy
  (U: calesthio luma-ray-video skill, verified 2026-07-10).
- `POST /v1/generations` `{model, type, prompt, aspect_ratio, video: {duration "5s" | "10s",
  resolution 360p | 540p | 720p | 1080p, loop, hdr, start_frame, end_frame, keyframes}, user_id}`
  → the generation; `GET /v1/generations/{id}` → `state ∈ queued | processing | completed |
  failed`, `failure_code` (`content_moderated`, `generation_failed`, `budget_exhausted`,
  `rate_limited`, `invalid_request`, …), `failure_reason`, `output: [{type, url}]` whose URL is
  presigned for an hour (C: Luma's SDK `luma-agents` 0.5.0 on PyPI, generated from its OpenAPI
  spec: `types/generation*.py`, `video_options_param.py`).
- Pricing is pay-as-you-go by request type, resolution, dynamic range (HDR) and duration, or
  Provisioned Throughput with a latency SLA (C: https://docs.agents.lumalabs.ai/guides/pricing);
  the bundled figure, ≈ USD 0.22/s at 720p, is third-party (U: providers-2026-11.md), and no
  other resolution's is known.
"""

from __future__ import annotations

from typing import Any

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.types import ErrorKind, TaskState, TaskStatus

NAME = "luma"
DEFAULT_BASE_URL = "https://agents.lumalabs.ai/v1"
MODEL = "ray-3.2"
PRICE_SOURCE = "third-party (U): ≈ USD 0.22/s at 720p (providers-2026-11.md); Luma's own page gives no figure"  # fmt: skip
SDK_SOURCE = "luma-agents 0.5.0 (Luma's SDK, from its OpenAPI spec), read 2026-12-07"
USD_PER_S: dict[str, float] = {"720p": 0.22}  # U; other resolutions: no figure found
DURATIONS_S = (5, 10)
RESOLUTIONS = ("360p", "540p", "720p", "1080p")
# The shared vocabulary's ratios the API accepts (it also takes 3:1, 2:1, 3:2, 2:3, 1:2, 1:3).
RATIOS = ("16:9", "9:16", "21:9", "4:3", "1:1", "3:4")
# Top-level fields and `video` fields a config's `params` may set.
VIDEO_PARAMS = frozenset({"duration", "resolution", "loop", "hdr"})
ALLOWED_PARAMS = frozenset({"aspect_ratio", "user_id", *VIDEO_PARAMS})

_STATES = {
    "queued": TaskStatus.QUEUED,
    "processing": TaskStatus.RUNNING,
    "completed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}
# failure_code → (status, error kind) where it is not a plain failed task.
_FAILURES = {
    "content_moderated": (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
    "budget_exhausted": (TaskStatus.FAILED, ErrorKind.BILLING),
    "invalid_request": (TaskStatus.FAILED, ErrorKind.INVALID_REQUEST),
    "rate_limited": (TaskStatus.FAILED, ErrorKind.RATE_LIMITED),
}


def create_body(
    text: str,
    duration_s: int,
    ratio: str,
    resolution: str | None,
    external_id: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    """The `POST /v1/generations` body for a text-to-video `ray-3.2` generation.

    `user_id` (Luma's per-end-user tag, forwarded upstream and used in usage breakdowns)
    carries the job's external id unless the config sets its own."""
    video: dict[str, Any] = {
        "duration": f"{duration_s}s",
        "resolution": resolution if resolution in RESOLUTIONS else "720p",
    }
    body: dict[str, Any] = {
        "model": MODEL,
        "type": "video",
        "prompt": text,
        "aspect_ratio": ratio if ratio in RATIOS else "16:9",
        "video": video,
        "user_id": external_id,
    }
    for key in ALLOWED_PARAMS & set(params):
        if key in VIDEO_PARAMS:
            value = params[key]
            video[key] = f"{value}s" if key == "duration" and isinstance(value, int) else value
        else:
            body[key] = params[key]
    return body


def seconds_of(body: dict[str, Any]) -> float:
    """The seconds the body asks for ("5s" → 5)."""
    text = str((body.get("video") or {}).get("duration") or "5s")
    return float(text.removesuffix("s"))


def parse_generation(body: Any) -> TaskState:
    """A generation object → the common state; the video is the output of type `video`."""
    if not isinstance(body, dict) or not isinstance(body.get("state"), str):
        raise errors.TransientError(
            "generation answered without a state", provider=NAME, body=errors.truncate(str(body))
        )
    raw = body["state"]
    status = _STATES.get(raw)
    if status is None:
        raise errors.TransientError(f"unknown Luma state {raw!r}", provider=NAME)
    if status is TaskStatus.SUCCEEDED:
        url = video_url_of(body.get("output"))
        if url is None:
            raise errors.TransientError("completed generation has no video output", provider=NAME)
        return TaskState(status, video_url=url, raw_status=raw)
    if status is TaskStatus.FAILED:
        code = str(body.get("failure_code") or "generation_failed")
        failed_as, kind = _FAILURES.get(code, (TaskStatus.FAILED, ErrorKind.TASK_FAILED))
        detail = f"{code}: {body.get('failure_reason') or 'the generation failed'}"[:500]
        return TaskState(failed_as, kind, detail, raw_status=raw)
    return TaskState(status, raw_status=raw)


def video_url_of(output: Any) -> str | None:
    """The URL of the first output of type `video` (else the first output's)."""
    if not isinstance(output, list):
        return None
    items = [o for o in output if isinstance(o, dict) and isinstance(o.get("url"), str)]
    videos = [o for o in items if str(o.get("type", "")).startswith("video")] or items
    return str(videos[0]["url"]) if videos else None


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """An error body, read tolerantly (the SDK takes any JSON): `{"error": {"code",
    "message"}}`, `{"error": "…"}` or `{"detail": "…"}`."""
    body = http.json_or_none(response)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = error.get("code")
            return str(error.get("message") or response.reason_phrase), None if code is None else str(code)  # fmt: skip
        message = error or body.get("detail") or body.get("message")
        if message:
            return str(message)[:500], None
    return response.reason_phrase or "error", None


def refine_error(error: errors.ProviderError) -> errors.ProviderError:
    """402 or an exhausted budget → BillingError; a moderation refusal → ContentRejected."""
    text = f"{error.code or ''} {error.message}".lower()
    if error.status_code == 402 or "budget_exhausted" in text or "insufficient" in text:
        return errors.retype(error, errors.BillingError, provider=NAME)
    if error.status_code in (400, 422) and ("moderat" in text or "safety" in text):
        return errors.retype(error, errors.ContentRejected, provider=NAME)
    return error
