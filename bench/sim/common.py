"""Provider-neutral machinery of the simulators: tasks, clock, limits, faults, files, stats.

How a provider simulator plugs in
---------------------------------
1. Write `bench/sim/<module>.py` with one public function::

       def routes(ctx: SimContext) -> list[BaseRoute]: ...

   Paths are relative to the provider's prefix (`/ark`, `/kling`, `/openai`, `/veo`);
   the server mounts the same routes under `/{provider}` (default profile) and under
   `/p/{profile}/{provider}`. `routes` is called once per (profile, provider), with a
   fresh `SimContext`, so all state kept on `ctx` (or in closures) is separate per pair.
   `server.PROVIDERS` maps the path segment to the module; a missing module is skipped.
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
   (computed from timestamps, nothing runs in the background) and starts the render
   once the task runs. `ctx.video_url(request, task)` is a signed, expiring URL on
   `/files/...` of the same server (lifetime `ctx.settings["video_url_ttl_s"]`, fault
   `expired_url_rate` honoured); the server serves it, including the truncation fault.
   Providers that serve the bytes themselves use `await ctx.video_path(task)`, which
   raises `RenderFailed` (answer a 500).
5. `ctx.clock` is replaceable (tests jump it forward to check expiry and visibility).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import hmac
import logging
import math
import random
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.sim.profiles import Profile, Quality

logger = logging.getLogger("bench.sim")

SCOPE_KEY = "vidbench.sim"  # per-request holder in the ASGI scope: operation, request id
DEFAULT_URL_TTL_S = 24 * 3600.0
RENDER_WORKERS = 2


class Phase(StrEnum):
    """A simulated task's provider-neutral state; each simulator maps it to its words."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    MODERATED = "moderated"  # failed by output moderation
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def terminal(self) -> bool:
        return self not in (Phase.QUEUED, Phase.RUNNING)


_SHOT_NUMBER = re.compile(r"(?:\bshot\s*|镜头\s*)(\d+)", re.IGNORECASE)
_CUT = re.compile(r"\bcut to\b|切换镜头|镜头切换", re.IGNORECASE)
MAX_SHOTS = 8


def shots_in(prompt: str) -> int:
    """Shots the prompt asks for: the highest "shot N"/"镜头N", or one more than its cuts."""
    numbered = [int(n) for n in _SHOT_NUMBER.findall(prompt)]
    return max(1, min(MAX_SHOTS, max([len(_CUT.findall(prompt)) + 1, *numbered])))


@dataclass(frozen=True)
class VideoSpec:
    """What the renderer should produce for a task (provider-neutral)."""

    prompt: str
    width: int
    height: int
    duration_s: float
    fps: int = 24
    shots: int = 1
    audio: bool = False
    seed: int = 0


@dataclass
class SimTask:
    """One simulated task; its phase is a pure function of its timestamps and the clock."""

    id: str
    model: str
    spec: VideoSpec
    created_at_s: float
    queue_s: float
    run_s: float
    outcome: Phase  # SUCCEEDED, FAILED or MODERATED, decided at create
    expires_at_s: float | None = None
    cancelled_at_s: float | None = None
    data: dict[str, Any] = field(default_factory=dict)  # provider-specific request fields
    url_token: str | None = None
    url_expires_at_s: float | None = None

    @property
    def started_at_s(self) -> float:
        return self.created_at_s + self.queue_s

    @property
    def finished_at_s(self) -> float:
        return self.started_at_s + self.run_s

    def phase(self, now_s: float) -> Phase:
        """The state at `now_s`."""
        if self.cancelled_at_s is not None and now_s >= self.cancelled_at_s:
            return Phase.CANCELLED
        expires_first = self.expires_at_s is not None and self.expires_at_s < self.finished_at_s
        if expires_first and now_s >= (self.expires_at_s or 0.0):
            return Phase.EXPIRED
        if now_s < self.started_at_s:
            return Phase.QUEUED
        if now_s < self.finished_at_s:
            return Phase.RUNNING
        return self.outcome

    def updated_at_s(self, now_s: float) -> float:
        """When the state last changed, as of `now_s`."""
        phase = self.phase(now_s)
        if phase is Phase.CANCELLED:
            return self.cancelled_at_s or self.created_at_s
        if phase is Phase.EXPIRED:
            return self.expires_at_s or self.created_at_s
        if phase is Phase.QUEUED:
            return self.created_at_s
        if phase is Phase.RUNNING:
            return self.started_at_s
        return self.finished_at_s


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


