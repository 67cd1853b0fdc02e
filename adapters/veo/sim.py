"""Simulator of Google Veo on the Gemini API, mounted at `{root}/veo` (read on its own).

Endpoints: `POST /v1beta/models/{model}:predictLongRunning`, `GET /v1beta/models/{model}/operations/{id}`
and the sample download `GET /v1beta/files/{id}:download?alt=media`. Errors use the Google
envelope `{"error": {code, message, status}}`.

The key is accepted only in the `x-goog-api-key` header. Google itself also accepts
`?key=`, but this simulator answers any request carrying `key` in the query with 400, so
tests prove that the adapter never puts the key in a URL. Responsible-AI filtering (the
profile's output moderation and its input words) ends the operation `done: true` with no
samples and `raiMediaFilteredCount`/`raiMediaFilteredReasons` set. 1080p is accepted only
with `durationSeconds: 8` (else 400 INVALID_ARGUMENT).

Settings (`SimServer(settings={"veo": {...}})`): `file_ttl_s` (default 2 days, how long a
sample stays downloadable), `render_scale` (default 1.0, see the OpenAI simulator) and
`retired_models` (default: every id — Veo left the Gemini Developer API in 2026, the 3.0 ids
on 2026-06-30 and the 3.1 previews on 2026-10-22; a create answers 404 "no longer
available"; pass `()` to rehearse the old contract).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import (
    RenderFailed,
    SimContext,
    SimError,
    SimMount,
    malformed_response,
)
from vidbench.core.sim.media import TruncatedFileResponse, render_size
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

MODELS = (
    "veo-3.1-generate-preview",
    "veo-3.1-fast-generate-preview",
    "veo-3.1-lite-generate-preview",
    "veo-3.0-generate-001",
)
DURATIONS_S = (4, 6, 8)
SIZES = {
    ("720p", "16:9"): (1280, 720),
    ("720p", "9:16"): (720, 1280),
    ("1080p", "16:9"): (1920, 1080),
    ("1080p", "9:16"): (1080, 1920),
}
PARAMETERS = frozenset(
    {
        "aspectRatio",
        "durationSeconds",
        "resolution",
        "seed",
        "sampleCount",
        "negativePrompt",
        "personGeneration",
    }
)
INSTANCE_FIELDS = frozenset({"prompt", "image", "lastFrame", "referenceImages"})
PERSON_GENERATION = ("allow_all", "allow_adult", "dont_allow")
DEFAULT_FILE_TTL_S = 2 * 24 * 3600.0
RAI_REASON = (
    "Your video couldn't be generated because it may violate our usage guidelines. "
    "You will not be charged for blocked videos."
)
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def _error(status: int, message: str, reason: str | None = None) -> SimError:
    extra = (
        {
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": reason,
                    "domain": "googleapis.com",
                }
            ]
        }
        if reason
        else {}
    )
    return SimError(status, STATUS_NAMES.get(status, "UNKNOWN"), message, extra=extra)


def _on_error(request: Request, exc: SimError) -> Response:
    error: dict[str, Any] = {"code": exc.status, "message": exc.message, "status": exc.code}
    error.update(exc.extra)
    return JSONResponse({"error": error}, exc.status, headers=exc.headers)


def _check_key(request: Request) -> None:
    """Header-only auth; a key in the query string is refused as a leak."""
    if "key" in request.query_params:
        raise _error(
            400,
            "pass the key in the x-goog-api-key header, not in the URL (?key= is refused "
            "by this simulator so keys never reach URLs and logs)",
        )
    key = request.headers.get("x-goog-api-key")
    if not key:
        raise _error(
            403,
            "Method doesn't allow unregistered callers (callers without established "
            "identity). Please use API Key or other form of API consumer identity to call this API.",
        )
    if key != SIM_API_KEY:
        raise _error(
            400, "API key not valid. Please pass a valid API key.", reason="API_KEY_INVALID"
        )


def _check_image(value: Any, where: str) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("bytesBase64Encoded"), str):
        raise _error(400, f"{where} must be an object with bytesBase64Encoded and mimeType.")
    if value.get("mimeType") not in ("image/png", "image/jpeg", "image/webp"):
        raise _error(400, f"{where}.mimeType must be image/png, image/jpeg or image/webp.")
    try:
        base64.b64decode(value["bytesBase64Encoded"], validate=True)
    except (binascii.Error, ValueError):
        raise _error(400, f"{where}.bytesBase64Encoded is not valid base64.") from None


def _check_instance(body: Any) -> str:
    """The one instance's prompt, after its fields and images are checked."""
    if not isinstance(body, dict) or set(body) - {"instances", "parameters"}:
        raise _error(400, "Invalid JSON payload received: expected {instances, parameters}.")
    instances = body.get("instances")
    if not isinstance(instances, list) or len(instances) != 1 or not isinstance(instances[0], dict):
        raise _error(400, "instances must hold exactly one instance.")
    instance = instances[0]
    unknown = sorted(set(instance) - INSTANCE_FIELDS)
    if unknown:
        raise _error(
            400, f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at 'instances[0]'."
        )
    prompt = instance.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _error(400, "instances[0].prompt is required.")
    for field in ("image", "lastFrame"):
        if field in instance:
            _check_image(instance[field], f"instances[0].{field}")
    if "lastFrame" in instance and "image" not in instance:
        raise _error(400, "lastFrame requires image.")
    _check_references(instance)
    return prompt


