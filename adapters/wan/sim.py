"""DashScope's Wan video-synthesis task API, simulated (read from the contract on its own).

Paths under the provider prefix `/wan`: POST
`/api/v1/services/aigc/video-generation/video-synthesis` (needs `X-DashScope-Async:
enable`), GET `/api/v1/tasks/{id}`, POST `/api/v1/tasks/{id}/cancel`. Errors are
`{"request_id", "code", "message"}`; an unknown or day-old task id answers 200 with
`task_status: UNKNOWN`, as DashScope does. Settings: `video_url_ttl_s` (24 h).
Not simulated: remote media URLs are not fetched; OSS upload (`oss://`) is refused.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError, SimMount, malformed_response, request_id
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

CREATE_PATH = "/api/v1/services/aigc/video-generation/video-synthesis"
TASK_PATH = "/api/v1/tasks/{task_id}"
TASK_VISIBLE_S = 24 * 3600.0
# model → (shortest, longest) duration in seconds; wan2.6 answers as retired.
MODELS: dict[str, tuple[int, int]] = {
    "wan3.0-video": (2, 30),
    "wan3.0-video-prime": (2, 30),
    "wan2.7-t2v": (2, 15),
}
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "720P": {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (960, 960),
             "4:3": (1088, 832), "3:4": (832, 1088)},
    "1080P": {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1440, 1440),
              "4:3": (1632, 1248), "3:4": (1248, 1632)},
}  # fmt: skip
MEDIA_TYPES = ("first_frame", "last_frame", "driving_audio", "first_clip")
PARAMETERS = frozenset(
    {"resolution", "ratio", "duration", "prompt_extend", "seed", "audio", "watermark", "size"}
)
WORDS = {
    Phase.QUEUED: "PENDING",
    Phase.RUNNING: "RUNNING",
    Phase.SUCCEEDED: "SUCCEEDED",
    Phase.FAILED: "FAILED",
    Phase.MODERATED: "FAILED",
    Phase.CANCELLED: "CANCELED",
    Phase.EXPIRED: "UNKNOWN",
}


def invalid(message: str, code: str = "InvalidParameter") -> SimError:
    """A 400 in DashScope's words."""
    return SimError(400, code, message)


def check_media(model_input: dict[str, Any]) -> list[dict[str, Any]]:
    """`input.media`: known types, one of each, http(s) or data URLs."""
    media = model_input.get("media", [])
    if not isinstance(media, list):
        raise invalid("input.media must be an array")
    seen: set[str] = set()
    for item in media:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in MEDIA_TYPES or kind in seen:
            raise invalid(f"input.media type {kind!r} is invalid or repeated")
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:")):
            raise invalid(f"input.media url of {kind} must be an http(s) or data URL")
        seen.add(kind)
    if "last_frame" in seen and "first_frame" not in seen:
        raise invalid("last_frame requires first_frame")
    return media


def check_parameters(model: str, parameters: Any) -> dict[str, Any]:
    """`parameters`: known fields with the values Wan accepts for `model`."""
    if not isinstance(parameters, dict):
        raise invalid("parameters must be an object")
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise invalid(f"parameters.{sorted(unknown)[0]} is not supported")
    if parameters.get("resolution", "720P") not in SIZES:
        raise invalid("parameters.resolution must be 720P or 1080P")
    if parameters.get("ratio", "16:9") not in SIZES["720P"]:
        raise invalid("parameters.ratio is invalid")
    duration = parameters.get("duration", 5)
    shortest, longest = MODELS[model]
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise invalid("parameters.duration must be an integer")
    if not shortest <= duration <= longest:
        raise invalid(f"parameters.duration must be within [{shortest}, {longest}]")
    return parameters


