"""Simulator of Replicate's predictions API, mounted at `{root}/replicate/v1` (read from
Replicate's docs and the official `replicate` SDK on its own, apart from the adapter).

- `POST /v1/models/{owner}/{name}/predictions` `{input}` → 201 the prediction (`starting`);
  `Cancel-After: 30s|5m|1h30m` is the deadline: not started by then → `aborted`, running
  then → `canceled` (https://replicate.com/docs/topics/predictions/lifecycle).
- `GET /v1/predictions/{id}`, `POST /v1/predictions/{id}/cancel`, `GET /v1/predictions`
  (newest first, `{next, previous, results}` with a `cursor`).
- `starting` → `processing` → `succeeded | failed | canceled | aborted`; `metrics.predict_time`
  once done; the output URL and input are removed an hour after completion (`data_removed`),
  and the signed file URL lives an hour (https://replicate.com/docs/topics/predictions/data-retention).
Errors are RFC 7807 problem details `{title, detail, status}`; Bearer auth with
`SIM_API_KEY`; moderation fails the prediction with Replicate's E005 message.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError, SimMount, malformed_response
from vidbench.core.sim.files import server_root
from vidbench.core.sim.media import DroppedAnswer
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec, shots_in

MODELS = ("bytedance/seedance-2.0",)
RETENTION_S = 3600.0
SIZES_720P = {"21:9": (1470, 630), "16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960),
              "3:4": (834, 1112), "9:16": (720, 1280)}  # fmt: skip
_DEADLINE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
MODERATED = "The input or output was flagged as sensitive. Please try again with different inputs. (E005)"  # fmt: skip


def _on_error(request: Request, exc: SimError) -> Response:
    body: dict[str, Any] = {
        "title": exc.code or "Error",
        "detail": exc.message,
        "status": exc.status,
    }
    body.update(exc.extra)
    return JSONResponse(
        body, exc.status, headers=exc.headers, media_type="application/problem+json"
    )


def deadline_s(header: str | None) -> float | None:
    """`Cancel-After` as seconds ("90s", "5m", "1h30m"); a 400 when malformed."""
    if not header:
        return None
    match = _DEADLINE.match(header.strip())
    if not match or not any(match.groups()):
        raise SimError(400, "Invalid Cancel-After", f"cannot read Cancel-After {header!r}")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600.0 + minutes * 60.0 + seconds


def _iso(when_s: float | None) -> str | None:
    if when_s is None:
        return None
    return datetime.datetime.fromtimestamp(when_s, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def validate_input(given: Any) -> dict[str, Any]:
    """Seedance's input on Replicate; 422 with `invalid_fields` otherwise."""
    if not isinstance(given, dict) or not isinstance(given.get("prompt"), str) or not given["prompt"].strip():  # fmt: skip
        raise _invalid("prompt", "prompt is required")
    duration = given.get("duration", 5)
    if not isinstance(duration, int) or not 4 <= duration <= 15:
        raise _invalid("duration", "duration must be an integer from 4 to 15")
    if given.get("resolution", "720p") not in ("480p", "720p"):
        raise _invalid("resolution", "resolution must be one of: 480p, 720p")
    if given.get("aspect_ratio", "16:9") not in SIZES_720P:
        raise _invalid("aspect_ratio", f"aspect_ratio must be one of: {', '.join(SIZES_720P)}")
    return given


def _invalid(field: str, message: str) -> SimError:
    extra = {"invalid_fields": [{"type": "invalid", "field": f"input.{field}", "description": message}]}  # fmt: skip
    return SimError(422, "Input validation failed", message, extra=extra)


