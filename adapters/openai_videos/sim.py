"""Simulator of the OpenAI videos API (Sora 2), mounted at `{root}/openai/v1`
(read from the official SDK on its own, apart from the adapter).

Endpoints: `POST /videos` (multipart or JSON), `GET /videos/{id}`, `GET /videos`
(after/limit/order), `DELETE /videos/{id}`, `GET /videos/{id}/content?variant=...`.
Bearer auth with `vidbench.core.sim.SIM_API_KEY`; errors in the OpenAI envelope
`{"error": {message, type, param, code}}` with an `x-request-id` header. Create-body
checks are in `adapters/openai_videos/sim_rules.py`; thumbnails and the truncated download in
`vidbench.core.sim.media`.

Settings (`SimServer(settings={"openai": {...}})`):
- `shutdown` (bool, default False; also env `VIDBENCH_SIM_OPENAI_SHUTDOWN=1` read when the
  routes are built): every endpoint answers 404 `model_not_found` saying the API was shut
  down, as OpenAI's own endpoint does since 2026-09-24.
- `content_ttl_s` (default 86400): content is gone this long after `completed_at`.
- `poll_after_ms`: the `openai-poll-after-ms` hint; default a fifth of the profile's median
  queue + run time, clamped to 50..1000 ms (the SDK's own default is 1000 ms).
- `render_scale` (default 1.0): render at this fraction of `size` to keep tests fast; the
  Video object still reports the requested `size`.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.adapters.openai_videos.sim_rules import api_error, read_create_body, validate
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import (
    RenderFailed,
    SimContext,
    SimError,
    SimMount,
    malformed_response,
)
from vidbench.core.sim.media import DroppedAnswer, TruncatedFileResponse, render_size, still_images
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

DEFAULT_CONTENT_TTL_S = 24 * 3600.0
SHUTDOWN_ENV = "VIDBENCH_SIM_OPENAI_SHUTDOWN"
SHUTDOWN_MESSAGE = (
    "The Sora video API was shut down on 2026-09-24; sora-2 and sora-2-pro are no longer available."
)
VARIANTS = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/webp"}


def _on_error(request: Request, exc: SimError) -> Response:
    body = {
        "error": {
            "message": exc.message,
            "type": exc.type or "invalid_request_error",
            "param": exc.param,
            "code": exc.code or None,
        }
    }
    return JSONResponse(body, exc.status, headers=exc.headers)


def _status_of(task: SimTask, phase: Phase, now: float) -> tuple[str, int]:
    """The Video object's `status` and `progress` for a phase."""
    if phase is Phase.QUEUED:
        return "queued", 0
    if phase is Phase.RUNNING:
        return "in_progress", min(99, int(100 * (now - task.started_at_s) / max(task.run_s, 1e-9)))
    if phase is Phase.SUCCEEDED:
        return "completed", 100
    return "failed", 100


def _error_of(phase: Phase, status: str) -> dict[str, str] | None:
    """The Video object's `error`: moderation, a plain failure, or none."""
    if phase is Phase.MODERATED:
        return {
            "code": "moderation_blocked",
            "message": "Your generated video was blocked by our moderation system.",
        }
    if status == "failed":
        return {"code": "internal_error", "message": "Video generation failed. Please try again."}
    return None


def _rate_limited(model: str, reason: str, limit: int) -> SimError:
    """OpenAI's 429 with its retry and rate-limit headers."""
    return api_error(
        429,
        f"Rate limit reached for {model} ({reason}): limit {limit} requests per minute.",
        code="rate_limit_exceeded",
        type="requests",
        headers={
            "retry-after": "2",
            "retry-after-ms": "2000",
            "x-ratelimit-limit-requests": str(limit),
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "2s",
        },
    )


def _server_error() -> SimError:
    return api_error(
        500, "The server had an error while processing your request.", type="server_error"
    )


def _page_limit(raw: str) -> int:
    """The list's `limit` (0-100, default 20), or a 400."""
    try:
        limit = int(raw)
    except ValueError:
        limit = -1
    if not 0 <= limit <= 100:
        raise api_error(
            400, "limit must be an integer between 0 and 100", code="invalid_value", param="limit"
        )
    return limit


