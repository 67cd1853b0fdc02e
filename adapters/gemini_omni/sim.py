"""The Gemini Interactions API for Omni video, simulated (read from the contract on its own).

Paths under the provider prefix `/gemini` (`v1` or `v1beta`): POST `/{v}/interactions`,
GET `/{v}/interactions/{id}`, POST `/{v}/interactions/{id}/cancel`, and GET
`/{v}/files/{id}:download` for videos delivered as a `uri` (asked for with
`delivery: "uri"`, or above 4 MB), which needs the key like every call. A bad key answers
400 API_KEY_INVALID, as the Gemini API does. Settings: `completed_without_video` (False:
the reported Vertex case of `completed` with no output).
"""

from __future__ import annotations

import base64
import secrets
import time
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
from vidbench.core.sim.files import server_root
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

MODELS = {"gemini-omni-1.2-flash": 15, "gemini-omni-1.1-flash": 10, "gemini-omni-flash-preview": 10}
SIZES = {"360p": (640, 360), "720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}
TOKENS_PER_S = {"360p": 1448, "720p": 5792, "1080p": 8688, "4k": 17376}
INLINE_LIMIT_BYTES = 4 * 1024 * 1024
WORDS = {Phase.QUEUED: "queued", Phase.RUNNING: "in_progress", Phase.SUCCEEDED: "completed",
         Phase.FAILED: "failed", Phase.MODERATED: "failed", Phase.CANCELLED: "cancelled",
         Phase.EXPIRED: "incomplete"}  # fmt: skip
STATUS_WORDS = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
}


def invalid(message: str) -> SimError:
    """A 400 INVALID_ARGUMENT."""
    return SimError(400, "INVALID_ARGUMENT", message)


def check_format(model: str, response_format: Any) -> dict[str, Any]:
    """A video `response_format` with the values this model takes."""
    if not isinstance(response_format, dict) or response_format.get("type") != "video":
        raise invalid("response_format.type must be video for a video model")
    if response_format.get("aspect_ratio", "16:9") not in ("16:9", "9:16"):
        raise invalid("response_format.aspect_ratio must be 16:9 or 9:16")
    if response_format.get("resolution", "720p") not in SIZES:
        raise invalid("response_format.resolution must be 360p, 720p, 1080p or 4k")
    duration = str(response_format.get("duration", "8"))
    if not duration.isdigit() or not 3 <= int(duration) <= MODELS[model]:
        raise invalid(f"response_format.duration must be 3-{MODELS[model]} seconds for {model}")
    if response_format.get("delivery", "inline") not in ("inline", "uri"):
        raise invalid("response_format.delivery must be inline or uri")
    return response_format