class ReplicateSim:
    """One (profile) simulator of the predictions API."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    def guard(self, request: Request) -> None:
        if request.headers.get("authorization", "") != f"Bearer {SIM_API_KEY}":
            raise SimError(401, "Unauthenticated", "You did not pass a valid authentication token")

    def _status(self, task: SimTask, phase: Phase) -> str:
        if phase is Phase.EXPIRED:
            return "aborted"
        return {Phase.QUEUED: "starting", Phase.RUNNING: "processing", Phase.SUCCEEDED: "succeeded",
                Phase.CANCELLED: "canceled"}.get(phase, "failed")  # fmt: skip

    def prediction(self, request: Request, task: SimTask) -> dict[str, Any]:
        """The prediction object now."""
        now = self.ctx.clock()
        phase = self.ctx.observe(task)
        status = self._status(task, phase)
        ended_s = task.updated_at_s(now) if phase.terminal else None
        started = phase is not Phase.QUEUED and phase is not Phase.EXPIRED
        removed = ended_s is not None and now >= ended_s + RETENTION_S
        output = self.ctx.video_url(request, task) if phase is Phase.SUCCEEDED and not removed else None  # fmt: skip
        base = (
            f"{server_root(request)}{request.scope.get('root_path', '')}/v1/predictions/{task.id}"
        )
        metrics: dict[str, Any] = {}
        if phase.terminal and started:
            metrics = {"predict_time": round((ended_s or now) - task.started_at_s, 3),
                       "total_time": round((ended_s or now) - task.created_at_s, 3)}  # fmt: skip
        error = MODERATED if phase is Phase.MODERATED else ("Prediction failed." if status == "failed" else None)  # fmt: skip
        return {
            "id": task.id, "model": task.model, "version": "hidden",
            "input": {} if removed else task.data["input"], "output": output, "logs": "",
            "error": error, "status": status, "data_removed": removed,
            "created_at": _iso(task.created_at_s),
            "started_at": _iso(task.started_at_s) if started else None,
            "completed_at": _iso(ended_s), "metrics": metrics,
            "urls": {"get": base, "cancel": f"{base}/cancel"},
        }  # fmt: skip

    def _spec(self, given: dict[str, Any]) -> VideoSpec:
        width_px, height_px = SIZES_720P[given.get("aspect_ratio", "16:9")]
        if given.get("resolution", "720p") == "480p":
            width_px, height_px = width_px * 2 // 3 // 2 * 2, height_px * 2 // 3 // 2 * 2
        width_px, height_px = self.ctx.render_dims(width_px, height_px)
        prompt = str(given["prompt"])
        return VideoSpec(prompt=prompt, width=width_px, height=height_px,
                         duration_s=float(given.get("duration", 5)), shots=shots_in(prompt),
                         audio=bool(given.get("generate_audio", True)), seed=int(given.get("seed") or 0))  # fmt: skip

    async def create(self, request: Request) -> Response:
        """POST /v1/models/{owner}/{name}/predictions."""
        self.guard(request)
        model = f"{request.path_params['owner']}/{request.path_params['name']}"
        if model not in MODELS:
            raise SimError(404, "Not found", "The requested resource could not be found.")
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise SimError(400, "Bad request", "the body is not JSON") from None
        given = validate_input(body.get("input") if isinstance(body, dict) else None)
        deadline = deadline_s(request.headers.get("cancel-after"))
        if self.ctx.admit_create(model) in ("rate_limit_storm", "rpm"):
            raise SimError(429, "Request was throttled", "Request was throttled. Expected available in 2 seconds.", headers={"Retry-After": "2"})  # fmt: skip
        task = self.ctx.new_task(model, self._spec(given), task_id=secrets.token_hex(13), data={"input": given})  # fmt: skip
        if deadline is not None and deadline < task.queue_s:
            task.expires_at_s = task.created_at_s + deadline  # never started: aborted
        elif deadline is not None and deadline < task.queue_s + task.run_s:
            task.cancelled_at_s = task.created_at_s + deadline
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "Internal Server Error", "Internal Server Error")
        answer = self.prediction(request, task)
        if self.ctx.fault("create_drop_rate"):
            return DroppedAnswer(json.dumps(answer).encode())
        return JSONResponse(answer, 201)

    def find(self, prediction_id: str) -> SimTask:
        task = self.ctx.tasks.get(prediction_id)
        if task is None:
            raise SimError(404, "Not found", "The requested resource could not be found.")
        return task

    async def get(self, request: Request) -> Response:
        """GET /v1/predictions/{id}."""
        self.guard(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(503, "Service Unavailable", "Service Unavailable")
        task = self.find(request.path_params["prediction_id"])
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        return JSONResponse(self.prediction(request, task))

    async def cancel(self, request: Request) -> Response:
        """POST /v1/predictions/{id}/cancel: a prediction not yet ended is canceled now."""
        self.guard(request)
        task = self.find(request.path_params["prediction_id"])
        if not self.ctx.observe(task).terminal:
            task.cancelled_at_s = self.ctx.clock()
        return JSONResponse(self.prediction(request, task))

    async def list_predictions(self, request: Request) -> Response:
        """GET /v1/predictions?cursor=N: 100 a page, newest first."""
        self.guard(request)
        ordered = sorted(self.ctx.tasks.values(), key=lambda t: t.created_at_s, reverse=True)
        start = int(request.query_params.get("cursor") or 0)
        page = ordered[start : start + 100]
        more = start + 100 < len(ordered)
        url = f"{server_root(request)}{request.scope.get('root_path', '')}/v1/predictions"
        return JSONResponse({
            "next": f"{url}?cursor={start + 100}" if more else None, "previous": None,
            "results": [self.prediction(request, t) for t in page],
        })  # fmt: skip


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The predictions routes for one (profile, provider) context."""
    ctx.settings.setdefault("video_url_ttl_s", RETENTION_S)
    sim = ReplicateSim(ctx)
    return [
        ctx.route("/v1/models/{owner}/{name}/predictions", sim.create, methods=["POST"], operation="create", on_error=_on_error),
        ctx.route("/v1/predictions", sim.list_predictions, methods=["GET"], operation="list", on_error=_on_error),
        ctx.route("/v1/predictions/{prediction_id}", sim.get, methods=["GET"], operation="poll", on_error=_on_error),
        ctx.route("/v1/predictions/{prediction_id}/cancel", sim.cancel, methods=["POST"], operation="cancel", on_error=_on_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="replicate", base_path="replicate/v1", routes=routes)
