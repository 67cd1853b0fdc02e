"""Simulator of fal.ai's queue API, mounted at `{root}/fal` (read from fal's docs and the
official `fal-client` SDK on its own, apart from the adapter).

Endpoints, as `https://queue.fal.run` has them (https://fal.ai/docs/api-reference/inference-api):
- `POST /{model_id}` (the id may carry a subpath, `bytedance/seedance-2.0/fast/text-to-video`)
  → `{request_id, response_url, status_url, cancel_url, queue_position}`; the URLs name only
  `owner/app` (the first two segments), never the subpath, as the real queue's do.
- `GET /{owner}/{app}/requests/{id}/status[?logs=1]` → 202 `IN_QUEUE` (`queue_position`,
  0 = next) or `IN_PROGRESS` (`logs`), 200 `COMPLETED` (`metrics.inference_time`; a failed
  request carries `error` and `error_type`).
- `GET /{owner}/{app}/requests/{id}` → the result `{"video": {url, content_type, file_name,
  file_size}, "seed"}`; a failed request answers its error with `detail`, `error_type` and
  the `X-Fal-Error-Type` header (a moderated output: 422 `content_policy_violation`; a
  failed run: 500 `runner_disconnected`).
- `PUT /{owner}/{app}/requests/{id}/cancel` → 202 `CANCELLATION_REQUESTED` (a queued request
  is removed; a running one only signalled), 400 `ALREADY_COMPLETED`, 404 `NOT_FOUND`
  (https://fal.ai/docs/inference-api/queue/cancel).
- `GET /v1/models/pricing?endpoint_id=…` (repeatable) → `{prices: [{endpoint_id, unit_price,
  unit, currency}], has_more, next_cursor}` (the shape third-party sources give, U: generated
  client types and the `fal-platform` skill; fal's own pricing API lives on `api.fal.ai`, so
  this one is the simulator's stand-in below its root). The figures are the 720p per-second
  prices of fal's model pages; an id the simulator does not serve is left out of the list.
A cancelled queued request then reads COMPLETED with `error_type: request_cancelled` (the
simulator's choice: fal's docs name no type for it). Auth `Authorization: Key {SIM_API_KEY}`. Concurrency never refuses a submit: the excess
waits in the queue (https://fal.ai/docs/documentation/model-apis/concurrency-limits); the
per-minute limit and the storm fault answer 429. The official SDK builds `https://` URLs
only (`FAL_QUEUE_RUN_HOST`), so it is pointed at this simulator served over TLS.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError, SimMount, malformed_response
from vidbench.core.sim.files import server_root
from vidbench.core.sim.media import DroppedAnswer
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

# The models this simulator serves, with the enums of their input JSON (fal's model pages).
SEEDANCE_APPS = (
    "bytedance/seedance-2.0/fast/text-to-video",
    "bytedance/seedance-2.0/text-to-video",
)
DURATIONS = ("auto", *(str(s) for s in range(4, 16)))
RESOLUTIONS = ("480p", "720p")
RATIOS = ("auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
# Seedance's documented output sizes at 720p (480p scales by 2/3).
SIZES_720P = {"21:9": (1470, 630), "16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960),
              "3:4": (834, 1112), "9:16": (720, 1280)}  # fmt: skip
ERROR_HEADER = "X-Fal-Error-Type"
# USD per output second at 720p, as fal's model pages state them (its pricing API's unit).
PRICES_USD_PER_S = {
    "bytedance/seedance-2.0/fast/text-to-video": 0.2419,
    "bytedance/seedance-2.0/text-to-video": 0.3034,
}


def _on_error(request: Request, exc: SimError) -> Response:
    body: dict[str, Any] = {"detail": exc.extra.get("detail", exc.message)}
    if exc.code:
        body["error_type"] = exc.code
    headers = {**exc.headers, **({ERROR_HEADER: exc.code} if exc.code else {})}
    return JSONResponse(body, exc.status, headers=headers)


def _invalid(field: str, message: str, kind: str = "value_error") -> SimError:
    """fal's 422 with FastAPI-style items."""
    detail = [{"loc": ["body", field], "msg": message, "type": kind}]
    return SimError(422, "", message, extra={"detail": detail})


