"""MiniMax video generation, simulated (read from the contract on its own).

Paths under the provider prefix `/minimax`: POST `/v1/video_generation`, GET
`/v1/query/video_generation?task_id=`, GET `/v1/files/retrieve?file_id=`. As MiniMax
does, errors come back with HTTP 200 and a non-zero `base_resp.status_code` (1002 rate
limit, 1004 authentication, 1026 input / 1027 output sensitive content, 2013 invalid
parameters); only a crash answers 500. Settings: `video_url_ttl_s` (24 h).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError, SimMount, malformed_response
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

# model → allowed (resolution, seconds); H3 per the relays, 2.3 per the docs.
MODELS: dict[str, frozenset[tuple[str, int]]] = {
    "MiniMax-H3": frozenset({("768P", 6), ("768P", 10), ("2K", 6), ("2K", 10)}),
    "MiniMax-Hailuo-2.3": frozenset({("768P", 6), ("768P", 10), ("1080P", 6)}),
    "MiniMax-Hailuo-2.3-Fast": frozenset({("768P", 6), ("768P", 10), ("1080P", 6)}),
}
NEEDS_FIRST_FRAME = frozenset({"MiniMax-Hailuo-2.3-Fast"})
SIZES = {"768P": (1366, 768), "1080P": (1920, 1080), "2K": (2560, 1440)}
FIELDS = frozenset(
    {"model", "prompt", "duration", "resolution", "prompt_optimizer", "fast_pretreatment",
     "first_frame_image", "last_frame_image", "callback_url", "aigc_watermark"}
)  # fmt: skip
WORDS = {
    Phase.QUEUED: "Queueing",
    Phase.RUNNING: "Processing",
    Phase.SUCCEEDED: "Success",
    Phase.FAILED: "Fail",
    Phase.MODERATED: "Fail",
    Phase.CANCELLED: "Fail",
    Phase.EXPIRED: "Fail",
}


def refusal(code: int, message: str) -> SimError:
    """An error MiniMax answers with HTTP 200 and `base_resp`."""
    return SimError(200, str(code), message)


def check_create(body: Any) -> dict[str, Any]:
    """The create body's fields, models, durations and images (2013 otherwise)."""
    if not isinstance(body, dict):
        raise refusal(2013, "invalid params, body must be a JSON object")
    unknown = set(body) - FIELDS
    if unknown:
        raise refusal(2013, f"invalid params, unknown field {sorted(unknown)[0]}")
    model = body.get("model")
    if model not in MODELS:
        raise refusal(2013, f"invalid params, model {model} is not supported")
    prompt = body.get("prompt", "")
    if not isinstance(prompt, str) or len(prompt) > 2000:
        raise refusal(2013, "invalid params, prompt must be a string of at most 2000 characters")
    pair = (body.get("resolution", "768P"), body.get("duration", 6))
    if pair not in MODELS[model]:
        raise refusal(2013, f"invalid params, {pair[0]} {pair[1]}s is not supported by {model}")
    for name in ("first_frame_image", "last_frame_image"):
        value = body.get(name)
        if value is not None and not str(value).startswith(("http://", "https://", "data:image/")):
            raise refusal(2013, f"invalid params, {name} must be a URL or a data:image URL")
    if model in NEEDS_FIRST_FRAME and not body.get("first_frame_image"):
        raise refusal(2013, f"invalid params, {model} needs first_frame_image")
    if body.get("last_frame_image") and not body.get("first_frame_image"):
        raise refusal(2013, "invalid params, last_frame_image needs first_frame_image")
    return body


