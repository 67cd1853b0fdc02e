"""Seedance on Volcengine Ark, simulated from Volcengine's task pages on their own.

Pages (volcengine.com/docs/82379/...): create 1520757, get 1521309, list 1521675.

Paths under `/ark/api/v3`: POST/GET (list) `/contents/generations/tasks`, GET/DELETE
`/contents/generations/tasks/{id}`. Not simulated: callbacks (`callback_url` is accepted
but never called), `last_frame_url`, the input-video token minimum, and fetching remote
input URLs (only inline data-URL images are decoded, for `adaptive` ratio and size checks).

Settings (`SimServer(settings={"ark": {...}})` or `server.context("ark").settings`):
`video_url_ttl_s` (24 h), `poll_hang_s` (75), `min_image_side_px` (300),
`endpoints` (endpoint id → model id; other `ep-` ids map to `default_endpoint_model`),
`retired_models` (ids answered 404 "no longer available"; default the Seedance 1.x ids),
`render_scale` (1.0; smaller renders smaller videos, the reported sizes and tokens unchanged).
Faults: `create_5xx_rate` and `create_drop_rate` make the task, then answer 500 or cut the
answer mid-body; `poll_5xx_rate`, `poll_timeout_rate`, `malformed_body_rate` on GET.
"""

from __future__ import annotations

import asyncio
import json
import re
import string
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.adapters.ark.sim_models import (
    MODELS,
    RETIRED_MODELS,
    ArkModel,
    nearest_ratio,
    pixel_size,
)
from vidbench.adapters.ark.sim_rules import (
    ParsedContent,
    apply_text_commands,
    bad,
    check_fields,
    check_task_type,
    parse_content,
    text_commands,
)
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError, SimMount, malformed_response, request_id
from vidbench.core.sim.media import DroppedAnswer, render_size
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

TASKS_PATH = "/api/v3/contents/generations/tasks"
VISIBLE_S = 7 * 86400  # GET and LIST only see the last 7 days
CANCELLED_KEPT_S = 86400  # cancelled records are removed after 24 h
DEFAULT_EXPIRES_AFTER_S = 172800
DEFAULT_DURATION_S = 5
FPS = 24
DEFAULT_ENDPOINT_MODEL = "doubao-seedance-2-0-260128"

STATUS_WORDS = {
    Phase.QUEUED: "queued",
    Phase.RUNNING: "running",
    Phase.SUCCEEDED: "succeeded",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
    Phase.CANCELLED: "cancelled",
    Phase.EXPIRED: "expired",
}
ERROR_TYPES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    429: "TooManyRequests",
}


