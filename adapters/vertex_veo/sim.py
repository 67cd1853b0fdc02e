"""Veo on Vertex AI, simulated (read from the contract on its own), with its OAuth endpoint.

Paths under the provider prefix `/vertex` (version `v1` or `v1beta1`, as the SDK sends):
POST `/{v}/projects/{P}/locations/{L}/publishers/google/models/{M}:predictLongRunning` and
`…:fetchPredictOperation`; POST `/token` (the service account's `token_uri`); GET
`/storage/download/storage/v1/b/{bucket}/o/{object}` for `gcsUri` videos (same token).
Every API call needs a bearer token this simulator issued. Without `storageUri` the video
comes inline as `bytesBase64Encoded`. Retired ids (3.0, previews) answer 404 "no longer
available". Settings: `token_ttl_s` (3600).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.adapters.vertex_veo.sim_auth import TokenEndpoint, service_account_json
from vidbench.core.sim.common import (
    SCOPE_KEY,
    RenderFailed,
    SimContext,
    SimError,
    SimMount,
    malformed_response,
)
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

MODELS = ("veo-3.1-generate-001", "veo-3.1-fast-generate-001", "veo-3.1-lite-generate-001")
RETIRED = ("veo-3.0-generate-001", "veo-3.0-fast-generate-001", "veo-3.1-generate-preview",
           "veo-3.1-fast-generate-preview", "veo-3.1-lite-generate-preview")  # fmt: skip
SIZES = {("720p", "16:9"): (1280, 720), ("720p", "9:16"): (720, 1280),
         ("1080p", "16:9"): (1920, 1080), ("1080p", "9:16"): (1080, 1920)}  # fmt: skip
MODEL_PATH = "/{version}/projects/{project}/locations/{location}/publishers/google/models/{action}"
STATUS_WORDS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}  # fmt: skip


def invalid(message: str) -> SimError:
    """A 400 INVALID_ARGUMENT."""
    return SimError(400, "INVALID_ARGUMENT", message)


def check_parameters(parameters: Any) -> dict[str, Any]:
    """The `parameters` Veo 3.1 takes, each within its documented values."""
    if not isinstance(parameters, dict):
        raise invalid("parameters must be an object")
    if parameters.get("durationSeconds", 8) not in (4, 6, 8):
        raise invalid("durationSeconds must be 4, 6 or 8")
    if parameters.get("aspectRatio", "16:9") not in ("16:9", "9:16"):
        raise invalid("aspectRatio must be 16:9 or 9:16")
    if parameters.get("resolution", "720p") not in ("720p", "1080p"):
        raise invalid("resolution must be 720p or 1080p")
    if not isinstance(parameters.get("generateAudio", True), bool):
        raise invalid("generateAudio must be a boolean")
    if not 1 <= int(parameters.get("sampleCount", 1)) <= 4:
        raise invalid("sampleCount must be 1-4")
    storage = parameters.get("storageUri")
    if storage is not None and not str(storage).startswith("gs://"):
        raise invalid("storageUri must be a gs:// URI")
    return parameters


class VertexSim:
    """One (profile) simulator of Veo on Vertex AI."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.tokens = TokenEndpoint(ctx)
        self.objects: dict[str, SimTask] = {}  # "bucket/object" → task

    def error(self, request: Request, exc: SimError) -> Response:
        """Google's envelope `{"error": {code, message, status}}`."""
        status = exc.code if exc.code.isupper() else STATUS_WORDS.get(exc.status, "UNKNOWN")
        body = {"error": {"code": exc.status, "message": exc.message, "status": status}}
        return JSONResponse(body, exc.status, headers=exc.headers)

    def _auth(self, request: Request) -> None:
        if not self.tokens.valid(request):
            raise SimError(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
            )

    async def model_action(self, request: Request) -> Response:
        """`{model}:predictLongRunning` or `{model}:fetchPredictOperation`."""
        self._auth(request)
        model, _, verb = request.path_params["action"].partition(":")
        if model in RETIRED:
            raise SimError(404, "NOT_FOUND", f"Publisher Model `{model}` is no longer available.")
        if model not in MODELS:
            raise SimError(
                404,
                "NOT_FOUND",
                f"Publisher Model `{model}` was not found or your project does not have access to it.",
            )
        holder = request.scope.get(SCOPE_KEY)
        if isinstance(holder, dict):  # count creates and polls apart
            holder["operation"] = "create" if verb == "predictLongRunning" else "get"
        if verb == "predictLongRunning":
            return await self._create(request, model)
        if verb == "fetchPredictOperation":
            return await self._fetch(request, model)
        raise SimError(404, "NOT_FOUND", f"method {verb} not found")

    async def _create(self, request: Request, model: str) -> Response:
        body = await request.json()
        instances = body.get("instances") if isinstance(body, dict) else None
        if (
            not isinstance(instances, list)
            or len(instances) != 1
            or not isinstance(instances[0], dict)
        ):
            raise invalid("instances must hold exactly one instance")
        parameters = check_parameters(body.get("parameters", {}))
        if self.ctx.admit_create(model) is not None:
            raise SimError(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.",
            )
        task = self._new_task(request, model, str(instances[0].get("prompt", "")), parameters)
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "INTERNAL", "Internal error encountered.")
        return JSONResponse({"name": task.id})

    def _new_task(
        self, request: Request, model: str, prompt: str, parameters: dict[str, Any]
    ) -> SimTask:
        resolution, ratio = (
            parameters.get("resolution", "720p"),
            parameters.get("aspectRatio", "16:9"),
        )
        width, height = self.ctx.render_dims(*SIZES[(resolution, ratio)])
        seconds = float(parameters.get("durationSeconds", 8))
        audio = bool(parameters.get("generateAudio", True))
        spec = VideoSpec(
            prompt,
            width,
            height,
            seconds,
            24,
            shots_in(prompt),
            audio,
            int(parameters.get("seed", 0)),
        )
        p = request.path_params
        name = f"projects/{p['project']}/locations/{p['location']}/publishers/google/models/{model}/operations/{uuid.uuid4()}"
        moderated = any(
            w.casefold() in prompt.casefold() for w in self.ctx.profile.input_moderation_words
        )
        task = self.ctx.new_task(
            model, spec, task_id=name, outcome=Phase.MODERATED if moderated else None
        )
        task.data["storage_uri"] = parameters.get("storageUri")
        return task

    async def _fetch(self, request: Request, model: str) -> Response:
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(500, "INTERNAL", "Internal error encountered.")
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        body = await request.json()
        task = self.ctx.tasks.get(
            str(body.get("operationName", "")) if isinstance(body, dict) else ""
        )
        if task is None or task.model != model:
            raise SimError(404, "NOT_FOUND", "Operation not found.")
        phase = self.ctx.observe(task)
        if not phase.terminal:
            return JSONResponse({"name": task.id})
        answer: dict[str, Any] = {"name": task.id, "done": True}
        if phase is Phase.SUCCEEDED:
            answer["response"] = await self._videos(task)
        elif phase is Phase.MODERATED:
            answer["response"] = {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [
                "Veo could not generate videos because the input prompt violates Vertex AI's usage guidelines."]}  # fmt: skip
        else:
            answer["error"] = {
                "code": 13,
                "message": "Video generation failed due to an internal error.",
            }
        return JSONResponse(answer)

    async def _videos(self, task: SimTask) -> dict[str, Any]:
        response: dict[str, Any] = {
            "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
        }
        storage = task.data.get("storage_uri")
        if storage:
            uri = f"{str(storage).rstrip('/')}/{task.id.rsplit('/', 1)[-1]}/sample_0.mp4"
            self.objects[uri.removeprefix("gs://")] = task
            response["videos"] = [{"gcsUri": uri, "mimeType": "video/mp4"}]
            return response
        try:
            video = await self.ctx.video_path(task)
        except RenderFailed:
            raise SimError(500, "INTERNAL", "Internal error encountered.") from None
        data = base64.b64encode(video.read_bytes()).decode("ascii")
        response["videos"] = [{"bytesBase64Encoded": data, "mimeType": "video/mp4"}]
        return response

    async def storage(self, request: Request) -> Response:
        """GET a `gcsUri` object's media with the same bearer token."""
        self._auth(request)
        key = f"{unquote(request.path_params['bucket'])}/{unquote(request.path_params['name'])}"
        task = self.objects.get(key)
        if task is None:
            raise SimError(404, "NOT_FOUND", "No such object.")
        return FileResponse(await self.ctx.video_path(task), media_type="video/mp4")


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The Vertex routes of one (profile) simulator."""
    sim = VertexSim(ctx)
    storage = "/storage/download/storage/v1/b/{bucket}/o/{name:path}"
    return [
        ctx.route("/token", sim.tokens.token, methods=["POST"], operation="token", on_error=sim.error),
        ctx.route(MODEL_PATH, sim.model_action, methods=["POST"], operation="create_or_get", on_error=sim.error),
        ctx.route(storage, sim.storage, methods=["GET"], operation="download", on_error=sim.error),
    ]  # fmt: skip


def secret(role: str, base_url: str) -> str | None:
    """The service account the simulator trusts, its `token_uri` pointing here."""
    return service_account_json(f"{base_url}/token") if role == "service_account" else None


SIMULATOR = SimMount(segment="vertex", base_path="vertex", routes=routes, secret=secret)