def _check_references(instance: dict[str, Any]) -> None:
    """`referenceImages`: 1 to 3 images, never with a first or last frame."""
    references = instance.get("referenceImages")
    if references is None:
        return
    if not isinstance(references, list) or not 1 <= len(references) <= 3:
        raise _error(400, "referenceImages takes 1 to 3 images.")
    if "image" in instance or "lastFrame" in instance:
        raise _error(400, "referenceImages cannot be combined with image or lastFrame.")
    for index, reference in enumerate(references):
        _check_image((reference or {}).get("image"), f"instances[0].referenceImages[{index}].image")


def _check_parameters(body: dict[str, Any]) -> dict[str, Any]:
    """The parameters with Veo's defaults filled in, or a 400 naming the first problem."""
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise _error(400, "parameters must be an object.")
    unknown = sorted(set(parameters) - PARAMETERS)
    if unknown:
        raise _error(
            400, f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at 'parameters'."
        )
    merged = {
        "aspectRatio": "16:9",
        "durationSeconds": 8,
        "resolution": "720p",
        "sampleCount": 1,
        **parameters,
    }
    if merged["aspectRatio"] not in ("16:9", "9:16"):
        raise _error(
            400, f"aspectRatio {merged['aspectRatio']!r} is not supported; use 16:9 or 9:16."
        )
    merged["durationSeconds"] = _check_size(merged)
    if merged["sampleCount"] != 1:
        raise _error(400, "sampleCount other than 1 is not simulated.")
    seed = merged.get("seed")
    if seed is not None and not (isinstance(seed, int) and 0 <= seed < 2**32):
        raise _error(400, "seed must be an unsigned 32-bit integer.")
    if "personGeneration" in merged and merged["personGeneration"] not in PERSON_GENERATION:
        raise _error(400, f"personGeneration must be one of {', '.join(PERSON_GENERATION)}.")
    return merged


def _check_size(merged: dict[str, Any]) -> int:
    """The duration in seconds, checked with the resolution (1080p only at 8 s)."""
    try:
        duration_s = int(merged["durationSeconds"])
    except (TypeError, ValueError):
        duration_s = -1
    if duration_s not in DURATIONS_S:
        raise _error(
            400, f"durationSeconds must be one of 4, 6, 8; got {merged['durationSeconds']!r}."
        )
    if merged["resolution"] not in ("720p", "1080p"):
        raise _error(
            400, f"resolution {merged['resolution']!r} is not supported; use 720p or 1080p."
        )
    if merged["resolution"] == "1080p" and duration_s != 8:
        raise _error(400, "1080p resolution is only supported with durationSeconds 8.")
    return duration_s


def _finished_response(request: Request, task: SimTask, phase: Phase) -> dict[str, Any] | None:
    """`generateVideoResponse` of a done operation; None when it failed."""
    if phase is Phase.MODERATED:
        return {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [RAI_REASON]}
    if phase is Phase.SUCCEEDED:
        uri = (
            f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"
            f"/v1beta/files/{task.id}:download?alt=media"
        )
        return {"generatedSamples": [{"video": {"uri": uri}}]}
    return None


