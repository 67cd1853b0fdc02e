"""The Kling API simulator: JWT auth, text2video / image2video / omni-video tasks, unit billing.

Contract: Kling's API documentation (kling.ai/document-api) as read Oct–Nov 2026, read on its own
(apart from the adapter); omni-video's body rules are in `adapters/kling/sim_omni.py`. Every
answer is an HTTP status plus `{code, message, request_id}` (+ `data` on success). Concurrency
is per account, as on Kling: one slot per non-terminal task across all families; GETs are
never limited.

Settings (`SimServer(settings={"kling": {...}})`):
  render_scale: float (default 1.0) shrinks rendered videos, so tests stay fast;
  video_url_ttl_s: float (default 30 days, Kling's output lifetime);
  reject_cfg_scale_v2: bool (default True) rejects `cfg_scale` on v2.x/v3 models
  (whether Kling rejects or ignores it is unconfirmed by the documentation).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.adapters.kling import sim_omni
from vidbench.adapters.kling.sim_checks import (
    RATIOS,
    check_token,
    image_ratio,
    invalid,
    kling_error,
)
from vidbench.core.sim.common import SimContext, SimError, SimMount, malformed_response
from vidbench.core.sim.common import request_id as current_request_id
from vidbench.core.sim.media import DroppedAnswer
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec

ACCOUNT = "account"  # Kling's concurrency is account-wide: every task counts against one key
FAMILIES = {"text2video": "t2v", "image2video": "i2v", "omni-video": "omni"}
MAX_PROMPT_CHARS = 2500
FPS = 24
URL_TTL_S = 30 * 24 * 3600.0  # Kling deletes outputs after 30 days (the task query page)
# Units per output second by (mode, sound): the provider's side of its price list
# (https://kling.ai/document-api/pricing/base/video).
# fmt: off
UNITS_PER_S: dict[str, dict[tuple[str, bool], float]] = {
    "kling-v3": {("std", False): 0.6, ("pro", False): 0.8, ("std", True): 0.9, ("pro", True): 1.2},
    "kling-v2-6": {("std", False): 0.3, ("pro", False): 0.5, ("pro", True): 1.0},
    "kling-v2-5-turbo": {("std", False): 0.3, ("pro", False): 0.5},
    "kling-v2-1-master": {("std", False): 2.0, ("pro", False): 2.0},
    "kling-v2-master": {("std", False): 2.0, ("pro", False): 2.0},
    "kling-v1-6": {("std", False): 0.4, ("pro", False): 0.7},
    "kling-v1": {("std", False): 0.2, ("pro", False): 0.7},
}
# fmt: on
CFG_SCALE_MODELS = ("kling-v1", "kling-v1-6")
FAILURE_MESSAGE = "Task failed: internal error while generating the video, please retry"
MODERATION_MESSAGE = "Failure to pass the risk control system: output content safety check"


def render_error(request: Request, exc: SimError) -> Response:
    """Kling's error envelope; crashes (non-numeric codes) become 5000."""
    code = int(exc.code) if exc.code.isdigit() else 5000
    body = {"code": code, "message": exc.message, "request_id": current_request_id(request)}
    return JSONResponse(body, exc.status, headers=exc.headers)


def succeed(request: Request, data: Any) -> JSONResponse:
    """Kling's success envelope."""
    body = {
        "code": 0,
        "message": "SUCCEED",
        "request_id": current_request_id(request),
        "data": data,
    }
    return JSONResponse(body)


def output_size(model: str, mode: str, ratio: str) -> tuple[int, int]:
    """Width and height Kling delivers: std 720p, pro 1080p (kling-v1 pro stays 720p), 4k."""
    short = 1080 if (mode == "pro" and model != "kling-v1") or "master" in model else 720
    short = 2160 if mode == "4k" else short
    long = short * 16 // 9
    return {"16:9": (long, short), "9:16": (short, long), "1:1": (short, short)}[ratio]


def validate_create(family: str, body: dict[str, Any], reject_cfg_scale: bool) -> dict[str, Any]:
    """The normalised task fields of a create body, or a 1201/1203 SimError."""
    model = body.get("model_name") or "kling-v1"  # the legacy `model` field acts as empty
    if model not in UNITS_PER_S:
        raise kling_error(404, 1203, f"model {model!r} not found")
    prompt = body.get("prompt") or ""
    shot_type = body.get("shot_type")
    if not isinstance(prompt, str) or len(prompt) > MAX_PROMPT_CHARS:
        raise invalid(f"prompt must be a string of at most {MAX_PROMPT_CHARS} characters")
    if family == "t2v" and not prompt and shot_type != "customize":
        raise invalid("prompt is required")
    durations = [str(d) for d in (range(3, 16) if model == "kling-v3" else (5, 10))]
    duration = body.get("duration", "5")
    if duration not in durations:
        raise invalid(f"duration must be one of {durations} (a string) for {model}")
    mode = body.get("mode", "std")
    if mode not in ("std", "pro"):
        raise invalid("mode must be 'std' or 'pro'")
    sound = body.get("sound", "off")
    if sound not in ("on", "off"):
        raise invalid("sound must be 'on' or 'off'")
    if sound == "on" and (mode, True) not in UNITS_PER_S[model]:
        raise invalid(f"sound is not supported by {model} in {mode} mode")
    if "cfg_scale" in body and reject_cfg_scale and model not in CFG_SCALE_MODELS:
        raise invalid(f"cfg_scale is not supported by {model}")
    ratio = _family_ratio(family, body)
    shots = _shots(model, body, int(duration))
    external_id = body.get("external_task_id")
    if external_id is not None and (not isinstance(external_id, str) or not external_id):
        raise invalid("external_task_id must be a non-empty string")
    watermark = bool((body.get("watermark_info") or {}).get("enabled", False))
    return {"model": model, "prompt": prompt, "duration": duration, "mode": mode,
            "sound": sound == "on", "ratio": ratio, "shots": shots, "external_id": external_id,
            "watermark": watermark}  # fmt: skip