def prompt_of(value: Any) -> str:
    """The text of `input` (a string or a list of parts)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(
            str(p.get("text", "")) for p in value if isinstance(p, dict) and p.get("type") == "text"
        )
    raise invalid("input must be a string or a list of content parts")


class OmniSim:
    """One (profile) simulator of Omni interactions."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.files: dict[str, SimTask] = {}

    def error(self, request: Request, exc: SimError) -> Response:
        """Google's envelope; a bad key carries the API_KEY_INVALID reason."""
        error: dict[str, Any] = {
            "code": exc.status,
            "message": exc.message,
            "status": STATUS_WORDS.get(exc.status, exc.code),
        }
        if exc.code == "API_KEY_INVALID":
            error["details"] = [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            ]
        return JSONResponse({"error": error}, exc.status, headers=exc.headers)

    def _auth(self, request: Request) -> None:
        if request.headers.get("x-goog-api-key") != SIM_API_KEY:
            raise SimError(
                400, "API_KEY_INVALID", "API key not valid. Please pass a valid API key."
            )

    async def create(self, request: Request) -> Response:
        """POST /interactions (background only for video)."""
        self._auth(request)
        body = await request.json()
        model = body.get("model") if isinstance(body, dict) else None
        if model not in MODELS:
            raise SimError(404, "NOT_FOUND", f"models/{model} is not found for API version v1.")
        response_format = check_format(model, body.get("response_format"))
        if body.get("background") is not True:
            raise invalid("video generation runs in the background: set background to true")
        prompt = prompt_of(body.get("input"))
        if self.ctx.admit_create(model) is not None:
            raise SimError(
                429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."
            )
        task = self._new_task(model, prompt, response_format, body.get("generation_config") or {})
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "INTERNAL", "An internal error has occurred.")
        return JSONResponse(self._interaction(request, task, Phase.QUEUED))

    def _new_task(
        self, model: str, prompt: str, response_format: dict[str, Any], config: dict[str, Any]
    ) -> SimTask:
        resolution = response_format.get("resolution", "720p")
        width, height = SIZES[resolution]
        if response_format.get("aspect_ratio") == "9:16":
            width, height = height, width
        seconds = int(response_format.get("duration", "8"))
        requested_seed = config.get("seed")
        seed = requested_seed if isinstance(requested_seed, int) else 0
        width, height = self.ctx.render_dims(width, height)
        spec = VideoSpec(prompt, width, height, float(seconds), 24, shots_in(prompt), True, seed)
        moderated = any(
            w.casefold() in prompt.casefold() for w in self.ctx.profile.input_moderation_words
        )
        task = self.ctx.new_task(model, spec, task_id="v1_" + secrets.token_urlsafe(18),
                                 outcome=Phase.MODERATED if moderated else None)  # fmt: skip
        task.data.update(
            tokens=TOKENS_PER_S[resolution] * seconds,
            delivery=response_format.get("delivery", "inline"),
        )
        return task

    def _interaction(self, request: Request, task: SimTask, phase: Phase) -> dict[str, Any]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(task.created_at_s))
        body: dict[str, Any] = {
            "id": task.id,
            "model": task.model,
            "status": WORDS[phase],
            "created": stamp,
            "updated": stamp,
        }
        if phase is Phase.MODERATED:
            body["errors"] = [
                {"code": "SAFETY", "message": "The request was blocked by safety filters."}
            ]
        elif phase is Phase.FAILED:
            body["errors"] = [{"code": "INTERNAL", "message": "Video generation failed."}]
        return body

    async def get(self, request: Request) -> Response:
        """GET /interactions/{id}."""
        self._auth(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(500, "INTERNAL", "An internal error has occurred.")
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        task = self._task(request)
        phase = self.ctx.observe(task)
        body = self._interaction(request, task, phase)
        if phase is Phase.SUCCEEDED and not self.ctx.settings.get("completed_without_video"):
            body["steps"] = [
                {"type": "model_output", "content": [await self._video(request, task)]}
            ]
            tokens = task.data["tokens"]
            body["usage"] = {"total_output_tokens": tokens, "total_tokens": tokens,
                             "output_tokens_by_modality": [{"modality": "video", "tokens": tokens}]}  # fmt: skip
        return JSONResponse(body)

    def _task(self, request: Request) -> SimTask:
        task = self.ctx.tasks.get(request.path_params["interaction_id"])
        if task is None:
            raise SimError(404, "NOT_FOUND", "Interaction not found.")
        return task

    async def _video(self, request: Request, task: SimTask) -> dict[str, Any]:
        try:
            video = await self.ctx.video_path(task)
        except RenderFailed:
            raise SimError(500, "INTERNAL", "An internal error has occurred.") from None
        if task.data["delivery"] == "inline" and video.stat().st_size <= INLINE_LIMIT_BYTES:
            return {
                "type": "video",
                "data": base64.b64encode(video.read_bytes()).decode("ascii"),
                "mime_type": "video/mp4",
            }
        file_id = task.id.removeprefix("v1_")
        self.files[file_id] = task
        root = server_root(request) + request.scope.get("root_path", "")
        version = request.path_params["version"]
        return {
            "type": "video",
            "uri": f"{root}/{version}/files/{file_id}:download?alt=media",
            "mime_type": "video/mp4",
        }

    async def cancel(self, request: Request) -> Response:
        """POST /interactions/{id}/cancel: only a queued or running interaction."""
        self._auth(request)
        task = self._task(request)
        if self.ctx.observe(task).terminal:
            raise SimError(400, "FAILED_PRECONDITION", "The interaction is already finished.")
        task.cancelled_at_s = self.ctx.clock()
        return JSONResponse(self._interaction(request, task, Phase.CANCELLED))

    async def download(self, request: Request) -> Response:
        """GET /files/{id}:download with the key."""
        self._auth(request)
        task = self.files.get(request.path_params["file"].removesuffix(":download"))
        if task is None:
            raise SimError(404, "NOT_FOUND", "File not found.")
        return FileResponse(await self.ctx.video_path(task), media_type="video/mp4")


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The Interactions routes of one (profile) simulator."""
    sim = OmniSim(ctx)
    item = "/{version}/interactions/{interaction_id}"
    return [
        ctx.route("/{version}/interactions", sim.create, methods=["POST"], operation="create", on_error=sim.error),
        ctx.route(item, sim.get, methods=["GET"], operation="get", on_error=sim.error),
        ctx.route(item + "/cancel", sim.cancel, methods=["POST"], operation="cancel", on_error=sim.error),
        ctx.route("/{version}/files/{file}", sim.download, methods=["GET"], operation="download", on_error=sim.error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="gemini", base_path="gemini", routes=routes)
