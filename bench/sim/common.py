"""The simulator context: clock, limits, faults, renders and routes of one provider.

Around it: `vidbench.core.sim.tasks` (`VideoSpec`, `SimTask`, `Phase`: a task's timeline),
`vidbench.core.sim.counters` (`Stats`, the request and task counters), `vidbench.core.sim.files` (signed,
expiring `/files/...` URLs) and `vidbench.core.sim.media` (render sizes, thumbnails, the truncated
download fault) for simulators that serve video bytes themselves.

How a provider simulator plugs in
---------------------------------
1. In the provider's package under `adapters/` (e.g. `adapters/minimax/sim.py`), write::

       def routes(ctx: SimContext) -> list[BaseRoute]: ...
       SIMULATOR = SimMount(segment="minimax", base_path="minimax", routes=routes)

   and export `SIMULATOR` from the package next to `ADAPTER`. Paths are relative to the
   provider's segment; the server mounts the same routes under `/{segment}` (default
   profile) and under `/p/{profile}/{segment}`, finding the mount through
   `adapters.registry` (no list of providers in the server). `routes` is called once per
   (profile, provider), with a fresh `SimContext`, so all state kept on `ctx` (or on a
   handler object built in `routes`) is separate per pair. Keep handlers small and named:
   a class with one method per endpoint, as the built-in providers do.
2. Build each route with `ctx.route(path, endpoint, methods=[...], operation="create",
   on_error=render)`. The wrapper names the operation for the counters and turns a raised
   `SimError` (or any crash, as a 500) into the provider's own envelope via `on_error`.
   Set `ctx.request_id_header = "X-Request-Id"` in `routes()` to put the request id
   (`request_id(request)`) on every response of the provider.
3. In a create handler: `ctx.admit_create(model)` raises nothing; it returns
   "rate_limit_storm" / "rpm" / "concurrency" (→ answer the provider's 429) or None.
   Then `task = ctx.new_task(model, VideoSpec(...), expires_after_s=...)`; the outcome
   (succeeded / failed / moderated) and the queue and run durations are drawn here from
   the profile. For the ambiguous fault, check `ctx.fault("create_5xx_rate")` *after*
   creating the task and answer a 5xx.
4. In a poll handler: `ctx.fault("poll_5xx_rate")`, `ctx.fault("malformed_body_rate")`
   (→ `malformed_response()`), then `phase = ctx.observe(task)` gives the `Phase` now
   (computed from timestamps; the clip's render started at the create, in the
   renderer's pool, so the task is done at the profile's time whatever rendering costs
   here; with `eager_render: false` it starts here once the task runs). `ctx.video_url(request, task)` is a signed, expiring URL on
   `/files/...` of the same server (lifetime `ctx.settings["video_url_ttl_s"]`, fault
   `expired_url_rate` honoured; signing in `vidbench.core.sim.files`); the server serves it,
   including the truncation fault. Providers that serve the bytes themselves use
   `await ctx.video_path(task)`, which raises `RenderFailed` (answer a 500), and
   `vidbench.core.sim.media.TruncatedFileResponse` for the truncation fault. A download
   that waits for a render still running is answered with the wait in the
   `x-sim-render-overrun-s` header (both ways, nothing to do in the provider's code); the
   runner records it apart and leaves it out of latency.
5. `ctx.clock` is replaceable (tests jump it forward to check expiry and visibility).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import math
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vidbench.core.sim import OVERRUN_HEADER
from vidbench.core.sim.counters import Stats
from vidbench.core.sim.files import FileStore, server_root
from vidbench.core.sim.profiles import Profile, Quality
from vidbench.core.sim.tasks import Phase, SimTask, VideoSpec

logger = logging.getLogger("vidbench.core.sim")

SCOPE_KEY = "vidbench.sim"  # per-request holder in the ASGI scope: operation, request id
# The same holder for code that has no request at hand (`Renderer.path` notes its overrun).
REQUEST_HOLDER: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "vidbench_sim_request", default=None
)
DEFAULT_URL_TTL_S = 24 * 3600.0
RENDER_WORKERS = 2


class SimError(Exception):
    """An error the simulated provider answers with; `on_error` renders its envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.type = type
        self.headers = headers or {}
        self.extra = extra or {}


class RenderFailed(Exception):
    """The renderer could not produce the video (answered as a provider 500)."""


