"""Simulator of OpenRouter's video API, mounted at `{root}/openrouter/api/v1` (read from
OpenRouter's docs and the official `openrouter` SDK 1.3.84 on its own, apart from the adapter).

Endpoints, as `https://openrouter.ai/api/v1` has them (https://openrouter.ai/docs/api/api-reference/videos):
- `POST /videos` `{model, prompt, duration, resolution, aspect_ratio, size, generate_audio,
  seed, …}` → 202 `{id: "gen-vid-…", polling_url: "/…/api/v1/videos/{id}", status: "pending"}`.
- `GET /videos/{id}` → `pending | in_progress | completed | failed | cancelled | expired`; a
  completed job carries `unsigned_urls` (the content proxy), signed `urls` with
  `expires_at`, and `usage: {cost, is_byok}`; a failed one an `error` string.
- `GET /videos/{id}/content?index=0` → `video/mp4` (Bearer key; 400 before completion).
- `GET /videos/models` (no key needed) → `{data: [...]}` with the capability sets and
  `pricing_skus` (USD strings); a value outside a model's sets is refused with a 400.
- `GET /key` → the key's own record (`{data: {label, usage, limit, …}}`), 401 for a bad key.
Errors use `{"error": {"code", "message"}}`. The listed prices are this simulator's figures
(Seedance at fal's 720p rate, Veo at the docs' example SKUs), not OpenRouter's.
"""

from __future__ import annotations

import json
import secrets
import string
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
from vidbench.core.sim.media import DroppedAnswer, TruncatedFileResponse
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

SIZES_720P = {"21:9": (1470, 630), "16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960),
              "3:4": (834, 1112), "9:16": (720, 1280)}  # fmt: skip
CATALOGUE: list[dict[str, Any]] = [
    {
        "id": "bytedance/seedance-2.0", "canonical_slug": "bytedance/seedance-2.0",
        "name": "ByteDance: Seedance 2.0", "created": 1770000000,
        "supported_durations": list(range(4, 16)), "supported_resolutions": ["480p", "720p"],
        "supported_aspect_ratios": list(SIZES_720P), "supported_sizes": None,
        "supported_frame_images": ["first_frame", "last_frame"], "generate_audio": True,
        "seed": True, "pricing_skus": {"per-video-second": "0.3034"},
        "allowed_passthrough_parameters": ["watermark"], "creativity": None,
        "upscale_factor": None,
    },
    {
        "id": "google/veo-3.1", "canonical_slug": "google/veo-3.1", "name": "Google: Veo 3.1",
        "created": 1760000000, "supported_durations": [4, 6, 8],
        "supported_resolutions": ["720p", "1080p"], "supported_aspect_ratios": ["16:9", "9:16"],
        "supported_sizes": None, "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True, "seed": True,
        "pricing_skus": {"per-video-second": "0.50", "per-video-second-1080p": "0.75"},
        "allowed_passthrough_parameters": ["negativePrompt"], "creativity": None,
        "upscale_factor": None,
    },
]  # fmt: skip
MODELS = {entry["id"]: entry for entry in CATALOGUE}
FLAGGED = "The output was flagged by the provider's content moderation."


def _on_error(request: Request, exc: SimError) -> Response:
    body = {"error": {"code": exc.status, "message": exc.message, "metadata": exc.extra or None}}
    return JSONResponse(body, exc.status, headers=exc.headers)


def _bad(message: str) -> SimError:
    return SimError(400, "", message)