class MiniMaxSim:
    """One (profile) simulator of MiniMax's three video calls."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.files: dict[str, SimTask] = {}  # file_id → task

    def error(self, request: Request, exc: SimError) -> Response:
        """`base_resp` with the code; HTTP 200 unless the simulator itself crashed."""
        code = int(exc.code) if exc.code.isdigit() else 1000
        body = {"base_resp": {"status_code": code, "status_msg": exc.message}}
        return JSONResponse(body, exc.status if exc.status >= 500 else 200, headers=exc.headers)

    def _auth(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {SIM_API_KEY}":
            raise refusal(
                1004,
                "login fail: Please carry the API secret key in the 'Authorization' field of the request header",
            )

    async def create(self, request: Request) -> Response:
        """POST /v1/video_generation → `{"task_id", "base_resp"}`."""
        self._auth(request)
        try:
            body = check_create(await request.json())
        except ValueError:
            raise refusal(2013, "invalid params, body is not JSON") from None
        prompt = str(body.get("prompt", ""))
        if any(w.casefold() in prompt.casefold() for w in self.ctx.profile.input_moderation_words):
            raise refusal(1026, "input new_sensitive")
        if self.ctx.admit_create(body["model"]) is not None:
            raise refusal(1002, "rate limit exceeded")
        task = self._new_task(body, prompt)
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "1000", "unknown error")
        return JSONResponse(
            {"task_id": task.id, "base_resp": {"status_code": 0, "status_msg": "success"}}
        )

    def _new_task(self, body: dict[str, Any], prompt: str) -> SimTask:
        resolution = body.get("resolution", "768P")
        width, height = SIZES[resolution]
        seconds = int(body.get("duration", 6))
        audio = body["model"] == "MiniMax-H3"
        render_w, render_h = self.ctx.render_dims(width, height)
        spec = VideoSpec(prompt, render_w, render_h, float(seconds), 24, shots_in(prompt), audio, 0)
        task_id = str(self.ctx.rng.randrange(10**17, 10**18))
        file_id = str(self.ctx.rng.randrange(10**17, 10**18))
        data = {"file_id": file_id, "size": (width, height)}
        return self.ctx.new_task(body["model"], spec, task_id=task_id, data=data)

    async def query(self, request: Request) -> Response:
        """GET /v1/query/video_generation?task_id=."""
        self._auth(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(500, "1000", "unknown error")
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        task = self.ctx.tasks.get(request.query_params.get("task_id", ""))
        if task is None:
            raise refusal(2013, "invalid params, task_id not found")
        phase = self.ctx.observe(task)
        answer: dict[str, Any] = {"task_id": task.id, "status": WORDS[phase], "file_id": ""}
        base = {"status_code": 0, "status_msg": "success"}
        if phase is Phase.SUCCEEDED:
            width, height = task.data["size"]
            answer.update(file_id=task.data["file_id"], video_width=width, video_height=height)
            self.files[task.data["file_id"]] = task
        elif phase is Phase.MODERATED:
            base = {"status_code": 1027, "status_msg": "output new_sensitive"}
        elif phase.terminal:
            base = {"status_code": 1000, "status_msg": "video generation failed"}
        return JSONResponse({**answer, "base_resp": base})

    async def retrieve(self, request: Request) -> Response:
        """GET /v1/files/retrieve?file_id= → `file.download_url` (signed, expiring)."""
        self._auth(request)
        file_id = request.query_params.get("file_id", "")
        task = self.files.get(file_id)
        if task is None:
            raise refusal(2013, "invalid params, file not found")
        file = {
            "file_id": int(file_id), "bytes": 0, "created_at": int(task.finished_at_s),
            "filename": f"output_{secrets.token_hex(4)}.mp4", "purpose": "video_generation",
            "download_url": self.ctx.video_url(request, task),
        }  # fmt: skip
        return JSONResponse(
            {"file": file, "base_resp": {"status_code": 0, "status_msg": "success"}}
        )


def routes(ctx: SimContext) -> list[BaseRoute]:
    """MiniMax's video routes for one (profile) simulator."""
    sim = MiniMaxSim(ctx)
    return [
        ctx.route("/v1/video_generation", sim.create, methods=["POST"], operation="create", on_error=sim.error),
        ctx.route("/v1/query/video_generation", sim.query, methods=["GET"], operation="get", on_error=sim.error),
        ctx.route("/v1/files/retrieve", sim.retrieve, methods=["GET"], operation="file", on_error=sim.error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="minimax", base_path="minimax", routes=routes)
