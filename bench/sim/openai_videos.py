"""Simulator of the OpenAI videos API (Sora 2), mounted at `{root}/openai/v1`.

Endpoints: `POST /videos` (multipart or JSON), `GET /videos/{id}`, `GET /videos`
(after/limit/order), `DELETE /videos/{id}`, `GET /videos/{id}/content?variant=...`.
Bearer auth with `bench.sim.SIM_API_KEY`; errors in the OpenAI envelope
`{"error": {message, type, param, code}}` with an `x-request-id` header.

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
import base64
import binascii
import io
import os
import secrets
from pathlib import Path
from typing import Any

import av
from PIL import Image
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from bench.sim import SIM_API_KEY
from bench.sim.common import (
    Phase,
    RenderFailed,
    SimContext,
    SimError,
    SimTask,
    VideoSpec,
    malformed_response,
    shots_in,
)
from bench.sim.server import _send_truncated

MODELS_STANDARD = ("sora-2", "sora-2-2025-10-06", "sora-2-2025-12-08")
MODELS_PRO = ("sora-2-pro", "sora-2-pro-2025-10-06")
SECONDS = ("4", "8", "12")
SIZES_STANDARD = ("720x1280", "1280x720")
SIZES_PRO = SIZES_STANDARD + ("1024x1792", "1792x1024")
DEFAULT_CONTENT_TTL_S = 24 * 3600.0
SHUTDOWN_ENV = "VIDBENCH_SIM_OPENAI_SHUTDOWN"
SHUTDOWN_MESSAGE = (
    "The Sora video API was shut down on 2026-09-24; sora-2 and sora-2-pro are no longer available."
)
MAX_PROMPT_CHARS = 32000
VARIANTS = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/webp"}


def _error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    type: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
) -> SimError:
    return SimError(status, code or "", message, param=param, type=type, headers=headers)


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
            raise _error(404, SHUTDOWN_MESSAGE, code="model_not_found", param="model")
        header = request.headers.get("authorization", "")
        if header != f"Bearer {SIM_API_KEY}":
            raise _error(
                401,
                "Incorrect API key provided. You can find your API key in your dashboard.",
                code="invalid_api_key",
            )

    def find(video_id: str) -> SimTask:
        task = ctx.tasks.get(video_id)
        if task is None:
            raise _error(
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
        fields, image = await _read_create_body(request)
        model = str(fields.get("model") or "sora-2")
        spec_fields = _validate(fields, image, ctx)
        reason = ctx.admit_create(model)
        if reason is not None:
            limit = ctx.profile.rpm_limit
            raise _error(
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
            raise _error(
                500, "The server had an error while processing your request.", type="server_error"
            )
        return JSONResponse(video_object(task, created=True))

    async def retrieve(request: Request) -> Response:
        guard(request)
        if ctx.fault("poll_5xx_rate"):
            raise _error(
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
            raise _error(
                400,
                "limit must be an integer between 0 and 100",
                code="invalid_value",
                param="limit",
            )
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise _error(400, "order must be 'asc' or 'desc'", code="invalid_value", param="order")
        ordered = list(ctx.tasks.values())  # insertion order == creation order
        if order == "desc":
            ordered.reverse()
        after = query.get("after")
        if after:
            ids = [t.id for t in ordered]
            if after not in ids:
                raise _error(
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
            raise _error(
                400,
                f"variant must be one of {', '.join(VARIANTS)}",
                code="invalid_value",
                param="variant",
            )
        phase = ctx.observe(task)
        if phase is not Phase.SUCCEEDED:
            raise _error(
                404,
                f"Video '{task.id}' is not ready: content is available once it is completed.",
                code="video_not_ready",
            )
        if "expired_fault" not in task.data:  # drawn once per video, like a URL's lifetime
            task.data["expired_fault"] = ctx.fault("expired_url_rate")
        if ctx.clock() >= task.finished_at_s + content_ttl_s or task.data["expired_fault"]:
            raise _error(
                404, f"The content of video '{task.id}' has expired.", code="video_expired"
            )
        try:
            path = await ctx.video_path(task)
        except RenderFailed:
            raise _error(
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


async def _read_create_body(request: Request) -> tuple[dict[str, Any], bytes | None]:
    """Form fields (or JSON members) and the input_reference image bytes, if any."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        fields: dict[str, Any] = {}
        image: bytes | None = None
        for key, value in form.multi_items():
            if key == "input_reference":
                if not isinstance(value, UploadFile):
                    raise _error(
                        400,
                        "Invalid type for 'input_reference': expected a file, but got a string "
                        "instead.",
                        code="invalid_type",
                        param="input_reference",
                    )
                image = await value.read()
            else:
                fields[key] = value
        return fields, image
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise _error(400, "We could not parse the JSON body of your request.") from None
        if not isinstance(body, dict):
            raise _error(400, "The body must be a JSON object.")
        reference = body.pop("input_reference", None)
        return body, None if reference is None else _json_reference(reference)
    raise _error(400, "Content-Type must be multipart/form-data or application/json.")