class OpenAIVideosSim:
    """One (profile) simulator of the videos API: create, retrieve, list, delete, content."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        settings = ctx.settings
        self.shutdown = bool(settings.get("shutdown")) or os.environ.get(SHUTDOWN_ENV) == "1"
        self.content_ttl_s = float(settings.get("content_ttl_s", DEFAULT_CONTENT_TTL_S))
        median_s = ctx.profile.queue_s[0] + ctx.profile.run_s[0]
        default_ms = min(1000, max(50, int(median_s * 200)))
        self.poll_after_ms = int(settings.get("poll_after_ms", default_ms))
        self.render_scale = float(settings.get("render_scale", 1.0))

    def guard(self, request: Request) -> None:
        """The shutdown answer when set, else Bearer auth."""
        if self.shutdown:
            raise api_error(404, SHUTDOWN_MESSAGE, code="model_not_found", param="model")
        header = request.headers.get("authorization", "")
        if header != f"Bearer {SIM_API_KEY}":
            raise api_error(
                401,
                "Incorrect API key provided. You can find your API key in your dashboard.",
                code="invalid_api_key",
            )

    def find(self, video_id: str) -> SimTask:
        """The task of a video id, or a 404."""
        task = self.ctx.tasks.get(video_id)
        if task is None:
            raise api_error(
                404, f"Video with id '{video_id}' not found.", code="not_found", param="video_id"
            )
        return task

    def video_object(self, task: SimTask, *, created: bool = False) -> dict[str, Any]:
        """The Video object of a task now."""
        # A create always answers "queued", as the real API does, whatever the profile's queue.
        phase = Phase.QUEUED if created else self.ctx.observe(task)
        status, progress = _status_of(task, phase, self.ctx.clock())
        succeeded = phase is Phase.SUCCEEDED
        return {
            "id": task.id,
            "object": "video",
            "model": task.model,
            "status": status,
            "progress": progress,
            "created_at": int(task.created_at_s),
            "completed_at": int(task.finished_at_s) if phase.terminal else None,
            "expires_at": int(task.finished_at_s + self.content_ttl_s) if succeeded else None,
            "prompt": task.spec.prompt,
            "size": task.data["size"],
            "seconds": task.data["seconds"],
            "quality": "standard",
            "remixed_from_video_id": None,
            "error": _error_of(phase, status),
        }

    def _spec(self, fields: dict[str, str]) -> VideoSpec:
        nominal_w, _, nominal_h = fields["size"].partition("x")
        width_px, height_px = render_size(int(nominal_w), int(nominal_h), self.render_scale)
        return VideoSpec(
            prompt=fields["prompt"],
            width=width_px,
            height=height_px,
            duration_s=float(fields["seconds"]),
            shots=shots_in(fields["prompt"]),
            audio=True,
            seed=0,  # no seed in this API: one cached render per prompt and size
        )

    async def create(self, request: Request) -> Response:
        """POST /v1/videos (multipart or JSON) → the queued Video object."""
        self.guard(request)
        fields, image = await read_create_body(request)
        model = str(fields.get("model") or "sora-2")
        spec_fields = validate(fields, image, self.ctx)
        reason = self.ctx.admit_create(model)
        if reason is not None:
            raise _rate_limited(model, reason, self.ctx.profile.rpm_limit)
        task = self.ctx.new_task(
            model,
            self._spec(spec_fields),
            task_id=f"video_{secrets.token_hex(16)}",
            data={"size": spec_fields["size"], "seconds": spec_fields["seconds"]},
        )
        if self.ctx.fault("create_5xx_rate"):
            raise _server_error()
        if self.ctx.fault("create_drop_rate"):  # made (and billed); the answer is cut
            return DroppedAnswer(json.dumps(self.video_object(task, created=True)).encode())
        return JSONResponse(self.video_object(task, created=True))

    async def retrieve(self, request: Request) -> Response:
        """GET /v1/videos/{id} with the poll-after hint."""
        self.guard(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise api_error(
                503, "The server is overloaded, please try again later.", type="server_error"
            )
        task = self.find(request.path_params["video_id"])
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        headers = {"openai-poll-after-ms": str(self.poll_after_ms)}
        return JSONResponse(self.video_object(task), headers=headers)

    def _listed(self, order: str, after: str | None) -> list[SimTask]:
        """Tasks in `order` ("asc" or "desc"), from just after the id `after`."""
        if order not in ("asc", "desc"):
            raise api_error(
                400, "order must be 'asc' or 'desc'", code="invalid_value", param="order"
            )
        ordered = list(self.ctx.tasks.values())  # insertion order == creation order
        if order == "desc":
            ordered.reverse()
        if not after:
            return ordered
        ids = [t.id for t in ordered]
        if after not in ids:
            raise api_error(
                400, f"after: no video with id '{after}'", code="invalid_value", param="after"
            )
        return ordered[ids.index(after) + 1 :]

    async def list_videos(self, request: Request) -> Response:
        """GET /v1/videos?after=&limit=&order= → a list page."""
        self.guard(request)
        query = request.query_params
        limit = _page_limit(query.get("limit", "20"))
        ordered = self._listed(query.get("order", "desc"), query.get("after"))
        page = [self.video_object(t) for t in ordered[:limit]]
        return JSONResponse(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(ordered) > limit,
            }
        )

    async def delete(self, request: Request) -> Response:
        """DELETE /v1/videos/{id}."""
        self.guard(request)
        task = self.find(request.path_params["video_id"])
        del self.ctx.tasks[task.id]
        return JSONResponse({"id": task.id, "object": "video.deleted", "deleted": True})

    def _ready(self, task: SimTask) -> None:
        """A completed video whose content has not expired, or a 404 saying which."""
        if self.ctx.observe(task) is not Phase.SUCCEEDED:
            raise api_error(
                404,
                f"Video '{task.id}' is not ready: content is available once it is completed.",
                code="video_not_ready",
            )
        if "expired_fault" not in task.data:  # drawn once per video, like a URL's lifetime
            task.data["expired_fault"] = self.ctx.fault("expired_url_rate")
        expired = self.ctx.clock() >= task.finished_at_s + self.content_ttl_s
        if expired or task.data["expired_fault"]:
            raise api_error(
                404, f"The content of video '{task.id}' has expired.", code="video_expired"
            )

    async def content(self, request: Request) -> Response:
        """GET /v1/videos/{id}/content?variant=video|thumbnail|spritesheet."""
        self.guard(request)
        task = self.find(request.path_params["video_id"])
        variant = request.query_params.get("variant", "video")
        if variant not in VARIANTS:
            raise api_error(
                400,
                f"variant must be one of {', '.join(VARIANTS)}",
                code="invalid_value",
                param="variant",
            )
        self._ready(task)
        try:
            path = await self.ctx.video_path(task)
        except RenderFailed:
            raise _server_error() from None
        if variant != "video":
            # Decoding is CPU work: keep it off the event loop the other simulators share.
            image = await asyncio.to_thread(still_images, path, sheet=variant == "spritesheet")
            return Response(image, media_type="image/webp")
        if self.ctx.fault("truncated_download_rate"):
            return TruncatedFileResponse(path)
        return FileResponse(path, media_type="video/mp4")


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The videos API routes for one (profile, provider) context."""
    ctx.request_id_header = "x-request-id"
    sim = OpenAIVideosSim(ctx)
    return [
        ctx.route("/v1/videos", sim.create, methods=["POST"], operation="create", on_error=_on_error),
        ctx.route("/v1/videos", sim.list_videos, methods=["GET"], operation="list", on_error=_on_error),
        ctx.route("/v1/videos/{video_id}", sim.retrieve, methods=["GET"], operation="poll", on_error=_on_error),
        ctx.route("/v1/videos/{video_id}", sim.delete, methods=["DELETE"], operation="delete", on_error=_on_error),
        ctx.route("/v1/videos/{video_id}/content", sim.content, methods=["GET"], operation="download", on_error=_on_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="openai", base_path="openai/v1", routes=routes)