def _family_ratio(family: str, body: dict[str, Any]) -> str:
    if family == "t2v":
        ratio = body.get("aspect_ratio", "16:9")
        if ratio not in RATIOS:
            raise invalid(f"aspect_ratio must be one of {list(RATIOS)}")
        return str(ratio)
    if "aspect_ratio" in body:
        raise invalid("aspect_ratio is not a field of image2video (the image sets it)")
    image, tail = body.get("image"), body.get("image_tail")
    if not image and not tail:
        raise invalid("image or image_tail is required")
    if tail and (
        body.get("camera_control") or body.get("static_mask") or body.get("dynamic_masks")
    ):
        raise invalid("image_tail, masks and camera_control are mutually exclusive")
    ratios = [image_ratio(str(v), k) for k, v in (("image", image), ("image_tail", tail)) if v]
    return next((r for r in ratios if r), "16:9")


def _shots(model: str, body: dict[str, Any], duration_s: int) -> int:
    if not body.get("multi_shot"):
        return 1
    if model != "kling-v3":
        raise invalid(f"multi_shot is not supported by {model}")
    shot_type = body.get("shot_type")
    if shot_type == "intelligence":
        return 2  # Kling chooses the cuts; the simulator renders one
    if shot_type != "customize":
        raise invalid("shot_type must be 'customize' or 'intelligence'")
    shots = body.get("multi_prompt")
    if not isinstance(shots, list) or not 1 <= len(shots) <= 6:
        raise invalid("multi_prompt must list 1 to 6 shots")
    try:
        total = sum(int(shot["duration"]) for shot in shots)
        too_long = any(len(str(shot["prompt"])) > 512 for shot in shots)
    except (KeyError, TypeError, ValueError):
        raise invalid("each multi_prompt shot needs a prompt and a duration") from None
    if too_long or total != duration_s:
        raise invalid("multi_prompt prompts must be ≤512 chars and durations must sum to duration")
    return len(shots)


