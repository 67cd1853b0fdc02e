"""Simulator of the OpenAI videos API (Sora 2), mounted at `{root}/openai/v1`.

Endpoints: `POST /videos` (multipart or JSON), `GET /videos/{id}`, `GET /videos`
(after/limit/order), `DELETE /videos/{id}`, `GET /videos/{id}/content?variant=...`.
Bearer auth with `bench.sim.SIM_API_KEY`; errors in the OpenAI envelope
`{"error": {message, type, param, code}}` with an `x-request-id` header. Create-body
checks are in `bench.sim.openai_videos_rules`; thumbnails and the truncated download in
`bench.sim.media`.

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

from bench.sim import SIM_API_KEY
from bench.sim.common import RenderFailed, SimContext, SimError, malformed_response
from bench.sim.media import DroppedAnswer, TruncatedFileResponse, render_size, still_images
from bench.sim.openai_videos_rules import api_error, read_create_body, validate
from bench.sim.tasks import Phase, SimTask, VideoSpec, shots_in

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


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The videos API routes for one (profile, provider) context."""
    ctx.request_id_header = "x-request-id"
    settings = ctx.settings
    shutdown = bool(settings.get("shutdown")) or os.environ.get(SHUTDOWN_ENV) == "1"
    content_ttl_s = float(settings.get("content_ttl_s", DEFAULT_CONTENT_TTL_S))
    median_s = ctx.profile.queue_s[0] + ctx.profile.run_s[0]
    poll_after_ms = int(settings.get("poll_after_ms", min(1000, max(50, int(median_s * 200)))))
    render_scale = float(settings.get("render_scale", 1.0))

    def guard(request: Request) -> None:
        if shutdown:
            raise api_error(404, SHUTDOWN_MESSAGE, code="model_not_found", param="model")
        header = request.headers.get("authorization", "")
        if header != f"Bearer {SIM_API_KEY}":
            raise api_error(
                401,
                "Incorrect API key provided. You can find your API key in your dashboard.",
                code="invalid_api_key",
            )

    def find(video_id: str) -> SimTask:
        task = ctx.tasks.get(video_id)
        if task is None:
            raise api_error(
                404, f"Video with id '{video_id}' not found.", code="not_found", param="video_id"
            )
        return task

    def video_object(task: SimTask, *, created: bool = False) -> dict[str, Any]:
        now = ctx.clock()
        # A create always answers "queued", as the real API does, whatever the profile's queue.
        phase = Phase.QUEUED if created else ctx.observe(task)
        status, progress = {
            Phase.QUEUED: ("queued", 0),
            Phase.RUNNING: (
                "in_progress",
                min(99, int(100 * (now - task.started_at_s) / max(task.run_s, 1e-9))),
            ),
            Phase.SUCCEEDED: ("completed", 100),
        }.get(phase, ("failed", 100))
        completed_at = int(task.finished_at_s) if phase.terminal else None
        error = None
        if phase is Phase.MODERATED:
            error = {
                "code": "moderation_blocked",
                "message": "Your generated video was blocked by our moderation system.",
            }
        elif status == "failed":
            error = {
                "code": "internal_error",
                "message": "Video generation failed. Please try again.",
            }
        return {
            "id": task.id,
            "object": "video",
            "model": task.model,
            "status": status,
            "progress": progress,
            "created_at": int(task.created_at_s),
            "completed_at": completed_at,
            "expires_at": int(task.finished_at_s + content_ttl_s)
            if phase is Phase.SUCCEEDED
            else None,
            "prompt": task.spec.prompt,
            "size": task.data["size"],
            "seconds": task.data["seconds"],
            "quality": "standard",
            "remixed_from_video_id": None,
            "error": error,
        }

    async def create(request: Request) -> Response:
        guard(request)
        fields, image = await read_create_body(request)
        model = str(fields.get("model") or "sora-2")
        spec_fields = validate(fields, image, ctx)
        reason = ctx.admit_create(model)
        if reason is not None:
            limit = ctx.profile.rpm_limit
            raise api_error(
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
        nominal_w, _, nominal_h = spec_fields["size"].partition("x")
        width_px, height_px = render_size(int(nominal_w), int(nominal_h), render_scale)
        spec = VideoSpec(
            prompt=spec_fields["prompt"],
            width=width_px,
            height=height_px,
            duration_s=float(spec_fields["seconds"]),
            shots=shots_in(spec_fields["prompt"]),
            audio=True,
            seed=0,  # no seed in this API: one cached render per prompt and size
        )
        task = ctx.new_task(
            model,
            spec,
            task_id=f"video_{secrets.token_hex(16)}",
            data={"size": spec_fields["size"], "seconds": spec_fields["seconds"]},
        )
        if ctx.fault("create_5xx_rate"):
            raise api_error(
                500, "The server had an error while processing your request.", type="server_error"
            )
        if ctx.fault("create_drop_rate"):  # made (and billed); the answer is cut
            return DroppedAnswer(json.dumps(video_object(task, created=True)).encode())
        return JSONResponse(video_object(task, created=True))

    async def retrieve(request: Request) -> Response:
        guard(request)
        if ctx.fault("poll_5xx_rate"):
            raise api_error(
                503, "The server is overloaded, please try again later.", type="server_error"
            )
        task = find(request.path_params["video_id"])
        if ctx.fault("malformed_body_rate"):
            return malformed_response()
        return JSONResponse(
            video_object(task), headers={"openai-poll-after-ms": str(poll_after_ms)}
        )

    async def list_videos(request: Request) -> Response:
        guard(request)
        query = request.query_params
        try:
            limit = int(query.get("limit", "20"))
        except ValueError:
            limit = -1
        if not 0 <= limit <= 100:
            raise api_error(
                400,
                "limit must be an integer between 0 and 100",
                code="invalid_value",
                param="limit",
            )
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise api_error(
                400, "order must be 'asc' or 'desc'", code="invalid_value", param="order"
            )
        ordered = list(ctx.tasks.values())  # insertion order == creation order
        if order == "desc":
            ordered.reverse()
        after = query.get("after")
        if after:
            ids = [t.id for t in ordered]
            if after not in ids:
                raise api_error(
                    400, f"after: no video with id '{after}'", code="invalid_value", param="after"
                )
            ordered = ordered[ids.index(after) + 1 :]
        page = [video_object(t) for t in ordered[:limit]]
        return JSONResponse(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(ordered) > limit,
            }
        )

    async def delete(request: Request) -> Response:
        guard(request)
        task = find(request.path_params["video_id"])
        del ctx.tasks[task.id]
        return JSONResponse({"id": task.id, "object": "video.deleted", "deleted": True})

    async def content(request: Request) -> Response:
        guard(request)
        task = find(request.path_params["video_id"])
        variant = request.query_params.get("variant", "video")
        if variant not in VARIANTS:
            raise api_error(
                400,
                f"variant must be one of {', '.join(VARIANTS)}",
                code="invalid_value",
                param="variant",
            )
        phase = ctx.observe(task)
        if phase is not Phase.SUCCEEDED:
            raise api_error(
                404,
                f"Video '{task.id}' is not ready: content is available once it is completed.",
                code="video_not_ready",
            )
        if "expired_fault" not in task.data:  # drawn once per video, like a URL's lifetime
            task.data["expired_fault"] = ctx.fault("expired_url_rate")
        if ctx.clock() >= task.finished_at_s + content_ttl_s or task.data["expired_fault"]:
            raise api_error(
                404, f"The content of video '{task.id}' has expired.", code="video_expired"
            )
        try:
            path = await ctx.video_path(task)
        except RenderFailed:
            raise api_error(
                500, "The server had an error while processing your request.", type="server_error"
            ) from None
        if variant != "video":
            # Decoding is CPU work: keep it off the event loop the other simulators share.
            image = await asyncio.to_thread(still_images, path, sheet=variant == "spritesheet")
            return Response(image, media_type="image/webp")
        if ctx.fault("truncated_download_rate"):
            return TruncatedFileResponse(path)
        return FileResponse(path, media_type="video/mp4")

    def r(path: str, endpoint: Any, method: str, operation: str) -> BaseRoute:
        return ctx.route(path, endpoint, methods=[method], operation=operation, on_error=_on_error)

    return [
        r("/v1/videos", create, "POST", "create"),
        r("/v1/videos", list_videos, "GET", "list"),
        r("/v1/videos/{video_id}", retrieve, "GET", "poll"),
        r("/v1/videos/{video_id}", delete, "DELETE", "delete"),
        r("/v1/videos/{video_id}/content", content, "GET", "download"),
    ]
