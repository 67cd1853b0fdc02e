"""Veo on the Gemini API as pure functions and tables: parameters, bodies, operations, errors.

`adapters/veo/adapter.py` sends these over HTTP.

The key travels only in the `x-goog-api-key` header, never in a URL: Google also accepts
`?key=`, but URLs end up in logs, proxies and error messages. Veo answers a create with a
long-running Operation `{name}`; the adapter polls `GET /v1beta/{name}` until `done`.
Veo has no queued/running split, so every not-done operation maps to RUNNING. 1080p is
only generated for 8 s clips: the adapter sends 720p for shorter ones, and refuses when
the model's own params ask for 1080p at another length.
"""

from __future__ import annotations

from typing import Any

import httpx

from vidbench.adapters import google_common
from vidbench.core.seam import errors
from vidbench.core.seam.http import quote_path, quote_segment
from vidbench.core.seam.lifecycle import Lifecycle, ModelStatus
from vidbench.core.seam.types import (
    ErrorKind,
    GenerationRequest,
    TaskState,
    TaskStatus,
)

NAME = "veo"
DURATIONS_S = (4, 6, 8)
RATIOS = ("16:9", "9:16")
RESOLUTIONS = ("720p", "1080p")
HIGH_RESOLUTION_DURATION_S = 8
MAX_REFERENCE_IMAGES = 3
KEY_HEADER = google_common.KEY_HEADER
NOTE = (
    "1080p only for 8 s clips (shorter clips are sent at 720p); Veo 3 always generates audio; "
    "reference images cannot be combined with a first or last frame."
)
# USD per second of output (https://github.com/cluely/unmodel google/veo-models.ts).
PRICE_USD_PER_S: dict[str, float] = {
    "veo-3.1-generate-preview": 0.40,
    "veo-3.1-fast-generate-preview": 0.10,
    "veo-3.1-lite-generate-preview": 0.05,
    "veo-3.0-generate-001": 0.40,
}
PRICE_SOURCE = (
    "Gemini API Veo pricing via github.com/cluely/unmodel google/veo-models.ts, read Aug 2026"
)
# Veo left the Gemini Developer API: google-genai 3.0+ refuses it there, and every id shut.
_PREVIEW_SOURCE = "docs.apiyi.com relay notice of 2026-10-25 (third-party)"
_V30_SOURCE = "https://ai.google.dev/gemini-api/docs/changelog (2026-06-15)"
RETIREMENTS: dict[str, Lifecycle] = {
    "veo-3.1-generate-preview": Lifecycle(ModelStatus.RETIRED, "2026-10-22", "veo-3.1-generate-001 (adapter vertex_veo)", _PREVIEW_SOURCE, "2026-11-30", False),
    "veo-3.1-fast-generate-preview": Lifecycle(ModelStatus.RETIRED, "2026-10-22", "veo-3.1-fast-generate-001 (adapter vertex_veo)", _PREVIEW_SOURCE, "2026-11-30", False),
    "veo-3.1-lite-generate-preview": Lifecycle(ModelStatus.RETIRED, "2026-10-22", "veo-3.1-lite-generate-001 (adapter vertex_veo)", _PREVIEW_SOURCE, "2026-11-30", False),
    "veo-3.0-generate-001": Lifecycle(ModelStatus.RETIRED, "2026-06-30", "veo-3.1-generate-001 (adapter vertex_veo)", _V30_SOURCE, "2026-11-30"),
}  # fmt: skip
GONE_HINT = "Veo now runs on Vertex AI: use adapter vertex_veo with veo-3.1-generate-001."
ALLOWED_PARAMS = frozenset(
    {"aspectRatio", "durationSeconds", "resolution", "seed", "negativePrompt", "personGeneration"}
)
PERSON_GENERATION = ("allow_all", "allow_adult", "dont_allow")
MODERATION_MARKERS = google_common.MODERATION_MARKERS


def nearest(values: tuple[int, ...], target: int) -> int:
    """The value closest to `target` (ties go to the larger, as the planner's snapping does)."""
    return min(values, key=lambda v: (abs(v - target), -v))


def snap_ratio(ratio: str) -> str:
    """A supported ratio: the request's own, else the one with its orientation."""
    if ratio in RATIOS:
        return ratio
    width, _, height = ratio.partition(":")
    try:
        return "9:16" if float(height) > float(width) else "16:9"
    except ValueError:
        return "16:9"


def parameters_for(request: GenerationRequest) -> dict[str, Any]:
    """The `parameters` object: shared settings mapped and snapped, model params on top."""
    duration_s = nearest(DURATIONS_S, request.duration_s)
    resolution = request.resolution if request.resolution in RESOLUTIONS else "720p"
    if request.resolution in ("1440p", "2160p", "4k"):  # the highest class below, as the planner
        resolution = "1080p"
    parameters: dict[str, Any] = {
        "aspectRatio": snap_ratio(request.ratio),
        "durationSeconds": duration_s,
        "resolution": resolution,
        "sampleCount": 1,
    }
    if request.seed is not None:
        parameters["seed"] = request.seed
    for key in ALLOWED_PARAMS & set(request.params):
        parameters[key] = request.params[key]
    if (
        parameters["resolution"] == "1080p"
        and int(parameters["durationSeconds"]) != HIGH_RESOLUTION_DURATION_S
    ):
        if "resolution" in request.params:
            raise errors.UnsupportedRequest(
                f"veo renders 1080p only for {HIGH_RESOLUTION_DURATION_S} s clips, "
                f"not {parameters['durationSeconds']} s"
            )
        parameters["resolution"] = "720p"
    return parameters