def validate_input(body: Any) -> dict[str, Any]:
    """The Seedance input JSON checked against the model's enums (422 otherwise)."""
    if not isinstance(body, dict):
        raise _invalid("body", "Input should be a valid dictionary", "dict_type")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _invalid("prompt", "Field required", "missing")
    checks = {"duration": DURATIONS, "resolution": RESOLUTIONS, "aspect_ratio": RATIOS}
    for field, allowed in checks.items():
        value = body.get(field, allowed[0] if field != "resolution" else "720p")
        if not isinstance(value, str) or value not in allowed:
            options = ", ".join(f"'{v}'" for v in allowed)
            raise _invalid(field, f"Input should be {options}", "enum")
    if "generate_audio" in body and not isinstance(body["generate_audio"], bool):
        raise _invalid("generate_audio", "Input should be a valid boolean", "bool_type")
    if "seed" in body and not isinstance(body["seed"], int):
        raise _invalid("seed", "Input should be a valid integer", "int_type")
    return body


class FalQueueSim:
    """One (profile) simulator of the queue: submit, status, result, cancel."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    def guard(self, request: Request) -> None:
        """`Authorization: Key …` with the simulator's key."""
        if request.headers.get("authorization", "") != f"Key {SIM_API_KEY}":
            raise SimError(401, "", "Unauthorized: invalid or missing key (Authorization: Key …)")

    def _root(self, request: Request) -> str:
        return server_root(request) + str(request.scope.get("root_path", ""))

    def urls(self, request: Request, task: SimTask) -> dict[str, str]:
        """The three URLs fal returns: owner/app only, never the model's subpath."""
        base = f"{self._root(request)}/{task.data['app']}/requests/{task.id}"
        return {"response_url": base, "status_url": f"{base}/status", "cancel_url": f"{base}/cancel"}  # fmt: skip

    def queue_position(self, task: SimTask) -> int:
        """How many requests of the same app were queued before this one and still are."""
        now = self.ctx.clock()
        return sum(
            1
            for other in self.ctx.tasks.values()
            if other.data.get("app") == task.data["app"]
            and other.created_at_s < task.created_at_s
            and other.phase(now) is Phase.QUEUED
        )

    def _spec(self, body: dict[str, Any]) -> VideoSpec:
        ratio = body.get("aspect_ratio", "auto")
        width_px, height_px = SIZES_720P.get(ratio, SIZES_720P["16:9"])
        if body.get("resolution", "720p") == "480p":
            width_px, height_px = width_px * 2 // 3 // 2 * 2, height_px * 2 // 3 // 2 * 2
        width_px, height_px = self.ctx.render_dims(width_px, height_px)
        duration = body.get("duration", "auto")
        prompt = str(body["prompt"])
        return VideoSpec(
            prompt=prompt, width=width_px, height=height_px,
            duration_s=5.0 if duration == "auto" else float(duration), shots=shots_in(prompt),
            audio=bool(body.get("generate_audio", True)), seed=int(body.get("seed") or 0),
        )  # fmt: skip

    async def submit(self, request: Request) -> Response:
        """POST /{model_id}: queue the request."""
        self.guard(request)
        model_id = request.path_params["model_id"].strip("/")
        if model_id not in SEEDANCE_APPS:
            raise SimError(404, "", f"Application '{model_id}' not found")
        try:
            body = validate_input(json.loads(await request.body() or b"null"))
        except ValueError:
            raise _invalid("body", "JSON decode error", "json_invalid") from None
        if self.ctx.admit_create(model_id) in ("rate_limit_storm", "rpm"):
            raise SimError(429, "", "Too many requests", headers={"Retry-After": "2"})
        app = "/".join(model_id.split("/")[:2])
        task = self.ctx.new_task(
            model_id, self._spec(body), task_id=str(uuid.uuid4()),
            data={"app": app, "input": body},
        )  # fmt: skip
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "", "Internal Server Error")
        answer = {"request_id": task.id, **self.urls(request, task), "queue_position": self.queue_position(task)}  # fmt: skip
        if self.ctx.fault("create_drop_rate"):
            return DroppedAnswer(json.dumps(answer).encode())
        return JSONResponse(answer)

    def find(self, request: Request) -> SimTask:
        """The request named by the path, under its own owner/app, or a 404."""
        params = request.path_params
        task = self.ctx.tasks.get(params["request_id"])
        if task is None or task.data["app"] != f"{params['owner']}/{params['app']}":
            raise SimError(404, "", "Request not found")
        return task

    async def status(self, request: Request) -> Response:
        """GET …/requests/{id}/status: 202 while queued or running, 200 when completed."""
        self.guard(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(503, "", "Service Unavailable")
        task = self.find(request)
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        phase = self.ctx.observe(task)
        logs: list[dict[str, Any]] | None = [] if request.query_params.get("logs") in ("1", "true", "True") else None  # fmt: skip
        response_url = self.urls(request, task)["response_url"]
        if phase is Phase.QUEUED:
            body = {"status": "IN_QUEUE", "queue_position": self.queue_position(task), "response_url": response_url}  # fmt: skip
            return JSONResponse(body, 202)
        if phase is Phase.RUNNING:
            return JSONResponse({"status": "IN_PROGRESS", "logs": logs, "response_url": response_url}, 202)  # fmt: skip
        body = {"status": "COMPLETED", "logs": logs, "response_url": response_url,
                "metrics": {"inference_time": round(task.run_s, 3)}}  # fmt: skip
        error = self._error(phase)
        if error is not None:
            body.update(error=error[2], error_type=error[1])
        return JSONResponse(body, 200)

    def _error(self, phase: Phase) -> tuple[int, str, str] | None:
        """(HTTP status, error type, message) of a request that did not succeed."""
        if phase is Phase.MODERATED:
            return 422, "content_policy_violation", "The output was flagged by the content checker."
        if phase is Phase.CANCELLED:
            return 400, "request_cancelled", "The request was cancelled."
        if phase in (Phase.FAILED, Phase.EXPIRED):
            return (
                500,
                "runner_disconnected",
                "The runner disconnected while processing the request.",
            )
        return None

    async def result(self, request: Request) -> Response:
        """GET …/requests/{id}: the model's output, or the request's error."""
        self.guard(request)
        task = self.find(request)
        phase = self.ctx.observe(task)
        if not phase.terminal:
            raise SimError(400, "", "Request is still in progress")
        error = self._error(phase)
        if error is not None:
            status, kind, message = error
            detail: Any = message
            if kind == "content_policy_violation":
                detail = [{"loc": ["body", "prompt"], "msg": message, "type": kind}]
            raise SimError(status, kind, message, extra={"detail": detail})
        url = self.ctx.video_url(request, task)
        video = {"url": url, "content_type": "video/mp4", "file_name": f"{task.id}.mp4", "file_size": None}  # fmt: skip
        return JSONResponse({"video": video, "seed": task.spec.seed})

    async def pricing(self, request: Request) -> Response:
        """GET /v1/models/pricing: the listed endpoints' unit prices (one page)."""
        self.guard(request)
        wanted = request.query_params.getlist("endpoint_id")
        prices = [
            {"endpoint_id": endpoint_id, "unit_price": PRICES_USD_PER_S[endpoint_id],
             "unit": "video_second", "currency": "USD"}
            for endpoint_id in wanted or list(PRICES_USD_PER_S)
            if endpoint_id in PRICES_USD_PER_S
        ]  # fmt: skip
        return JSONResponse({"prices": prices, "has_more": False, "next_cursor": None})

    async def cancel(self, request: Request) -> Response:
        """PUT …/requests/{id}/cancel."""
        self.guard(request)
        task = self.ctx.tasks.get(request.path_params["request_id"])
        if task is None:
            return JSONResponse({"status": "NOT_FOUND"}, 404)
        phase = self.ctx.observe(task)
        if phase.terminal:
            return JSONResponse({"status": "ALREADY_COMPLETED"}, 400)
        if phase is Phase.QUEUED:  # a running request is only signalled; it runs on
            task.cancelled_at_s = self.ctx.clock()
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, 202)


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The queue routes for one (profile, provider) context."""
    ctx.request_id_header = "x-fal-request-id"
    sim = FalQueueSim(ctx)
    request_path = "/{owner}/{app}/requests/{request_id}"
    return [
        ctx.route("/v1/models/pricing", sim.pricing, methods=["GET"], operation="pricing", on_error=_on_error),
        ctx.route(request_path + "/status", sim.status, methods=["GET"], operation="poll", on_error=_on_error),
        ctx.route(request_path + "/cancel", sim.cancel, methods=["PUT"], operation="cancel", on_error=_on_error),
        ctx.route(request_path, sim.result, methods=["GET"], operation="result", on_error=_on_error),
        ctx.route("/{model_id:path}", sim.submit, methods=["POST"], operation="create", on_error=_on_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="fal", base_path="fal", routes=routes)
