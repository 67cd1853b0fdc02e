"""The toy provider's simulator, on the shared kit (`vidbench.core.sim.common`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError, SimMount
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec

PHASES = {
    Phase.QUEUED: "queued",
    Phase.RUNNING: "running",
    Phase.SUCCEEDED: "succeeded",
    Phase.FAILED: "failed",
    Phase.MODERATED: "moderated",
}


def _error(request: Request, exc: SimError) -> Response:
    return JSONResponse(
        {"error": {"message": exc.message, "code": exc.code}}, exc.status, headers=exc.headers
    )


class ToyHandlers:
    """One method per endpoint."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx

    def guard(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {SIM_API_KEY}":
            raise SimError(401, "unauthorized", "invalid api key")

    def task(self, request: Request, task: SimTask) -> dict[str, object]:
        phase = self.ctx.observe(task)
        body: dict[str, object] = {"id": task.id, "status": PHASES.get(phase, "failed")}
        if phase is Phase.SUCCEEDED:
            body["video_url"] = self.ctx.video_url(request, task)
        return body

    async def create(self, request: Request) -> Response:
        self.guard(request)
        body = await request.json()
        if self.ctx.admit_create(str(body.get("model"))) is not None:
            raise SimError(429, "rate_limited", "slow down", headers={"Retry-After": "1"})
        width, height = self.ctx.render_dims(640, 360)
        spec = VideoSpec(str(body.get("prompt")), width, height, float(body.get("seconds", 2)))
        task = self.ctx.new_task(
            str(body.get("model")), spec, data={"client_id": body.get("client_id")}
        )
        if self.ctx.fault("create_5xx_rate"):  # made, but the client cannot know
            raise SimError(500, "internal", "internal error")
        return JSONResponse({"id": task.id})

    async def get(self, request: Request) -> Response:
        self.guard(request)
        task = self.ctx.tasks.get(request.path_params["task_id"])
        if task is None:
            raise SimError(404, "not_found", "no such task")
        return JSONResponse(self.task(request, task))

    async def lookup(self, request: Request) -> Response:
        self.guard(request)
        client_id = request.query_params.get("client_id")
        found = [t for t in self.ctx.tasks.values() if t.data.get("client_id") == client_id]
        return JSONResponse({"data": [self.task(request, t) for t in found]})


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The toy API under `/toy/v1`."""
    handlers = ToyHandlers(ctx)
    return [
        ctx.route("/v1/tasks", handlers.create, methods=["POST"], operation="create", on_error=_error),
        ctx.route("/v1/tasks", handlers.lookup, methods=["GET"], operation="list", on_error=_error),
        ctx.route("/v1/tasks/{task_id}", handlers.get, methods=["GET"], operation="get", on_error=_error),
    ]  # fmt: skip


SIMULATOR = SimMount(segment="toy", base_path="toy/v1", routes=routes)
