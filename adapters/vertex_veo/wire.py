"""Veo 3.1 on Vertex AI as pure functions: models, prices, URLs, bodies, operation parsing.

Contract: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation
and the official google-genai SDK (3.6, `models.py` `_generate_videos`, `operations.py`),
read 2026-11-30. Create: `POST {host}/v1/projects/{P}/locations/{L}/publishers/google/
models/{M}:predictLongRunning` → an Operation `{name}`; poll: `POST …/models/{M}:
fetchPredictOperation` with `{"operationName": name}` (a POST, not a GET of the operation).
A done operation carries `response.videos[]` (`bytesBase64Encoded` or `gcsUri`) or, when
safety filters fired, only `raiMediaFilteredCount` / `raiMediaFilteredReasons`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from vidbench.adapters import google_common
from vidbench.core.seam import errors
from vidbench.core.seam.lifecycle import Lifecycle, ModelStatus
from vidbench.core.seam.types import ErrorKind, GenerationRequest, TaskState, TaskStatus

PROVIDER = "vertex_veo"
DURATIONS_S = (4, 6, 8)
RATIOS = ("16:9", "9:16")
RESOLUTIONS = ("720p", "1080p")
DEFAULT_LOCATION = "us-central1"
GLOBAL_HOST = "https://aiplatform.googleapis.com"
STORAGE_HOST = "https://storage.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
# Fields of `parameters` a config's `params` may set; `project`, `location` and
# `storage_base_url` say where to send, and are never sent.
BODY_PARAMS = frozenset(
    {"aspectRatio", "durationSeconds", "resolution", "generateAudio", "seed", "negativePrompt",
     "personGeneration", "enhancePrompt", "storageUri", "sampleCount"}
)  # fmt: skip
ROUTING_PARAMS = frozenset({"project", "location", "storage_base_url"})
PRICE_SOURCE = (
    "https://cloud.google.com/vertex-ai/generative-ai/pricing via fal.ai and lumenfall.ai "
    "(third-party), read 2026-11-30"
)
# USD per second of output: (with audio, without audio) at 720p/1080p.
PRICES_USD_PER_S: dict[str, tuple[float, float]] = {
    "veo-3.1-generate-001": (0.40, 0.20),
    "veo-3.1-fast-generate-001": (0.15, 0.10),
    "veo-3.1-lite-generate-001": (0.05, 0.05),  # 720p; 1080p 0.08 with audio
}
LITE_1080P_USD_PER_S = 0.08
_STATUS_SOURCE = "https://ai.google.dev/gemini-api/docs/changelog (2026-06-15)"
_PREVIEW_SOURCE = "Vertex AI model versions page via relay reports (third-party)"
LIFECYCLES: dict[str, Lifecycle] = {
    "veo-3.1-generate-001": Lifecycle(source="https://cloud.google.com/vertex-ai/generative-ai/docs/models/veo/3-1-generate", read_on="2026-11-30"),
    "veo-3.1-fast-generate-001": Lifecycle(source="https://cloud.google.com/vertex-ai/generative-ai/docs/models/veo/3-1-generate", read_on="2026-11-30"),
    "veo-3.1-lite-generate-001": Lifecycle(source="google-genai 3.6 SDK tests (https://github.com/googleapis/python-genai)", read_on="2026-11-30"),
    "veo-3.0-generate-001": Lifecycle(ModelStatus.RETIRED, "2026-06-30", "veo-3.1-generate-001", _STATUS_SOURCE, "2026-11-30"),
    "veo-3.0-fast-generate-001": Lifecycle(ModelStatus.RETIRED, "2026-06-30", "veo-3.1-fast-generate-001", _STATUS_SOURCE, "2026-11-30"),
    "veo-3.1-generate-preview": Lifecycle(ModelStatus.RETIRED, "2026-04-02", "veo-3.1-generate-001", _PREVIEW_SOURCE, "2026-11-30", False),
}  # fmt: skip
MODERATION_MARKERS = google_common.MODERATION_MARKERS


def host_for(base_url: str, location: str) -> str:
    """Regional endpoint for the default host (`{L}-aiplatform…`); any other base as given."""
    base = base_url.rstrip("/")
    if base == GLOBAL_HOST and location != "global":
        return f"https://{location}-aiplatform.googleapis.com"
    return base


def model_path(project: str, location: str, model: str) -> str:
    """`projects/{P}/locations/{L}/publishers/google/models/{M}`."""
    return f"projects/{quote(project, safe='')}/locations/{quote(location, safe='')}/publishers/google/models/{quote(model, safe='')}"


inline_media = google_common.inline_media  # `{bytesBase64Encoded, mimeType}`


def instance_for(request: GenerationRequest) -> dict[str, Any]:
    """The one `instances[]` entry: prompt, first/last frame or reference images."""
    inputs = request.inputs
    if inputs.reference_images and (inputs.first_frame or inputs.last_frame):
        raise errors.UnsupportedRequest("Veo cannot combine reference images with frames")
    instance: dict[str, Any] = {"prompt": request.text}
    if inputs.first_frame:
        instance["image"] = inline_media(inputs.first_frame)
    if inputs.last_frame:
        instance["lastFrame"] = inline_media(inputs.last_frame)
    if inputs.reference_images:
        instance["referenceImages"] = [
            {"image": inline_media(p), "referenceType": "asset"} for p in inputs.reference_images
        ]
    return instance


def build_body(request: GenerationRequest) -> dict[str, Any]:
    """The `predictLongRunning` body: one instance, parameters with the model's params on top."""
    parameters: dict[str, Any] = {
        "durationSeconds": request.duration_s,
        "aspectRatio": request.ratio if request.ratio in RATIOS else "16:9",
        "resolution": request.resolution if request.resolution in RESOLUTIONS else "720p",
        "generateAudio": request.audio,
        "sampleCount": 1,
    }
    if request.seed is not None:
        parameters["seed"] = request.seed
    parameters.update({k: v for k, v in request.params.items() if k in BODY_PARAMS})
    return {"instances": [instance_for(request)], "parameters": parameters}