class Stats:
    """Thread-safe request counters by (provider, profile, operation, status code)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str, str, int]] = Counter()
        self._created: Counter[tuple[str, str]] = Counter()

    def record(self, provider: str, profile: str, operation: str, status: int) -> None:
        """Count one answered request."""
        with self._lock:
            self._requests[(provider, profile, operation, status)] += 1

    def task_created(self, provider: str, profile: str) -> None:
        """Count one created task (billed or not)."""
        with self._lock:
            self._created[(provider, profile)] += 1

    def count(
        self,
        provider: str | None = None,
        profile: str | None = None,
        operation: str | None = None,
        status: int | None = None,
    ) -> int:
        """Requests matching every given field."""
        want = (provider, profile, operation, status)
        with self._lock:
            items = list(self._requests.items())
        return sum(
            n
            for key, n in items
            if all(w is None or w == k for w, k in zip(want, key, strict=True))
        )

    def created(self, provider: str | None = None, profile: str | None = None) -> int:
        """Tasks created, optionally for one provider and/or profile."""
        with self._lock:
            items = list(self._created.items())
        return sum(
            n
            for (prov, prof), n in items
            if (provider is None or prov == provider) and (profile is None or prof == profile)
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready snapshot (the body of `GET /_sim/stats`)."""
        with self._lock:
            requests = sorted(self._requests.items())
            created = sorted(self._created.items())
        return {
            "requests": [
                {"provider": p, "profile": f, "operation": o, "status": s, "count": n}
                for (p, f, o, s), n in requests
            ],
            "tasks_created": [{"provider": p, "profile": f, "count": n} for (p, f), n in created],
            "total_requests": sum(n for _, n in requests),
        }


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
        """The rendered file; raises RenderFailed."""
        try:
            return await asyncio.wrap_future(self.start(spec, quality))
        except Exception as exc:
            raise RenderFailed(f"{type(exc).__name__}: {exc}") from exc

    def shutdown(self) -> None:
        """Stop the workers (pending renders are dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _render(spec: VideoSpec, quality: Quality, cache_dir: Path) -> Path:
    # Imported here so the simulators load even while the renderer is being changed.
    from bench.sim.render import RenderSpec, render_video

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


@dataclass
class FileEntry:
    """What a signed file token points at."""

    ctx: SimContext
    task_id: str
    spec: VideoSpec


class FileStore:
    """Signed, expiring file URLs served at `/files/{token}.mp4?expires=..&sig=..`."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)
        self.entries: dict[str, FileEntry] = {}

    def sign(self, token: str, expires_s: int) -> str:
        """HMAC of the token and its expiry."""
        msg = f"{token}:{expires_s}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def verify(self, token: str, expires_s: int, signature: str) -> bool:
        """Whether `signature` is ours for this token and expiry."""
        return hmac.compare_digest(self.sign(token, expires_s), signature)


def request_id(request: Request) -> str:
    """The id the server assigned to this request (also in the provider's header)."""
    holder = request.scope.get(SCOPE_KEY)
    if isinstance(holder, dict) and holder.get("request_id"):
        return str(holder["request_id"])
    return secrets.token_hex(16)


def server_root(request: Request) -> str:
    """`scheme://host:port` as the client addressed this server."""
    host = request.headers.get("host") or "{}:{}".format(
        *(request.scope.get("server") or ("127.0.0.1", 80))
    )
    return f"{request.url.scheme}://{host}"


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
        files: FileStore,
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
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_later(task.queue_s, self.observe, task)

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
        sig = self.files.sign(task.url_token, expires_s)
        return f"{server_root(request)}/files/{task.url_token}.mp4?expires={expires_s}&sig={sig}"

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


def malformed_response() -> Response:
    """A 200 whose JSON body is cut short (the `malformed_body_rate` fault)."""
    return Response(b'{"id": "x", "status": "runn', status_code=200, media_type="application/json")
