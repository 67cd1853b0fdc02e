"""Simulator of Luma's Agents API, mounted at `{root}/luma/v1` (read from Luma's SDK
`luma-agents` 0.5.0 and the pages cited in `../shared/specs/providers-2026-12.md` on their own,
apart from the adapter).

- Bearer `SIM_API_KEY`; every answer carries `X-API-Version: 2026-04-01` (U).
- `POST /v1/generations` `{model: "ray-3.2", type: "video", prompt, aspect_ratio, video:
  {duration: "5s" | "10s", resolution: 360p | 540p | 720p | 1080p, loop, hdr}, user_id}` →
  201 the generation (`queued`); `GET /v1/generations/{id}` → `queued | processing |
  completed | failed`, `output: [{type: "video", url}]` once completed (presigned, an hour),
  `failure_code` / `failure_reason` when failed (moderation: `content_moderated`).
- `GET /v1/files?limit=N` → `{data: [], has_more: false}` (no uploads are kept here).
Errors are `{"error": {"code", "message"}}`: the envelope is not in the SDK (it reads any
JSON), so this shape is a reading to confirm. Other types (`video_edit`, images) are refused.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError, SimMount, malformed_response
from vidbench.core.sim.media import DroppedAnswer
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

API_VERSION = "2026-04-01"
URL_TTL_S = 3600.0
HEIGHTS = {"360p": 360, "540p": 540, "720p": 720, "1080p": 1080}
RATIOS = {"3:1": 3.0, "2:1": 2.0, "21:9": 21 / 9, "16:9": 16 / 9, "4:3": 4 / 3, "3:2": 1.5,
          "1:1": 1.0, "3:4": 0.75, "2:3": 2 / 3, "9:16": 9 / 16, "1:2": 0.5, "1:3": 1 / 3}  # fmt: skip


def _on_error(request: Request, exc: SimError) -> Response:
    body = {"error": {"code": exc.code or "invalid_request", "message": exc.message}}
    return JSONResponse(body, exc.status, headers={"X-API-Version": API_VERSION, **exc.headers})


def _invalid(message: str) -> SimError:
    return SimError(400, "invalid_request", message)


def validate(body: Any) -> dict[str, Any]:
    """A create body against this simulator's reading of a `ray-3.2` video generation."""
    if not isinstance(body, dict):
        raise _invalid("the body must be a JSON object")
    if body.get("model", "uni-1") != "ray-3.2" or body.get("type") != "video":
        raise _invalid("this simulator serves model ray-3.2 with type video only")
    if not isinstance(body.get("prompt"), str) or not body["prompt"].strip():
        raise _invalid("prompt is required")
    if body.get("aspect_ratio", "16:9") not in RATIOS:
        raise _invalid(f"aspect_ratio must be one of {', '.join(RATIOS)}")
    video = body.get("video") or {}
    if not isinstance(video, dict):
        raise _invalid("video must be an object")
    if video.get("duration", "5s") not in ("5s", "10s"):
        raise _invalid("video.duration must be one of 5s, 10s")
    if video.get("resolution", "720p") not in HEIGHTS:
        raise _invalid(f"video.resolution must be one of {', '.join(HEIGHTS)}")
    if video.get("loop") and video.get("duration") == "10s":
        raise _invalid("video.loop is not supported with duration 10s")
    return body


def _iso(when_s: float) -> str:
    return datetime.datetime.fromtimestamp(when_s, datetime.UTC).isoformat().replace("+00:00", "Z")


class LumaSim:
    """One (profile) simulator of the Agents API's generations."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    def guard(self, request: Request) -> None:
        if request.headers.get("authorization", "") != f"Bearer {SIM_API_KEY}":
            raise SimError(401, "unauthorized", "Invalid or missing API key")

    def _spec(self, body: dict[str, Any]) -> VideoSpec:
        video = body.get("video") or {}
        height_px = HEIGHTS[video.get("resolution", "720p")]
        width_px = int(round(height_px * RATIOS[body.get("aspect_ratio", "16:9")] / 2)) * 2
        width_px, height_px = self.ctx.render_dims(width_px, height_px)
        prompt = str(body["prompt"])
        return VideoSpec(prompt=prompt, width=width_px, height=height_px,
                         duration_s=float(str(video.get("duration", "5s")).removesuffix("s")),
                         shots=shots_in(prompt), audio=False)  # fmt: skip

    def generation(self, request: Request, task: SimTask) -> dict[str, Any]:
        """The generation object now."""
        phase = self.ctx.observe(task)
        state = {Phase.QUEUED: "queued", Phase.RUNNING: "processing", Phase.SUCCEEDED: "completed"}.get(phase, "failed")  # fmt: skip
        body: dict[str, Any] = {"id": task.id, "created_at": _iso(task.created_at_s), "model": "ray-3.2",
                                "type": "video", "state": state, "failure_code": None,
                                "failure_reason": None, "output": None}  # fmt: skip
        if phase is Phase.SUCCEEDED:
            body["output"] = [{"type": "video", "url": self.ctx.video_url(request, task)}]
        elif phase is Phase.MODERATED:
            body.update(failure_code="content_moderated", failure_reason="The output was moderated.")  # fmt: skip
        elif state == "failed":
            body.update(failure_code="generation_failed", failure_reason="The generation failed.")
        return body

    async def create(self, request: Request) -> Response:
        """POST /v1/generations."""
        self.guard(request)
        try:
            given = json.loads(await request.body() or b"null")
        except ValueError:
            raise _invalid("the body is not JSON") from None
        body = validate(given)
        if self.ctx.admit_create("ray-3.2") in ("rate_limit_storm", "rpm"):
            raise SimError(429, "rate_limited", "Too many requests", headers={"Retry-After": "2"})
        task = self.ctx.new_task("ray-3.2", self._spec(body), task_id=str(uuid.uuid4()), data={"input": body})  # fmt: skip
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "internal_error", "Internal server error")
        answer = self.generation(request, task)
        if self.ctx.fault("create_drop_rate"):
            return DroppedAnswer(json.dumps(answer).encode())
        return JSONResponse(answer, 201, headers={"X-API-Version": API_VERSION})

    async def get(self, request: Request) -> Response:
        """GET /v1/generations/{id}."""
        self.guard(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(503, "unavailable", "Service unavailable")
        task = self.ctx.tasks.get(request.path_params["generation_id"])
        if task is None:
            raise SimError(404, "not_found", "Generation not found")
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        return JSONResponse(self.generation(request, task), headers={"X-API-Version": API_VERSION})  # fmt: skip

    async def files(self, request: Request) -> Response:
        """GET /v1/files: the key's uploads (none here)."""
        self.guard(request)
        return JSONResponse({"data": [], "has_more": False, "next_cursor": None})


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The generation routes for one (profile, provider) context."""
    ctx.settings.setdefault("video_url_ttl_s", URL_TTL_S)
    sim = LumaSim(ctx)
    return [
        ctx.route("/v1/generations", sim.create, methods=["POST"], operation="create", on_error=_on_error),
        ctx.route("/v1/generations/{generation_id}", sim.get, methods=["GET"], operation="poll", on_error=_on_error),
        ctx.route("/v1/files", sim.files, methods=["GET"], operation="files", on_error=_on_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="luma", base_path="luma/v1", routes=routes)