def validate(body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The submit body checked against the model's listed sets → (body, model entry)."""
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        raise _bad("model is required")
    entry = MODELS.get(body["model"])
    if entry is None:
        raise _bad(f"{body['model']} is not a valid video model ID")
    if not isinstance(body.get("prompt"), str) or not body["prompt"].strip():
        raise _bad("prompt is required for this model")
    checks = {"duration": "supported_durations", "resolution": "supported_resolutions",
              "aspect_ratio": "supported_aspect_ratios"}  # fmt: skip
    for field, listed in checks.items():
        if field in body and body[field] not in (entry[listed] or []):
            allowed = ", ".join(str(v) for v in entry[listed] or [])
            raise _bad(f"{field} {body[field]!r} is not supported by {entry['id']} (supported: {allowed})")  # fmt: skip
    if "generate_audio" in body and not isinstance(body["generate_audio"], bool):
        raise _bad("generate_audio must be a boolean")
    return body, entry


def cost_usd(entry: dict[str, Any], body: dict[str, Any]) -> float:
    """This simulator's bill: the per-second SKU for the resolution × the seconds."""
    skus = entry.get("pricing_skus") or {}
    sku = skus.get("per-video-second-1080p") if body.get("resolution") == "1080p" else None
    rate = float(sku or skus.get("per-video-second") or 0.0)
    return round(rate * float(body.get("duration", entry["supported_durations"][0])), 6)


class OpenRouterVideosSim:
    """One (profile) simulator of the videos API."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    def guard(self, request: Request) -> None:
        if request.headers.get("authorization", "") != f"Bearer {SIM_API_KEY}":
            raise SimError(401, "", "No auth credentials found")

    def _prefix(self, request: Request) -> str:
        return f"{request.scope.get('root_path', '')}/api/v1/videos"

    def _spec(self, body: dict[str, Any], entry: dict[str, Any]) -> VideoSpec:
        width_px, height_px = SIZES_720P.get(body.get("aspect_ratio", "16:9"), (1280, 720))
        resolution = body.get("resolution", "720p")
        if resolution == "480p":
            width_px, height_px = width_px * 2 // 3 // 2 * 2, height_px * 2 // 3 // 2 * 2
        elif resolution == "1080p":
            width_px, height_px = width_px * 3 // 2, height_px * 3 // 2
        width_px, height_px = self.ctx.render_dims(width_px, height_px)
        prompt = str(body["prompt"])
        return VideoSpec(
            prompt=prompt, width=width_px, height=height_px,
            duration_s=float(body.get("duration", entry["supported_durations"][0])),
            shots=shots_in(prompt), audio=bool(body.get("generate_audio", False)),
            seed=int(body.get("seed") or 0),
        )  # fmt: skip

    async def submit(self, request: Request) -> Response:
        """POST /videos."""
        self.guard(request)
        try:
            given = json.loads(await request.body() or b"null")
        except ValueError:
            raise _bad("the body is not JSON") from None
        body, entry = validate(given)
        if self.ctx.admit_create(entry["id"]) in ("rate_limit_storm", "rpm"):
            raise SimError(429, "", "Rate limit exceeded", headers={"Retry-After": "2"})
        suffix = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))
        job_id = f"gen-vid-{int(time.time())}-{suffix}"
        task = self.ctx.new_task(entry["id"], self._spec(body, entry), task_id=job_id,
                                 data={"input": body, "cost_usd": cost_usd(entry, body)})  # fmt: skip
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "", "Internal Server Error")
        answer = {"id": task.id, "polling_url": f"{self._prefix(request)}/{task.id}", "status": "pending"}  # fmt: skip
        if self.ctx.fault("create_drop_rate"):
            return DroppedAnswer(json.dumps(answer).encode())
        return JSONResponse(answer, 202)

    def find(self, request: Request) -> SimTask:
        task = self.ctx.tasks.get(request.path_params["job_id"])
        if task is None:
            raise SimError(404, "", "Video generation job not found")
        return task

    def job(self, request: Request, task: SimTask) -> dict[str, Any]:
        """The job object now."""
        phase = self.ctx.observe(task)
        status = {Phase.QUEUED: "pending", Phase.RUNNING: "in_progress",
                  Phase.SUCCEEDED: "completed", Phase.CANCELLED: "cancelled",
                  Phase.EXPIRED: "expired"}.get(phase, "failed")  # fmt: skip
        body: dict[str, Any] = {"id": task.id, "polling_url": f"{self._prefix(request)}/{task.id}", "status": status}  # fmt: skip
        if phase is Phase.SUCCEEDED:
            signed = self.ctx.video_url(request, task)
            content = f"{server_root(request)}{self._prefix(request)}/{task.id}/content?index=0"
            body.update(generation_id=f"gen-{task.id[8:]}", unsigned_urls=[content], urls=[signed],
                        expires_at=int(task.url_expires_at_s or 0),
                        usage={"cost": task.data["cost_usd"], "is_byok": False})  # fmt: skip
        elif phase is Phase.MODERATED:
            body["error"] = FLAGGED
        elif status == "failed":
            body["error"] = "Provider returned error"
        return body

    async def get(self, request: Request) -> Response:
        """GET /videos/{id}."""
        self.guard(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(503, "", "Service Unavailable")
        task = self.find(request)
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        return JSONResponse(self.job(request, task))

    async def content(self, request: Request) -> Response:
        """GET /videos/{id}/content?index=0: the bytes of a completed job."""
        self.guard(request)
        task = self.find(request)
        if self.ctx.observe(task) is not Phase.SUCCEEDED:
            raise _bad("Video generation is not completed")
        if request.query_params.get("index", "0") != "0":
            raise SimError(404, "", "No output at that index")
        try:
            path = await self.ctx.video_path(task)
        except RenderFailed:
            raise SimError(500, "", "Internal Server Error") from None
        if self.ctx.fault("truncated_download_rate"):
            return TruncatedFileResponse(path)
        return FileResponse(path, media_type="video/mp4")

    async def models(self, request: Request) -> Response:
        """GET /videos/models (public)."""
        return JSONResponse({"data": CATALOGUE})

    async def key(self, request: Request) -> Response:
        """GET /key: the key's own record."""
        self.guard(request)
        data = {"label": "sim-key", "usage": 0, "limit": None, "is_free_tier": False}
        return JSONResponse({"data": data})


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The video routes for one (profile, provider) context."""
    sim = OpenRouterVideosSim(ctx)
    return [
        ctx.route("/api/v1/videos", sim.submit, methods=["POST"], operation="create", on_error=_on_error),
        ctx.route("/api/v1/videos/models", sim.models, methods=["GET"], operation="models", on_error=_on_error),
        ctx.route("/api/v1/videos/{job_id}", sim.get, methods=["GET"], operation="poll", on_error=_on_error),
        ctx.route("/api/v1/videos/{job_id}/content", sim.content, methods=["GET"], operation="download", on_error=_on_error),
        ctx.route("/api/v1/key", sim.key, methods=["GET"], operation="key", on_error=_on_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="openrouter", base_path="openrouter/api/v1", routes=routes)