class VeoSim:
    """One (profile) simulator of Veo's create, operation and download calls."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.file_ttl_s = float(ctx.settings.get("file_ttl_s", DEFAULT_FILE_TTL_S))
        self.render_scale = float(ctx.settings.get("render_scale", 1.0))

    def _check_model(self, model: str) -> None:
        if model in self.ctx.settings.get("retired_models", MODELS):
            raise _error(404, f"models/{model} is no longer available.")
        if model not in MODELS:
            raise _error(
                404,
                f"models/{model} is not found for API version v1beta, or is not supported "
                "for predictLongRunning.",
            )

    def _spec(self, prompt: str, parameters: dict[str, Any]) -> VideoSpec:
        width_px, height_px = SIZES[(parameters["resolution"], parameters["aspectRatio"])]
        width_px, height_px = render_size(width_px, height_px, self.render_scale)
        seed = parameters.get("seed")
        return VideoSpec(
            prompt=prompt,
            width=width_px,
            height=height_px,
            duration_s=float(parameters["durationSeconds"]),
            shots=shots_in(prompt),
            audio=True,
            seed=seed if seed is not None else 0,  # unseeded: one cached render per prompt
        )

    async def create(self, request: Request) -> Response:
        """POST /v1beta/models/{model}:predictLongRunning → `{name}` of the operation."""
        _check_key(request)
        model = request.path_params["model"]
        self._check_model(model)
        try:
            body = await request.json()
        except ValueError:
            raise _error(400, "Invalid JSON payload received.") from None
        prompt = _check_instance(body)
        parameters = _check_parameters(body)
        if self.ctx.admit_create(model) is not None:
            raise _error(429, "Resource has been exhausted (e.g. check quota).")
        flagged = any(word in prompt.lower() for word in self.ctx.profile.input_moderation_words)
        task = self.ctx.new_task(
            model,
            self._spec(prompt, parameters),
            task_id=secrets.token_hex(8),
            outcome=Phase.MODERATED if flagged else None,
            data={"parameters": parameters},
        )
        if self.ctx.fault("create_5xx_rate"):
            raise _error(500, "Internal error encountered.")
        return JSONResponse({"name": f"models/{model}/operations/{task.id}"})

    def _operation_body(self, request: Request, task: SimTask) -> dict[str, Any]:
        name = f"models/{task.model}/operations/{task.id}"
        phase = self.ctx.observe(task)
        if not phase.terminal:
            return {"name": name}
        video_response = _finished_response(request, task, phase)
        if video_response is None:
            failure = {"code": 13, "message": "Video generation failed due to an internal error."}
            return {"name": name, "done": True, "error": failure}
        response_type = (
            "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
        )
        return {
            "name": name,
            "done": True,
            "response": {"@type": response_type, "generateVideoResponse": video_response},
        }

    async def get_operation(self, request: Request) -> Response:
        """GET /v1beta/models/{model}/operations/{id}: `{name}` until done."""
        _check_key(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise _error(503, "The service is currently unavailable.")
        task = self.ctx.tasks.get(request.path_params["operation_id"])
        if task is None or task.model != request.path_params.get("model", task.model):
            raise _error(404, "Requested entity was not found.")
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        return JSONResponse(self._operation_body(request, task))

    async def download(self, request: Request) -> Response:
        """GET /v1beta/files/{id}:download: the sample, until its file expires."""
        _check_key(request)
        task = self.ctx.tasks.get(request.path_params["file_id"])
        if task is None or self.ctx.observe(task) is not Phase.SUCCEEDED:
            raise _error(404, "File not found.")
        if "expired_fault" not in task.data:  # drawn once per file
            task.data["expired_fault"] = self.ctx.fault("expired_url_rate")
        if self.ctx.clock() >= task.finished_at_s + self.file_ttl_s or task.data["expired_fault"]:
            raise _error(404, "File has expired and was deleted.")
        try:
            path = await self.ctx.video_path(task)
        except RenderFailed:
            raise _error(500, "Internal error encountered.") from None
        if self.ctx.fault("truncated_download_rate"):
            return TruncatedFileResponse(path)
        return FileResponse(path, media_type="video/mp4")


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The Veo routes for one (profile, provider) context."""
    sim = VeoSim(ctx)
    return [
        ctx.route("/v1beta/models/{model}:predictLongRunning", sim.create, methods=["POST"], operation="create", on_error=_on_error),
        ctx.route("/v1beta/models/{model}/operations/{operation_id}", sim.get_operation, methods=["GET"], operation="poll", on_error=_on_error),
        ctx.route("/v1beta/files/{file_id}:download", sim.download, methods=["GET"], operation="download", on_error=_on_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="veo", base_path="veo", routes=routes)