def _json_reference(reference: Any) -> bytes:
    """Image bytes from the JSON form `{"image_url": "data:..."}` (remote URLs are not fetched)."""
    if (
        not isinstance(reference, dict)
        or len(reference) != 1
        or not ({"image_url", "file_id"} & set(reference))
    ):
        raise _error(
            400,
            "input_reference must have exactly one of image_url or file_id.",
            code="invalid_value",
            param="input_reference",
        )
    url = reference.get("image_url")
    if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
        raise _error(
            400,
            "The simulator only accepts input_reference.image_url as a base64 data URL.",
            code="invalid_value",
            param="input_reference.image_url",
        )
    try:
        return base64.b64decode(url.split(";base64,", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        raise _error(
            400,
            "input_reference.image_url is not valid base64.",
            code="invalid_value",
            param="input_reference.image_url",
        ) from None


def _validate(fields: dict[str, Any], image: bytes | None, ctx: SimContext) -> dict[str, str]:
    """Check model, prompt, seconds, size and the reference image; returns the normalised fields."""
    model = str(fields.get("model") or "sora-2")
    if model not in MODELS_STANDARD + MODELS_PRO:
        raise _error(
            400,
            f"Invalid value: '{model}'. Supported values are: "
            f"{', '.join(repr(m) for m in MODELS_STANDARD + MODELS_PRO)}.",
            code="invalid_value",
            param="model",
        )
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not 1 <= len(prompt) <= MAX_PROMPT_CHARS:
        raise _error(
            400, "prompt is required (1-32000 characters).", code="invalid_value", param="prompt"
        )
    seconds = fields.get("seconds", "4")
    size = fields.get("size", "720x1280")
    for name, value, allowed in (
        ("seconds", seconds, SECONDS),
        ("size", size, SIZES_PRO if model in MODELS_PRO else SIZES_STANDARD),
    ):
        if not isinstance(value, str):
            raise _error(
                400,
                f"Invalid type for '{name}': expected one of {', '.join(allowed)} as a string.",
                code="invalid_type",
                param=name,
            )
        if value not in allowed:
            raise _error(
                400,
                f"Invalid value: '{value}'. Supported values are: "
                f"{', '.join(repr(a) for a in allowed)}.",
                code="invalid_value",
                param=name,
            )
    if image is not None:
        try:
            with Image.open(io.BytesIO(image)) as reference:
                dims = reference.size
        except OSError:
            raise _error(
                400,
                "input_reference is not a readable image.",
                code="invalid_value",
                param="input_reference",
            ) from None
        if f"{dims[0]}x{dims[1]}" != size:
            raise _error(
                400,
                "Inpaint image must match the requested width and height",
                code="invalid_value",
                param="input_reference",
            )
    if any(word in prompt.lower() for word in ctx.profile.input_moderation_words):
        raise _error(
            400,
            "Your request was blocked by our moderation system.",
            code="moderation_blocked",
            param="prompt",
        )
    return {"prompt": prompt, "seconds": seconds, "size": size}


# -- media helpers (also used by the Veo simulator) ----------------------------------------


def render_size(width_px: int, height_px: int, scale: float) -> tuple[int, int]:
    """The rendered frame size for a nominal size and a `render_scale` (even, at least 16 px)."""

    def side(px: int) -> int:
        return max(16, int(round(px * scale / 2)) * 2)

    return side(width_px), side(height_px)


def still_images(video: Path, *, sheet: bool) -> bytes:
    """A WebP thumbnail (first frame) or spritesheet (up to 8 frames, 4 per row) of `video`."""
    with av.open(str(video)) as container:
        decoded = container.decode(video=0)
        frames = [frame.to_image() for frame in decoded] if sheet else [next(decoded).to_image()]
    if not sheet:
        image = frames[0]
    else:
        step = max(1, len(frames) // 8)
        picked = frames[::step][:8]
        tile_w, tile_h = max(1, frames[0].width // 4), max(1, frames[0].height // 4)
        columns = min(4, len(picked))
        rows = (len(picked) + columns - 1) // columns
        image = Image.new("RGB", (tile_w * columns, tile_h * rows))
        for index, frame in enumerate(picked):
            image.paste(
                frame.resize((tile_w, tile_h)),
                ((index % columns) * tile_w, (index // columns) * tile_h),
            )
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP")
    return buffer.getvalue()


class TruncatedFileResponse(Response):
    """The framework's truncated download (full length declared, half sent, connection cut)."""

    def __init__(self, path: Path):
        super().__init__(media_type="video/mp4")
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server's own helper, so its log filter keeps this injected fault quiet.
        await _send_truncated(self.path, send)