def storage_url(gcs_uri: str, storage_base_url: str = STORAGE_HOST) -> str:
    """`gs://bucket/object` as the JSON API's media download URL."""
    bucket, _, name = gcs_uri.removeprefix("gs://").partition("/")
    base = storage_base_url.rstrip("/")
    return (
        f"{base}/download/storage/v1/b/{quote(bucket, safe='')}/o/{quote(name, safe='')}?alt=media"
    )


def _failed(error: dict[str, Any]) -> TaskState:
    message = str(error.get("message") or "the operation failed")
    detail = f"{error.get('code')}: {message}"
    if google_common.is_moderation(message):
        return TaskState(
            TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail, raw_status="error"
        )
    return TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, detail, raw_status="error")


def parse_operation(body: Any) -> TaskState:
    """An Operation → TaskState: not done → RUNNING; filtered with no video → REJECTED."""
    if not isinstance(body, dict) or "name" not in body:
        raise errors.TransientError("poll answered without an Operation", provider=PROVIDER)
    if not body.get("done"):
        return TaskState(TaskStatus.RUNNING, raw_status="running")
    if isinstance(body.get("error"), dict):
        return _failed(body["error"])
    answer = body.get("response")
    response: dict[str, Any] = answer if isinstance(answer, dict) else {}
    videos = [v for v in response.get("videos") or [] if isinstance(v, dict)]
    if videos and videos[0].get("bytesBase64Encoded"):
        mime = videos[0].get("mimeType") or "video/mp4"
        url = f"data:{mime};base64,{videos[0]['bytesBase64Encoded']}"
        return TaskState(TaskStatus.SUCCEEDED, video_url=url, raw_status="done")
    if videos and videos[0].get("gcsUri"):
        return TaskState(
            TaskStatus.SUCCEEDED, raw_status="done", extra={"gcs_uri": videos[0]["gcsUri"]}
        )
    reasons = [str(r) for r in response.get("raiMediaFilteredReasons") or []]
    if reasons or response.get("raiMediaFilteredCount"):
        detail = "; ".join(reasons) or "filtered by responsible-AI checks"
        return TaskState(
            TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, detail, raw_status="filtered"
        )
    return TaskState(
        TaskStatus.FAILED, ErrorKind.TASK_FAILED, "done without a video", raw_status="done"
    )


parse_error = google_common.parse_error  # `{"error": {code, message, status}}`


def refine_error(exc: errors.ProviderError, provider_model: str) -> errors.ProviderError:
    """A retired or vanished model → ModelGone naming the replacement; quota → RateLimited."""
    lifecycle = LIFECYCLES.get(provider_model)
    retired = exc.status_code == 404 and lifecycle is not None and lifecycle.retired
    if google_common.model_gone(exc) or retired:
        instead = f"; use {lifecycle.replacement}" if lifecycle and lifecycle.replacement else ""
        message = f"{provider_model} is retired{instead}: {exc.message}"
        return errors.retype(exc, errors.ModelGone, message, provider=PROVIDER)
    if google_common.quota_exhausted(exc):
        return errors.retype(exc, errors.RateLimited, provider=PROVIDER)
    return exc