inline_image = google_common.inline_media  # `{bytesBase64Encoded, mimeType}`


def check_inputs(request: GenerationRequest) -> None:
    """Refuse input combinations Veo cannot take (UnsupportedRequest), before any file is read."""
    inputs = request.inputs
    if inputs.reference_images and (inputs.first_frame or inputs.last_frame):
        raise errors.UnsupportedRequest(
            "veo cannot combine reference images with a first or last frame"
        )
    if len(inputs.reference_images) > MAX_REFERENCE_IMAGES:
        raise errors.UnsupportedRequest(
            f"veo takes at most {MAX_REFERENCE_IMAGES} reference images"
        )
    if inputs.last_frame and not inputs.first_frame:
        raise errors.UnsupportedRequest("veo needs a first frame to use a last frame")


def instance_for(request: GenerationRequest) -> dict[str, Any]:
    """The single `instances[]` entry: prompt plus first/last frame or reference images."""
    check_inputs(request)
    inputs = request.inputs
    instance: dict[str, Any] = {"prompt": request.text}
    if inputs.first_frame:
        instance["image"] = inline_image(inputs.first_frame)
    if inputs.last_frame:
        instance["lastFrame"] = inline_image(inputs.last_frame)
    if inputs.reference_images:
        instance["referenceImages"] = [
            {"image": inline_image(path), "referenceType": "asset"}
            for path in inputs.reference_images
        ]
    return instance


def build_body(request: GenerationRequest) -> dict[str, Any]:
    """The JSON body of `predictLongRunning`."""
    return {"instances": [instance_for(request)], "parameters": parameters_for(request)}


def build_create_request(base_url: str, api_key: str, request: GenerationRequest) -> httpx.Request:
    """`POST {base}/v1beta/models/{model}:predictLongRunning`, key in the header only."""
    url = f"{base_url}/v1beta/models/{quote_segment(request.provider_model)}:predictLongRunning"
    return httpx.Request("POST", url, headers={KEY_HEADER: api_key}, json=build_body(request))


def build_operation_request(base_url: str, api_key: str, operation_name: str) -> httpx.Request:
    """`GET {base}/v1beta/{operation name}`."""
    return httpx.Request(
        "GET", f"{base_url}/v1beta/{quote_path(operation_name)}", headers={KEY_HEADER: api_key}
    )


is_moderation = google_common.is_moderation


def parse_operation(body: Any) -> TaskState:
    """An Operation mapped to a TaskState (not done → RUNNING; no samples → rejected/failed)."""
    if not isinstance(body, dict) or "name" not in body:
        raise errors.TransientError(
            "poll answered without an Operation", provider=NAME, body=errors.truncate(str(body))
        )
    if not body.get("done"):
        return TaskState(TaskStatus.RUNNING, raw_status="running")
    error = body.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or "the operation failed")
        detail = f"{error.get('code')}: {message}" if error.get("code") is not None else message
        if is_moderation(message):
            return TaskState(
                TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail, raw_status="error"
            )
        return TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, detail, raw_status="error")
    video_response = (body.get("response") or {}).get("generateVideoResponse") or {}
    samples = video_response.get("generatedSamples") or []
    uri = ((samples[0] or {}).get("video") or {}).get("uri") if samples else None
    if uri:
        return TaskState(TaskStatus.SUCCEEDED, video_url=str(uri), raw_status="done")
    reasons = [str(r) for r in video_response.get("raiMediaFilteredReasons") or []]
    if reasons or video_response.get("raiMediaFilteredCount"):
        detail = "; ".join(reasons) or "filtered by responsible-AI checks"
        return TaskState(
            TaskStatus.REJECTED,
            ErrorKind.CONTENT_REJECTED,
            detail,
            raw_status="filtered",
            extra={"rai_filtered_count": video_response.get("raiMediaFilteredCount")},
        )
    return TaskState(
        TaskStatus.FAILED,
        ErrorKind.TASK_FAILED,
        "the operation finished without a video",
        raw_status="done",
    )


google_error_parser = google_common.parse_error  # `{"error": {code, message, status}}`


def refine_error(error: errors.ProviderError) -> errors.ProviderError:
    """Google answers a rejected key or a billing problem with 400: type them as such."""
    if error.status_code == 400 and google_common.key_rejected(error):
        return errors.retype(error, errors.AuthError, provider=NAME)
    if error.status_code == 400 and "billing" in error.message.lower():
        return errors.retype(error, errors.BillingError, provider=NAME)
    if google_common.model_gone(error):
        return errors.retype(error, errors.ModelGone, f"{error.message} {GONE_HINT}", provider=NAME)
    return error