class Renderer:
    """Renders videos off the event loop in a small thread pool; dedupes identical specs."""

    def __init__(self, cache_dir: Path, workers: int = RENDER_WORKERS):
        self.cache_dir = cache_dir
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="sim-render")
        self._futures: dict[tuple[VideoSpec, Quality], concurrent.futures.Future[Path]] = {}
        self._lock = threading.Lock()

    def start(self, spec: VideoSpec, quality: Quality) -> concurrent.futures.Future[Path]:
        """Begin (or join) the render of `spec`."""
        key = (spec, quality)
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                future = self._pool.submit(_render, spec, quality, self.cache_dir)
                self._futures[key] = future
            return future

    async def path(self, spec: VideoSpec, quality: Quality) -> Path:
        """The rendered file; raises RenderFailed. Time spent waiting for the render is
        noted on the request being answered (`note_overrun`): the clip was due already."""
        future = self.start(spec, quality)
        waited_from = None if future.done() else time.monotonic()
        try:
            return await asyncio.wrap_future(future)
        except Exception as exc:
            raise RenderFailed(f"{type(exc).__name__}: {exc}") from exc
        finally:
            if waited_from is not None:
                note_overrun(time.monotonic() - waited_from)

    def shutdown(self) -> None:
        """Stop the workers (pending renders are dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def note_overrun(seconds: float) -> None:
    """Add `seconds` of render wait to the request being answered (its overrun header)."""
    holder = REQUEST_HOLDER.get()
    if holder is not None:
        holder["render_overrun_s"] = holder.get("render_overrun_s", 0.0) + max(0.0, seconds)


def overrun_headers(holder: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """The overrun header for a response, when its request waited for a render."""
    overrun_s = holder.get("render_overrun_s")
    if not overrun_s:
        return []
    return [(OVERRUN_HEADER.encode(), f"{overrun_s:.3f}".encode())]


def _render(spec: VideoSpec, quality: Quality, cache_dir: Path) -> Path:
    # Imported here so the simulators load even while the renderer is being changed.
    from vidbench.core.sim.render import RenderSpec, render_video

    render_spec = RenderSpec(
        prompt=spec.prompt,
        width=spec.width,
        height=spec.height,
        duration_s=spec.duration_s,
        fps=spec.fps,
        shots=spec.shots,
        audio=spec.audio,
        quality=quality,
        seed=spec.seed,
    )
    return render_video(render_spec, cache_dir)


def request_id(request: Request) -> str:
    """The id the server assigned to this request (also in the provider's header)."""
    holder = request.scope.get(SCOPE_KEY)
    if isinstance(holder, dict) and holder.get("request_id"):
        return str(holder["request_id"])
    return secrets.token_hex(16)


Endpoint = Callable[[Request], Awaitable[Response]]
ErrorRenderer = Callable[[Request, SimError], Response]


class SimContext:
    """All state of one (profile, provider) simulator; handed to the provider's `routes()`."""

    def __init__(
        self,
        provider: str,
        profile: Profile,
        *,
        seed: int,
        stats: Stats,
        renderer: Renderer,
        files: FileStore[FileEntry],
        settings: dict[str, Any] | None = None,
    ):
        self.provider = provider
        self.profile = profile
        self.stats = stats
        self.renderer = renderer
        self.files = files
        self.settings: dict[str, Any] = dict(settings or {})
        self.clock: Callable[[], float] = time.time
        # A string seed is hashed deterministically, so runs repeat for the same server seed.
        self.rng = random.Random(f"{seed}:{profile.name}:{provider}")
        self.tasks: dict[str, SimTask] = {}
        self.request_id_header: str | None = None
        self._create_times: dict[str, deque[float]] = {}

    # -- randomness and faults -------------------------------------------------------------

    def sample_s(self, median_sigma: tuple[float, float]) -> float:
        """A lognormal duration with the given (median, sigma)."""
        median, sigma = median_sigma
        if median <= 0:
            return 0.0
        return median * math.exp(sigma * self.rng.gauss(0.0, 1.0))

    def fault(self, name: str) -> bool:
        """Whether the profile's fault `name` (a `Faults` field) fires for this request."""
        rate = float(getattr(self.profile.faults, name))
        return rate > 0 and self.rng.random() < rate

    # -- tasks -----------------------------------------------------------------------------

    def new_task(
        self,
        model: str,
        spec: VideoSpec,
        *,
        task_id: str | None = None,
        expires_after_s: float | None = None,
        outcome: Phase | None = None,
        data: dict[str, Any] | None = None,
    ) -> SimTask:
        """Create and store a task; outcome and latencies are drawn from the profile."""
        now = self.clock()
        if outcome is None:
            draw = self.rng.random()
            if draw < self.profile.failure_rate:
                outcome = Phase.FAILED
            elif draw < self.profile.failure_rate + self.profile.output_moderation_rate:
                outcome = Phase.MODERATED
            else:
                outcome = Phase.SUCCEEDED
        task = SimTask(
            id=task_id or secrets.token_hex(12),
            model=model,
            spec=spec,
            created_at_s=now,
            queue_s=self.sample_s(self.profile.queue_s),
            run_s=self.sample_s(self.profile.run_s),
            outcome=outcome,
            expires_at_s=None if expires_after_s is None else now + expires_after_s,
            data=dict(data or {}),
        )
        self.tasks[task.id] = task
        self._create_times.setdefault(model, deque()).append(now)
        self.stats.task_created(self.provider, self.profile.name)
        if outcome is Phase.SUCCEEDED and self.settings.get("eager_render", True):
            self._schedule_render(task)
        return task

    def _schedule_render(self, task: SimTask) -> None:
        # Rendered ahead, from the create on: the clip is due at the profile's time, whatever
        # the render costs here; a render still running then is reported as overrun.
        self.renderer.start(task.spec, self.profile.quality)

    def active_count(self, model: str) -> int:
        """Non-terminal tasks of `model` right now."""
        now = self.clock()
        return sum(1 for t in self.tasks.values() if t.model == model and not t.phase(now).terminal)

    def admit_create(self, model: str) -> str | None:
        """Why a create must be answered 429 ("rate_limit_storm", "rpm", "concurrency"), or None."""
        if self.fault("rate_limit_storm_rate"):
            return "rate_limit_storm"
        now = self.clock()
        window = self._create_times.setdefault(model, deque())
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= self.profile.rpm_limit:
            return "rpm"
        if self.active_count(model) >= self.profile.concurrency_limit:
            return "concurrency"
        return None

    def observe(self, task: SimTask) -> Phase:
        """The task's phase now; starts its render once it is running or done."""
        phase = task.phase(self.clock())
        if task.outcome is Phase.SUCCEEDED and phase in (Phase.RUNNING, Phase.SUCCEEDED):
            self.renderer.start(task.spec, self.profile.quality)
        return phase

    # -- videos ----------------------------------------------------------------------------

    def video_url(self, request: Request, task: SimTask) -> str:
        """A signed URL of the task's video on this server, stable across polls."""
        if task.url_token is None:
            task.url_token = secrets.token_urlsafe(18)
            if self.fault("expired_url_rate"):
                task.url_expires_at_s = self.clock() - 1.0
            else:
                ttl_s = float(self.settings.get("video_url_ttl_s", DEFAULT_URL_TTL_S))
                task.url_expires_at_s = task.finished_at_s + ttl_s
            self.files.entries[task.url_token] = FileEntry(self, task.id, task.spec)
        expires_s = int(task.url_expires_at_s or 0)
        return self.files.signed_url(server_root(request), task.url_token, expires_s)

    def render_dims(self, width_px: int, height_px: int) -> tuple[int, int]:
        """The size to render a nominal size at (the `render_scale` setting, default 1)."""
        from vidbench.core.sim.media import render_size

        scale = float(self.settings.get("render_scale", 1.0))
        return (width_px, height_px) if scale == 1.0 else render_size(width_px, height_px, scale)

    async def video_path(self, task: SimTask) -> Path:
        """The rendered video of `task` (renders now if needed); raises RenderFailed."""
        return await self.renderer.path(task.spec, self.profile.quality)

    # -- routes ----------------------------------------------------------------------------

    def route(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        methods: list[str],
        operation: str,
        on_error: ErrorRenderer,
    ) -> Route:
        """A route whose requests are counted as `operation` and whose errors use `on_error`."""

        async def handle(request: Request) -> Response:
            holder = request.scope.get(SCOPE_KEY)
            if isinstance(holder, dict):
                holder["operation"] = operation
            try:
                return await endpoint(request)
            except SimError as exc:
                return on_error(request, exc)
            except Exception:
                logger.exception("simulator %s crashed on %s", self.provider, operation)
                return on_error(request, SimError(500, "InternalServiceError", "internal error"))

        return Route(path, handle, methods=methods)


RoutesFactory = Callable[[SimContext], list[BaseRoute]]
# (secret role, the simulator's base URL for the adapter) → the value the simulator accepts.
SecretFactory = Callable[[str, str], str | None]


@dataclass(frozen=True)
class SimMount:
    """How a provider package's simulator is served: what a provider's `SIMULATOR` is.

    `segment` is the path prefix on the server (`/{segment}/...`); `base_path` is the
    adapter's base URL below the server root (e.g. "wan" or "minimax/v1"); `routes` builds
    the routes for one (profile, provider) context; `secret` may give a role's simulator
    credential (None: the shared simulator key of that role).
    """

    segment: str
    base_path: str
    routes: RoutesFactory
    secret: SecretFactory | None = None


def malformed_response() -> Response:
    """A 200 whose JSON body is cut short (the `malformed_body_rate` fault)."""
    return Response(b'{"id": "x", "status": "runn', status_code=200, media_type="application/json")


@dataclass
class FileEntry:
    """What a signed file token points at."""

    ctx: SimContext
    task_id: str
    spec: VideoSpec