def tokens_for(width: int, height: int, frames: int) -> int:
    """Billed tokens: W × H × 24 fps × seconds / 1024 (= W × H × frames / 1024), as Ark bills."""
    return width * height * frames // 1024


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The Ark content-generation routes for one (profile, provider) context."""
    ctx.request_id_header = "X-Request-Id"
    sim = _ArkSim(ctx)
    item_path = TASKS_PATH + "/{task_id}"
    return [
        ctx.route(TASKS_PATH, sim.create, methods=["POST"], operation="create", on_error=sim.error),
        ctx.route(TASKS_PATH, sim.list, methods=["GET"], operation="list", on_error=sim.error),
        ctx.route(item_path, sim.get, methods=["GET"], operation="get", on_error=sim.error),
        ctx.route(
            item_path, sim.delete, methods=["DELETE"], operation="delete", on_error=sim.error
        ),
    ]


class _ArkSim:
    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    # -- envelope, auth, lookup ------------------------------------------------------------

    def error(self, request: Request, exc: SimError) -> Response:
        """Ark's `{"error": {code, message, param, type}}` with the request id in the message."""
        body = {
            "error": {
                "code": exc.code,
                "message": f"{exc.message.rstrip('.')}. Request id: {request_id(request)}",
                "param": exc.param or "",
                "type": exc.type or ERROR_TYPES.get(exc.status, "InternalServiceError"),
            }
        }
        return JSONResponse(body, exc.status, headers=exc.headers)

    def _auth(self, request: Request) -> None:
        if request.headers.get("authorization", "") != f"Bearer {SIM_API_KEY}":
            raise SimError(
                401, "AuthenticationError", "The API key in the request is missing or invalid."
            )

    def _model(self, requested: str) -> tuple[str, ArkModel]:
        if requested in self.ctx.settings.get("retired_models", RETIRED_MODELS):
            raise SimError(
                404,
                "InvalidEndpointOrModel.NotFound",
                f"The model {requested} is no longer available; it has been retired.",
            )
        if requested in MODELS:
            return requested, MODELS[requested]
        endpoints: dict[str, str] = self.ctx.settings.get("endpoints", {})
        if requested in endpoints or requested.startswith("ep-"):
            model_id = endpoints.get(requested) or self.ctx.settings.get(
                "default_endpoint_model", DEFAULT_ENDPOINT_MODEL
            )
            return model_id, MODELS[model_id]
        raise SimError(
            404,
            "InvalidEndpointOrModel.NotFound",
            f"The model or endpoint {requested} does not exist or you do not have access to it.",
        )

    def _visible(self, task_id: str) -> SimTask:
        task = self.ctx.tasks.get(task_id)
        now = self.ctx.clock()
        gone = task is None or now - task.created_at_s >= VISIBLE_S
        if task is not None and task.cancelled_at_s is not None:
            gone = gone or now - task.cancelled_at_s >= CANCELLED_KEPT_S
        if gone or task is None:
            raise SimError(404, "ResourceNotFound", f"The specified task {task_id} is not found.")
        return task

    # -- create ----------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        """POST /contents/generations/tasks → `{"id": "cgt-..."}`."""
        self._auth(request)
        try:
            body = await request.json()
        except ValueError:
            raise bad("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise bad("The request body must be a JSON object.")
        requested = body.get("model")
        if not isinstance(requested, str) or not requested:
            raise bad("The parameter `model` is required.", "model", "MissingParameter")
        model_id, model = self._model(requested)
        min_side_px = int(self.ctx.settings.get("min_image_side_px", 300))
        content = parse_content(body.get("content"), model, min_side_px)
        prompt, commands = text_commands(content.text)
        fields = {k: v for k, v in body.items() if v is not None and k not in ("model", "content")}
        check_fields({"model": requested, **fields}, model)
        apply_text_commands(fields, commands, model)
        check_task_type(fields, content)
        if fields.get("camera_fixed") is not None and content.reference_images:
            raise bad("camera_fixed is not supported with reference images", "camera_fixed")
        text_only = content.first_frame is None and not content.reference_images
        if model.series == "1.0" and fields.get("ratio") == "adaptive" and text_only:
            raise bad("adaptive ratio is not supported for text-to-video on this model", "ratio")
        self._moderate(prompt)
        reason = self.ctx.admit_create(requested)
        if reason == "rate_limit_storm":
            raise SimError(
                429, "ServerOverloaded", "The service is overloaded, please try again later."
            )
        if reason is not None:
            raise SimError(
                429,
                "RateLimitExceeded.EndpointRPMExceeded",
                f"The request was rejected: the {reason} limit of endpoint {requested} was exceeded.",
            )
        task = self._new_task(requested, model_id, model, prompt, content, fields)
        if self.ctx.fault("create_5xx_rate"):  # the task exists; the client cannot know
            raise SimError(
                500, "InternalServiceError", "The service encountered an unexpected internal error."
            )
        answer: dict[str, Any] = {"id": task.id}
        if fields.get("safety_identifier"):
            answer["safety_identifier"] = fields["safety_identifier"]
        if self.ctx.fault("create_drop_rate"):  # made and billed; the answer never arrives
            return DroppedAnswer(json.dumps(answer).encode())
        return JSONResponse(answer)

    def _moderate(self, prompt: str) -> None:
        lowered = prompt.casefold()
        if any(word.casefold() in lowered for word in self.ctx.profile.input_moderation_words):
            raise bad(
                "The request failed because the input text may contain sensitive information.",
                "content",
                "InputTextSensitiveContentDetected",
            )

    def _new_task(
        self,
        requested: str,
        model_id: str,
        model: ArkModel,
        prompt: str,
        content: ParsedContent,
        fields: dict[str, Any],
    ) -> SimTask:
        resolution = fields.get("resolution") or model.default_resolution
        ratio = _resolved_ratio(model, content, fields)
        width, height = pixel_size(model, resolution, ratio)
        frames = self._frames(model, fields)  # draws before the seed and the id: keep the order
        requested_seed = int(fields.get("seed", -1))
        seed = self.ctx.rng.randint(0, 2**31 - 1) if requested_seed == -1 else requested_seed
        audio = bool(fields.get("generate_audio", True)) if model.audio else False
        task_id = self._task_id()
        expires_after_s = int(fields.get("execution_expires_after", DEFAULT_EXPIRES_AFTER_S))
        # Unseeded requests share one render per prompt and size (the render cache); the
        # response still reports the random seed Ark would have drawn.
        render_seed = 0 if requested_seed == -1 else requested_seed
        scale = float(self.ctx.settings.get("render_scale", 1.0))
        render_w, render_h = (width, height) if scale == 1.0 else render_size(width, height, scale)
        spec = VideoSpec(
            prompt, render_w, render_h, frames / FPS, FPS, shots_in(prompt), audio, render_seed
        )
        data = {
            "requested_model": requested,
            "model": model_id,
            "resolution": resolution,
            "ratio": ratio,
            "frames": frames,
            "frames_requested": fields.get("frames") is not None,
            "seed": seed,
            "generate_audio": audio if model.audio else None,
            "service_tier": fields.get("service_tier", "default"),
            "execution_expires_after": expires_after_s,
            "priority": fields.get("priority", 0) if model.is_2x else None,
            "draft": fields.get("draft", False) if model.draft else None,
            "tokens": tokens_for(width, height, frames),
        }
        return self.ctx.new_task(
            requested, spec, task_id=task_id, expires_after_s=expires_after_s, data=data
        )

    def _frames(self, model: ArkModel, fields: dict[str, Any]) -> int:
        """Frames to make: `frames` as sent, else the duration (drawn when it is -1) × FPS."""
        if fields.get("frames") is not None:
            return int(fields["frames"])
        duration = int(fields.get("duration", DEFAULT_DURATION_S))
        if duration == -1:  # the model picks; billed on what it made
            duration = self.ctx.rng.randint(model.min_duration_s, model.max_duration_s)
        return duration * FPS

    def _task_id(self) -> str:
        """A fresh `cgt-<local time>-<5 random characters>` id."""
        stamp = time.strftime("%Y%m%d%H%M%S", time.localtime(self.ctx.clock()))
        task_id = ""
        while not task_id or task_id in self.ctx.tasks:
            alphabet = string.ascii_lowercase + string.digits
            task_id = f"cgt-{stamp}-{''.join(self.ctx.rng.choice(alphabet) for _ in range(5))}"
        return task_id

    # -- get, list, delete -----------------------------------------------------------------

    async def get(self, request: Request) -> Response:
        """GET /contents/generations/tasks/{id}."""
        self._auth(request)
        if self.ctx.fault("poll_timeout_rate"):
            await asyncio.sleep(float(self.ctx.settings.get("poll_hang_s", 75.0)))
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(
                500, "InternalServiceError", "The service encountered an unexpected internal error."
            )
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        task = self._visible(request.path_params["task_id"])
        return JSONResponse(self._task_json(request, task))

    def _task_json(self, request: Request, task: SimTask) -> dict[str, Any]:
        phase = self.ctx.observe(task)
        now = self.ctx.clock()
        data = task.data
        body: dict[str, Any] = {
            "id": task.id,
            "model": data["model"],
            "status": STATUS_WORDS[phase],
            "error": None,
            "created_at": int(task.created_at_s),
            "updated_at": int(task.updated_at_s(now)),
            "seed": data["seed"],
            "resolution": data["resolution"],
            "ratio": data["ratio"],
            "framespersecond": FPS,
            "service_tier": data["service_tier"],
            "execution_expires_after": data["execution_expires_after"],
        }
        if data["frames_requested"]:
            body["frames"] = data["frames"]
        else:
            body["duration"] = data["frames"] // FPS
        for name in ("generate_audio", "priority", "draft"):
            if data[name] is not None:
                body[name] = data[name]
        if phase is Phase.SUCCEEDED:
            body["content"] = {"video_url": self.ctx.video_url(request, task)}
            body["usage"] = {"completion_tokens": data["tokens"], "total_tokens": data["tokens"]}
        elif phase is Phase.MODERATED:
            body["error"] = {
                "code": "OutputVideoSensitiveContentDetected",
                "message": "The generated video may contain sensitive information.",
            }
        elif phase is Phase.FAILED:
            body["error"] = {
                "code": "InternalServiceError",
                "message": "The video generation task failed.",
            }
        return body

    async def list(self, request: Request) -> Response:
        """GET /contents/generations/tasks?page_num&page_size&filter.*."""
        self._auth(request)
        query = request.query_params
        page_num = _page_param(query.get("page_num"), "page_num", 1)
        page_size = _page_param(query.get("page_size"), "page_size", 10)
        status = query.get("filter.status")
        if status is not None and status not in set(STATUS_WORDS.values()):
            raise bad(f"invalid filter.status {status!r}", "filter.status")
        model = query.get("filter.model")
        tier = query.get("filter.service_tier")
        ids = set(query.getlist("filter.task_ids"))
        matched: list[dict[str, Any]] = []
        for task in sorted(self.ctx.tasks.values(), key=lambda t: (-t.created_at_s, t.id)):
            try:
                self._visible(task.id)
            except SimError:
                continue
            if ids and task.id not in ids:
                continue
            if model is not None and task.data["requested_model"] != model:
                continue
            if tier is not None and task.data["service_tier"] != tier:
                continue
            item = self._task_json(request, task)
            if status is None or item["status"] == status:
                matched.append(item)
        start = (page_num - 1) * page_size
        return JSONResponse({"items": matched[start : start + page_size], "total": len(matched)})

    async def delete(self, request: Request) -> Response:
        """DELETE …/{id}: cancel a queued task, or remove a finished record (the delete page's state table)."""
        self._auth(request)
        task = self._visible(request.path_params["task_id"])
        phase = self.ctx.observe(task)
        if phase is Phase.QUEUED:
            task.cancelled_at_s = self.ctx.clock()
        elif phase in (Phase.RUNNING, Phase.CANCELLED):
            raise bad(
                f"The task {task.id} is {STATUS_WORDS[phase]} and cannot be cancelled or deleted.",
                "task_id",
            )
        else:
            del self.ctx.tasks[task.id]
        return JSONResponse({})


def _resolved_ratio(model: ArkModel, content: ParsedContent, fields: dict[str, Any]) -> str:
    """The fixed ratio made: as sent, else 16:9 for 1.0 text-only, else from the lead image."""
    has_image = content.first_frame is not None or bool(content.reference_images)
    ratio = fields.get("ratio") or (
        "16:9" if model.series == "1.0" and not has_image else "adaptive"
    )
    if ratio != "adaptive":
        return str(ratio)
    size = content.lead_image_size
    return nearest_ratio(*size) if size else "16:9"


def _page_param(raw: str | None, name: str, default: int) -> int:
    if raw is None:
        return default
    if not re.fullmatch(r"\d+", raw) or not 1 <= int(raw) <= 500:
        raise bad(f"{name} must be an integer within [1, 500]", name)
    return int(raw)


SIMULATOR = SimMount(segment="ark", base_path="ark/api/v3", routes=routes)
