"""Simulator of Runway's task API, mounted at `{root}/runway` (read from Runway's docs and its
official SDK `runwayml` 5.24.0 on their own, apart from the adapter).

- Every request needs `Authorization: Bearer SIM_API_KEY` and `X-Runway-Version: 2024-11-06`
  (a missing or other version is a 400, as the docs say the header is mandatory).
- `POST /v1/text_to_video` `{model, promptText, ratio, duration, audio?, seed?}` → 200
  `{id, estimatedCost: {credits}}` (https://docs.dev.runwayml.com/api/).
- `GET /v1/tasks/{id}` → `PENDING` (this simulator answers `THROTTLED` instead while the
  profile's concurrency is full for the model), `RUNNING` with `progress` 0..1, then
  `SUCCEEDED` with `output: [url]`, `FAILED` with `failure` and `failureCode` (moderation:
  `SAFETY.OUTPUT.VIDEO`), or `CANCELLED`; terminal tasks carry `cost.credits` (0 unless
  succeeded), running ones `estimatedCost`; every task `createdAt` (ISO 8601).
- `DELETE /v1/tasks/{id}` → 204 (cancels a running task); `GET /v1/organization` → the
  organisation's `creditBalance`, `tier`, `usage`.
Errors are `{"error": "…"}` (validation: plus `issues`); the exact envelope is not in the
SDK (it reads any JSON), so this shape is a reading to confirm. Credits per second are this
simulator's figures for the models it serves (gen4.5 12, veo3.1 40, others 30).
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

VERSION = "2024-11-06"
_SEEDANCE_RATIOS = ("992:432", "864:496", "752:560", "640:640", "560:752", "496:864", "1470:630",
                    "1280:720", "1112:834", "960:960", "834:1112", "720:1280", "2206:946",
                    "1920:1080", "1664:1248", "1440:1440", "1248:1664", "1080:1920")  # fmt: skip
# model → (ratios accepted, shortest and longest seconds, takes `audio`, credits per second)
MODELS: dict[str, tuple[tuple[str, ...], int, int, bool, int]] = {
    "gen4.5": (("1280:720", "720:1280"), 2, 10, False, 12),
    "seedance2": (_SEEDANCE_RATIOS, 4, 15, True, 30),
    "seedance2_fast": (_SEEDANCE_RATIOS[:12], 4, 15, True, 30),
    "seedance2_5": (("854:480", "480:854", *_SEEDANCE_RATIOS[6:]), 4, 30, True, 30),
    "veo3.1": (("1280:720", "720:1280", "1080:1920", "1920:1080"), 4, 8, True, 40),
    "veo3.1_fast": (("1280:720", "720:1280", "1080:1920", "1920:1080"), 4, 8, True, 30),
    "gemini_omni_flash": (("1280:720", "720:1280"), 3, 10, False, 30),
}
MODERATED = ("SAFETY.OUTPUT.VIDEO", "The output was flagged by our content moderation.")


def _on_error(request: Request, exc: SimError) -> Response:
    body: dict[str, Any] = {"error": exc.message, **exc.extra}
    return JSONResponse(body, exc.status, headers=exc.headers)


def _iso(when_s: float) -> str:
    return datetime.datetime.fromtimestamp(when_s, datetime.UTC).isoformat().replace("+00:00", "Z")


def _invalid(path: str, message: str) -> SimError:
    issues = [{"path": [path], "message": message}]
    return SimError(400, "", "Validation of body failed", extra={"issues": issues})


def validate(body: Any) -> dict[str, Any]:
    """A text_to_video body against this simulator's reading of the model's fields."""
    if not isinstance(body, dict) or body.get("model") not in MODELS:
        raise _invalid("model", f"model must be one of {', '.join(MODELS)}")
    ratios, shortest_s, longest_s, audio, _ = MODELS[body["model"]]
    text = body.get("promptText")
    if not isinstance(text, str) or not text.strip():
        raise _invalid("promptText", "promptText must be a non-empty string")
    if body.get("ratio") not in ratios:
        raise _invalid("ratio", f"ratio must be one of {', '.join(ratios)}")
    duration = body.get("duration", shortest_s)
    if duration != "auto" and (not isinstance(duration, int) or not shortest_s <= duration <= longest_s):  # fmt: skip
        raise _invalid("duration", f"duration must be an integer from {shortest_s} to {longest_s}")
    if "audio" in body and (not audio or not isinstance(body["audio"], bool)):
        raise _invalid("audio", "audio is not a field of this model" if not audio else "audio must be a boolean")  # fmt: skip
    return body


class RunwaySim:
    """One (profile) simulator of the task API."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    def guard(self, request: Request) -> None:
        if request.headers.get("authorization", "") != f"Bearer {SIM_API_KEY}":
            raise SimError(401, "", "Invalid API key")
        if request.headers.get("x-runway-version") != VERSION:
            raise SimError(400, "", f"The X-Runway-Version header must be set to {VERSION}")

    def _spec(self, body: dict[str, Any]) -> VideoSpec:
        width_px, height_px = (int(side) for side in str(body["ratio"]).split(":"))
        width_px, height_px = self.ctx.render_dims(width_px, height_px)
        longest_s = MODELS[body["model"]][2]
        duration = body.get("duration", MODELS[body["model"]][1])
        seconds = float(longest_s if duration == "auto" else duration)
        prompt = str(body["promptText"])
        return VideoSpec(prompt=prompt, width=width_px, height=height_px, duration_s=seconds,
                         shots=shots_in(prompt), audio=bool(body.get("audio", MODELS[body["model"]][3])),
                         seed=int(body.get("seed") or 0))  # fmt: skip

    async def create(self, request: Request) -> Response:
        """POST /v1/text_to_video."""
        self.guard(request)
        try:
            given = json.loads(await request.body() or b"null")
        except ValueError:
            raise SimError(400, "", "the body is not JSON") from None
        body = validate(given)
        if self.ctx.admit_create(body["model"]) in ("rate_limit_storm", "rpm"):
            raise SimError(429, "", "You have exceeded the rate limit.")
        spec = self._spec(body)
        credits = MODELS[body["model"]][4] * int(spec.duration_s)
        task = self.ctx.new_task(body["model"], spec, task_id=str(uuid.uuid4()), data={"credits": credits})  # fmt: skip
        if self.ctx.fault("create_5xx_rate"):
            raise SimError(500, "", "An unexpected error occurred.")
        answer = {"id": task.id, "estimatedCost": {"credits": credits}}
        if self.ctx.fault("create_drop_rate"):
            return DroppedAnswer(json.dumps(answer).encode())
        return JSONResponse(answer)

    def task_body(self, task: SimTask) -> dict[str, Any]:
        """The task object now."""
        now = self.ctx.clock()
        phase = self.ctx.observe(task)
        body: dict[str, Any] = {"id": task.id, "createdAt": _iso(task.created_at_s)}
        estimated = {"credits": float(task.data["credits"])}
        if phase is Phase.QUEUED:
            full = self.ctx.active_count(task.model) > self.ctx.profile.concurrency_limit
            body.update(status="THROTTLED" if full else "PENDING", estimatedCost=estimated)
        elif phase is Phase.RUNNING:
            progress = (now - task.started_at_s) / task.run_s if task.run_s else 0.0
            body.update(status="RUNNING", progress=round(min(progress, 0.99), 2), estimatedCost=estimated)  # fmt: skip
        elif phase is Phase.SUCCEEDED:
            body.update(status="SUCCEEDED", output=[], cost={"credits": task.data["credits"]})
        elif phase is Phase.CANCELLED:
            body.update(status="CANCELLED", cost={"credits": 0})
        else:
            code, failure = MODERATED if phase is Phase.MODERATED else ("INTERNAL", "An unexpected error occurred.")  # fmt: skip
            body.update(status="FAILED", failure=failure, failureCode=code, cost={"credits": 0})
        return body

    def find(self, request: Request) -> SimTask:
        task = self.ctx.tasks.get(request.path_params["task_id"])
        if task is None or task.data.get("deleted"):
            raise SimError(404, "", "Task not found")
        return task

    async def get(self, request: Request) -> Response:
        """GET /v1/tasks/{id}."""
        self.guard(request)
        if self.ctx.fault("poll_5xx_rate"):
            raise SimError(502, "", "Bad gateway")
        task = self.find(request)
        if self.ctx.fault("malformed_body_rate"):
            return malformed_response()
        body = self.task_body(task)
        if body["status"] == "SUCCEEDED":
            body["output"] = [self.ctx.video_url(request, task)]
        return JSONResponse(body)

    async def delete(self, request: Request) -> Response:
        """DELETE /v1/tasks/{id}: a running task is cancelled, a finished one deleted."""
        self.guard(request)
        task = self.find(request)
        if self.ctx.observe(task).terminal:
            task.data["deleted"] = True
        else:
            task.cancelled_at_s = self.ctx.clock()
        return Response(status_code=204)

    async def organization(self, request: Request) -> Response:
        """GET /v1/organization: credit balance, tier limits and today's generations."""
        self.guard(request)
        counts: dict[str, int] = {}
        for task in self.ctx.tasks.values():
            counts[task.model] = counts.get(task.model, 0) + 1
        return JSONResponse({
            "creditBalance": 100_000,
            "tier": {"maxMonthlyCreditSpend": 1_000_000, "models": {m: {"maxConcurrentGenerations": self.ctx.profile.concurrency_limit, "maxDailyGenerations": None} for m in MODELS}},
            "usage": {"models": {m: {"dailyGenerations": n} for m, n in counts.items()}},
        })  # fmt: skip


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The task API's routes for one (profile, provider) context."""
    ctx.settings.setdefault("video_url_ttl_s", 24 * 3600.0)
    sim = RunwaySim(ctx)
    return [
        ctx.route("/v1/text_to_video", sim.create, methods=["POST"], operation="create", on_error=_on_error),
        ctx.route("/v1/tasks/{task_id}", sim.get, methods=["GET"], operation="poll", on_error=_on_error),
        ctx.route("/v1/tasks/{task_id}", sim.delete, methods=["DELETE"], operation="cancel", on_error=_on_error),
        ctx.route("/v1/organization", sim.organization, methods=["GET"], operation="organization", on_error=_on_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="runway", base_path="runway", routes=routes)