class WanSim:
    """One (profile) simulator of DashScope's video synthesis."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    def error(self, request: Request, exc: SimError) -> Response:
        """DashScope's flat error envelope."""
        body = {"request_id": request_id(request), "code": exc.code, "message": exc.message}
        return JSONResponse(body, exc.status, headers=exc.headers)

    def _auth(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {SIM_API_KEY}":
            raise SimError(401, "InvalidApiKey", "Invalid API-key provided.")

    async def create(self, request: Request) -> Response:
        """POST video-synthesis → `{"output": {"task_id", "task_status": "PENDING"}}`."""
        self._auth(request)
        if request.headers.get("x-dashscope-async") != "enable":
            raise SimError(
                403, "AccessDenied", "current user api does not support synchronous calls"
            )
        try:
            body = await request.json()
        except ValueError:
            raise invalid("The request body is not valid JSON.") from None
        model = body.get("model") if isinstance(body, dict) else None
        if model not in MODELS:
            raise invalid("Model not exist.")
        model_input = body.get("input")
        if not isinstance(model_input, dict) or not isinstance(model_input.get("prompt"), str):
            raise invalid("input.prompt is required", "MissingParameter")
        check_media(model_input)
        parameters = check_parameters(model, body.get("parameters", {}))
        self._moderate(model_input["prompt"])
        self._admit(model)
        task = self._new_task(model, model_input["prompt"], parameters)
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "InternalError", "An internal error has occured, please try again.")
        output = {"task_id": task.id, "task_status": "PENDING"}
        return JSONResponse({"request_id": request_id(request), "output": output})

    def _moderate(self, prompt: str) -> None:
        lowered = prompt.casefold()
        if any(word.casefold() in lowered for word in self.ctx.profile.input_moderation_words):
            raise invalid("Input data may contain inappropriate content.", "DataInspectionFailed")

    def _admit(self, model: str) -> None:
        reason = self.ctx.admit_create(model)
        if reason == "rate_limit_storm":
            raise SimError(429, "Throttling", "Requests throttling triggered.")
        if reason is not None:
            raise SimError(
                429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later."
            )

    def _new_task(self, model: str, prompt: str, parameters: dict[str, Any]) -> SimTask:
        resolution = parameters.get("resolution", "720P")
        ratio = parameters.get("ratio", "16:9")
        width, height = SIZES[resolution][ratio]
        duration_s = int(parameters.get("duration", 5))
        seed = parameters.get("seed")
        render_w, render_h = self.ctx.render_dims(width, height)
        spec = VideoSpec(
            prompt, render_w, render_h, float(duration_s), 24, shots_in(prompt),
            bool(parameters.get("audio", True)), int(seed) if isinstance(seed, int) else 0,
        )  # fmt: skip
        data = {"duration_s": duration_s, "ratio": f"{width}*{height}", "prompt": prompt}
        task_id = f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
        return self.ctx.new_task(model, spec, task_id=task_id, data=data)

    async def get(self, request: Request) -> Response:
        """GET /api/v1/tasks/{id}: the task, or UNKNOWN when it is not (or no longer) known."""
        self._auth(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(500, "InternalError", "An internal error has occured, please try again.")
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        task_id = request.path_params["task_id"]
        task = self.ctx.tasks.get(task_id)
        if task is None or self.ctx.clock() - task.created_at_s >= TASK_VISIBLE_S:
            output = {"task_id": task_id, "task_status": "UNKNOWN"}
            return JSONResponse({"request_id": request_id(request), "output": output})
        return JSONResponse(self._task_json(request, task))

    def _task_json(self, request: Request, task: SimTask) -> dict[str, Any]:
        phase = self.ctx.observe(task)
        output: dict[str, Any] = {"task_id": task.id, "task_status": WORDS[phase]}
        body: dict[str, Any] = {"request_id": request_id(request), "output": output}
        if phase is Phase.SUCCEEDED:
            output["video_url"] = self.ctx.video_url(request, task)
            output["orig_prompt"] = task.data["prompt"]
            body["usage"] = {
                "video_duration": task.data["duration_s"],
                "video_ratio": task.data["ratio"],
                "video_count": 1,
            }
        elif phase is Phase.MODERATED:
            output["code"] = "DataInspectionFailed"
            output["message"] = "Output data may contain inappropriate content."
        elif phase is Phase.FAILED:
            output["code"] = "InternalError.Algo"
            output["message"] = "An error occurred in model serving, please try again."
        return body

    async def cancel(self, request: Request) -> Response:
        """POST …/cancel: only a PENDING task can be cancelled."""
        self._auth(request)
        task = self.ctx.tasks.get(request.path_params["task_id"])
        if task is None or self.ctx.observe(task) is not Phase.QUEUED:
            raise invalid(
                "Failed to cancel the task, please confirm if the task is in PENDING status.",
                "UnsupportedOperation",
            )
        task.cancelled_at_s = self.ctx.clock()
        return JSONResponse({"request_id": request_id(request)})


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The DashScope routes of one (profile) simulator."""
    ctx.request_id_header = "X-Request-Id"
    sim = WanSim(ctx)
    return [
        ctx.route(
            CREATE_PATH, sim.create, methods=["POST"], operation="create", on_error=sim.error
        ),
        ctx.route(TASK_PATH, sim.get, methods=["GET"], operation="get", on_error=sim.error),
        ctx.route(
            TASK_PATH + "/cancel",
            sim.cancel,
            methods=["POST"],
            operation="cancel",
            on_error=sim.error,
        ),  # fmt: skip
    ]


SIMULATOR = SimMount(segment="wan", base_path="wan", routes=routes)