class KlingSim:
    """State and handlers of one (profile, Kling) simulator."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.by_external: dict[str, str] = {}  # external_task_id → task id (account-wide)

    async def create(self, request: Request, family: str) -> Response:
        """POST /v1/videos/{family}."""
        check_token(request.headers.get("authorization"), self.ctx.clock())
        try:
            body = await request.json()
        except ValueError:
            raise kling_error(400, 1200, "request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise kling_error(400, 1200, "request body must be a JSON object")
        if family == "omni":
            fields = sim_omni.validate_omni_create(body)
        else:
            reject_cfg = self.ctx.settings.get("reject_cfg_scale_v2", True)
            fields = validate_create(family, body, reject_cfg)
        external_id = fields["external_id"]
        if external_id is not None and external_id in self.by_external:
            raise invalid(f"external_task_id {external_id!r} already exists")
        lowered = fields["prompt"].lower()
        if any(word in lowered for word in self.ctx.profile.input_moderation_words):
            raise kling_error(400, 1301, "Content security policy triggered: prompt rejected")
        refused = self.ctx.admit_create(ACCOUNT)
        if refused == "concurrency":
            raise kling_error(429, 1303, "parallel task over resource pack limit")
        if refused is not None:
            raise kling_error(429, 1302, "Too many requests, please slow down")
        task = self.ctx.new_task(ACCOUNT, self._spec(fields), task_id=_task_id(),
                                 data={**fields, "family": family})  # fmt: skip
        if external_id is not None:
            self.by_external[external_id] = task.id
        if self.ctx.fault("create_5xx_rate"):  # created, but the client cannot know
            raise kling_error(500, 5000, "internal server error")
        # Kling answers a create with the task as submitted, whatever the clock says.
        answer = succeed(request, self._task_data(request, task, just_created=True))
        if self.ctx.fault("create_drop_rate"):  # made and billed; the answer is cut
            return DroppedAnswer(bytes(answer.body))
        return answer

    def _spec(self, fields: dict[str, Any]) -> VideoSpec:
        width, height = output_size(fields["model"], fields["mode"], fields["ratio"])
        scale = float(self.ctx.settings.get("render_scale", 1.0))
        return VideoSpec(
            prompt=fields["prompt"], width=_even(width * scale), height=_even(height * scale),
            duration_s=float(fields["duration"]), fps=FPS, shots=fields["shots"],
            audio=fields["sound"], seed=self.ctx.rng.randrange(2**31),
        )  # fmt: skip

    def _find(self, family: str, task_ref: str) -> SimTask:
        task = self.ctx.tasks.get(task_ref) or self.ctx.tasks.get(
            self.by_external.get(task_ref, "")
        )
        if task is None or task.data.get("family") != family:
            raise kling_error(404, 1203, f"task {task_ref!r} not found")
        return task

    async def get(self, request: Request, family: str) -> Response:
        """GET /v1/videos/{family}/{id}: id is a task_id or an external_task_id."""
        check_token(request.headers.get("authorization"), self.ctx.clock())
        task = self._find(family, request.path_params["task_ref"])
        if self.ctx.fault("poll_5xx_rate"):
            raise kling_error(500, 5000, "internal server error")
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        return succeed(request, self._task_data(request, task))

    async def list(self, request: Request, family: str) -> Response:
        """GET /v1/videos/{family}?pageNum=&pageSize= (newest first)."""
        check_token(request.headers.get("authorization"), self.ctx.clock())
        page = _int_param(request, "pageNum", 1, 1, 1000)
        size = _int_param(request, "pageSize", 30, 1, 500)
        tasks = [t for t in self.ctx.tasks.values() if t.data.get("family") == family]
        tasks.sort(key=lambda t: t.created_at_s, reverse=True)
        chosen = tasks[(page - 1) * size : page * size]
        return succeed(request, [self._task_data(request, t) for t in chosen])

    def _task_data(
        self, request: Request, task: SimTask, just_created: bool = False
    ) -> dict[str, Any]:
        now = task.created_at_s if just_created else self.ctx.clock()
        phase = Phase.QUEUED if just_created else self.ctx.observe(task)
        fields = task.data
        data: dict[str, Any] = {
            "task_id": task.id,
            "task_status": _STATUS[phase],
            "task_info": {"external_task_id": fields["external_id"]}
            if fields["external_id"]
            else {},
            "watermark_info": {"enabled": fields["watermark"]},
            "created_at": int(task.created_at_s * 1000),
            "updated_at": int(task.updated_at_s(now) * 1000),
        }
        if phase is Phase.FAILED:
            data["task_status_msg"] = FAILURE_MESSAGE
        elif phase is Phase.MODERATED:
            data["task_status_msg"] = MODERATION_MESSAGE
        if phase is Phase.SUCCEEDED:
            url = self.ctx.video_url(request, task)
            video = {"id": f"{task.id}-0", "url": url, "duration": fields["duration"]}
            if fields["watermark"]:
                video["watermark_url"] = url + "&watermark=1"
            data["task_result"] = {"videos": [video]}
        if phase.terminal:
            data["final_unit_deduction"] = _units(fields) if phase is Phase.SUCCEEDED else "0"
        return data


_STATUS = {
    Phase.QUEUED: "submitted",
    Phase.RUNNING: "processing",
    Phase.SUCCEEDED: "succeed",
    Phase.FAILED: "failed",
    Phase.MODERATED: "failed",
    Phase.CANCELLED: "failed",
    Phase.EXPIRED: "failed",
}


def _units(fields: dict[str, Any]) -> str:
    if fields["family"] == "omni":
        return sim_omni.units(fields)
    rate = UNITS_PER_S[fields["model"]][(fields["mode"], fields["sound"])]
    return f"{round(rate * int(fields['duration']), 4):g}"


def _task_id() -> str:
    # Kling task ids are long numeric strings.
    return str(10**17 + secrets.randbelow(9 * 10**17))


def _even(value: float) -> int:
    # H.264 with yuv420p needs even dimensions.
    return max(2, int(round(value / 2)) * 2)


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise invalid(f"{name} must be between {low} and {high}")
    return value


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The Kling routes, relative to the `/kling` prefix."""
    ctx.settings.setdefault("video_url_ttl_s", URL_TTL_S)
    sim = KlingSim(ctx)
    table: list[BaseRoute] = []
    for path_name, family in FAMILIES.items():
        base = f"/v1/videos/{path_name}"

        async def create(request: Request, family: str = family) -> Response:
            return await sim.create(request, family)

        async def get(request: Request, family: str = family) -> Response:
            return await sim.get(request, family)

        async def list_tasks(request: Request, family: str = family) -> Response:
            return await sim.list(request, family)

        table += [
            ctx.route(base, create, methods=["POST"], operation="create", on_error=render_error),
            ctx.route(base, list_tasks, methods=["GET"], operation="list", on_error=render_error),
            ctx.route(base + "/{task_ref}", get, methods=["GET"], operation="get",
                      on_error=render_error),
        ]  # fmt: skip

    async def unknown(request: Request) -> Response:
        raise kling_error(404, 1202, f"no such method: {request.method} {request.url.path}")

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    table.append(ctx.route("/{rest:path}", unknown, methods=methods, operation="unmatched",
                           on_error=render_error))  # fmt: skip
    return table


SIMULATOR = SimMount(segment="kling", base_path="kling", routes=routes)
