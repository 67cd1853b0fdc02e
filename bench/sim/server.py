"""All provider simulators on one port over real HTTP (starlette app, uvicorn in a thread).

URL layout (root = `http://HOST:PORT`):
  /{provider}/...              the provider's API with the server's default profile
  /p/{profile}/{provider}/...  the same API with another profile (separate state)
  /files/{token}.mp4?expires=..&sig=..   signed, expiring video downloads
  /_sim/stats                  request and task counters as JSON
Every provider package registered in `adapters.registry` (built in or through the
`vidbench.adapters` entry point) brings its own `SimMount` (path segment, base path,
routes); the server keeps no list of providers. The judge scorer's endpoint is the one
mount declared here.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import secrets
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Router
from starlette.types import Message, Receive, Scope, Send

from vidbench.core import sim
from vidbench.core.sim import SIM_ACCESS_KEY, SIM_API_KEY, SIM_SECRET_KEY
from vidbench.core.sim.clip_cache import ClipCache
from vidbench.core.sim.common import (
    REQUEST_HOLDER,
    SCOPE_KEY,
    FileEntry,
    Renderer,
    RenderFailed,
    SimContext,
    SimMount,
    overrun_headers,
)
from vidbench.core.sim.counters import Stats
from vidbench.core.sim.files import FileStore
from vidbench.core.sim.media import send_truncated
from vidbench.core.sim.profiles import PROFILES, Profile

logger = logging.getLogger("vidbench.core.sim")

# The judge scorer's OpenAI-compatible vision endpoint (config `judge.adapter: openai_chat`):
# a scorer's simulator, not a video provider, so it is not in the adapter registry.
JUDGE_ADAPTER = "openai_chat"

# The credential every simulator accepts for each secret role (unless its mount says).
SIM_SECRETS: dict[str, str] = {
    "api_key": sim.SIM_API_KEY,
    "access_key": sim.SIM_ACCESS_KEY,
    "secret_key": sim.SIM_SECRET_KEY,
}


def _judge_routes(ctx: SimContext) -> list[BaseRoute]:
    # Imported on first use: the judge pulls in OpenCV, which plain provider runs never need.
    from vidbench.core.sim import judge

    return judge.routes(ctx)


def mounts() -> dict[str, SimMount]:
    """Adapter name → simulator mount: every registered provider's, and the judge's."""
    registry = importlib.import_module("vidbench.adapters.registry")
    found: dict[str, SimMount] = registry.simulators()
    found[JUDGE_ADAPTER] = SimMount(segment="judge", base_path="judge/v1", routes=_judge_routes)
    return found


def adapter_paths() -> dict[str, str]:
    """Adapter name → base URL path under the server root, for every simulated adapter."""
    return {adapter: mount.base_path for adapter, mount in mounts().items()}


class _SimApp:
    """The ASGI app: dispatches by path prefix to per-(profile, provider) routers."""

    def __init__(self, server: SimServer):
        self.server = server
        self.routers: dict[tuple[str, str], Router | None] = {}
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == "/_sim/stats":
            await JSONResponse(self.server.stats())(scope, receive, send)
            return
        if path.startswith("/files/"):
            await self._serve_file(scope, receive, send)
            return
        parts = path.split("/", 4)
        profile_name = self.server.default_profile
        if len(parts) > 3 and parts[1] == "p":
            profile_name, provider = parts[2], parts[3]
            prefix = f"/p/{profile_name}/{provider}"
        else:
            provider = parts[1] if len(parts) > 1 else ""
            prefix = f"/{provider}"
        router = self.router(profile_name, provider)
        if router is None:
            await JSONResponse({"error": {"message": f"no simulator at {path}"}}, 404)(
                scope, receive, send
            )
            return
        ctx = self.server.context(provider, profile_name)
        holder: dict[str, Any] = {"operation": "unmatched", "request_id": _new_request_id()}
        status = {"code": 0}

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                # Counted before the answer leaves: a client that reads the stats right after
                # its response must see its own request.
                self.server.counters.record(
                    provider, profile_name, holder["operation"], status["code"]
                )
                holder["counted"] = True
                headers = list(message.get("headers", [])) + overrun_headers(holder)
                if ctx.request_id_header:
                    headers.append(
                        (ctx.request_id_header.lower().encode(), holder["request_id"].encode())
                    )
                message = {**message, "headers": headers}
            await send(message)

        rest = path[len(prefix) :] or "/"
        child = dict(
            scope, path=rest, raw_path=rest.encode(), root_path=scope.get("root_path", "") + prefix
        )
        child[SCOPE_KEY] = holder
        reset = REQUEST_HOLDER.set(holder)
        try:
            await router(child, receive, send_counted)
        finally:
            REQUEST_HOLDER.reset(reset)
            if not holder.get("counted"):  # no answer was started (a dropped connection)
                self.server.counters.record(
                    provider, profile_name, holder["operation"], status["code"]
                )

    def router(self, profile_name: str, provider: str) -> Router | None:
        """The router of one (profile, provider), built on first use; None if unknown."""
        key = (profile_name, provider)
        with self.lock:
            if key not in self.routers:
                if profile_name not in self.server.profiles:
                    return None
                mount = self.server.mount_at(provider)
                if mount is None:
                    return None
                ctx = self.server.context(provider, profile_name)
                self.routers[key] = Router(routes=mount.routes(ctx))
            return self.routers[key]

    async def _serve_file(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        token = scope["path"][len("/files/") :].removesuffix(".mp4")
        entry = self.server.files.entries.get(token)
        provider, profile = (
            (entry.ctx.provider, entry.ctx.profile.name) if entry else ("files", "-")
        )
        response: Response
        try:
            expires_s = int(request.query_params.get("expires", ""))
        except ValueError:
            expires_s = -1
        sig = request.query_params.get("sig", "")
        if entry is None:
            response = Response("NoSuchKey", 404, media_type="text/plain")
        elif not self.server.files.verify(token, expires_s, sig):
            response = Response("SignatureDoesNotMatch", 403, media_type="text/plain")
        elif entry.ctx.clock() >= expires_s:
            response = Response("Request has expired", 403, media_type="text/plain")
        else:
            holder: dict[str, Any] = {}
            reset = REQUEST_HOLDER.set(holder)
            try:
                clip = await self._clip_response(entry, token, send)
            finally:
                REQUEST_HOLDER.reset(reset)
            if clip is None:  # the truncation fault: already sent (and counted)
                return
            response = clip
            response.raw_headers.extend(overrun_headers(holder))
        # Counted before the answer goes out, so a client reading the stats after it sees it.
        self.server.counters.record(provider, profile, "download", response.status_code)
        await response(scope, receive, send)

    async def _clip_response(self, entry: FileEntry, token: str, send: Send) -> Response | None:
        """The clip's bytes (rendered first if need be), a 500, or None when the truncation
        fault has already sent half of it."""
        try:
            video = await entry.ctx.renderer.path(entry.spec, entry.ctx.profile.quality)
        except RenderFailed as exc:
            logger.warning("render failed for %s: %s", token, exc)
            return JSONResponse(
                {"error": {"code": "InternalServiceError", "message": "render failed"}}, 500
            )
        if entry.ctx.fault("truncated_download_rate"):
            self.server.counters.record(entry.ctx.provider, entry.ctx.profile.name, "download", 200)
            await send_truncated(video, send)
            return None
        clips = self.server.clips
        data = clips.cached(video) or await asyncio.to_thread(clips.get, video)
        if data is None:
            return FileResponse(video, media_type="video/mp4")
        return Response(data, media_type="video/mp4")


def _new_request_id() -> str:
    # Ark-like request ids: a timestamp and random hex.
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10)


class SimServer:
    """Every provider simulator on one loopback port, in a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default_profile: str = "default",
        seed: int = 0,
        cache_dir: Path | None = None,
        profiles: dict[str, Profile] | None = None,
        settings: dict[str, dict[str, Any]] | None = None,
    ):
        self.host = host
        self.port = port
        self.profiles: dict[str, Profile] = {**PROFILES, **(profiles or {})}
        if default_profile not in self.profiles:
            raise KeyError(
                f"unknown simulator profile {default_profile!r}; known: {', '.join(self.profiles)}"
            )
        self.default_profile = default_profile
        self.seed = seed
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if cache_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="vidbench-sim-")
            cache_dir = Path(self._tmp.name)
        self.cache_dir = cache_dir
        self.settings = settings or {}  # provider → settings for every profile of it
        self.counters = Stats()
        self.files: FileStore[FileEntry] = FileStore()
        self.clips = ClipCache()
        self.renderer = Renderer(cache_dir)
        self._contexts: dict[tuple[str, str], SimContext] = {}
        self.mounts = mounts()  # adapter name → mount, read once per server
        self._app = _SimApp(self)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def mount_at(self, segment: str) -> SimMount | None:
        """The mount served under the path segment `segment`, if any."""
        return next((m for m in self.mounts.values() if m.segment == segment), None)

    def context(self, provider: str, profile: str | None = None) -> SimContext:
        """The state of one (provider, profile) simulator, created on first use."""
        name = profile or self.default_profile
        key = (provider, name)
        with self._lock:
            if key not in self._contexts:
                self._contexts[key] = SimContext(
                    provider,
                    self.profiles[name],
                    seed=self.seed,
                    stats=self.counters,
                    renderer=self.renderer,
                    files=self.files,
                    settings=self.settings.get(provider),
                )
            return self._contexts[key]

    def start(self) -> SimServer:
        """Start serving; returns once the port accepts connections."""
        # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
        # proto says TCP, and with Nagle on every response waited ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="sim-server"
        )
        self._thread.start()
        deadline = time.monotonic() + 10.0
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("simulator server failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and drop pending renders."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self._server = self._thread = None
        self.renderer.shutdown()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://HOST:PORT` of the running server."""
        return f"http://{self.host}:{self.port}"

    def base_url(self, adapter: str, profile: str | None = None) -> str:
        """The base URL an adapter is pointed at, optionally for a non-default profile."""
        if adapter not in self.mounts:
            known = ", ".join(self.mounts)
            raise KeyError(f"no simulator for adapter {adapter!r} (simulated: {known})")
        path = self.mounts[adapter].base_path
        if profile is None or profile == self.default_profile:
            return f"{self.url}/{path}"
        if profile not in self.profiles:
            raise KeyError(f"unknown simulator profile {profile!r}")
        return f"{self.url}/p/{profile}/{path}"

    def secret(self, adapter: str, role: str, profile: str | None = None) -> str:
        """The credential this simulator accepts for an adapter's secret `role`."""
        mount = self.mounts.get(adapter)
        value = (
            mount.secret(role, self.base_url(adapter, profile)) if mount and mount.secret else None
        )
        if value is not None:
            return value
        if role not in SIM_SECRETS:
            raise KeyError(f"the {adapter} simulator has no credential for role {role!r}")
        return SIM_SECRETS[role]

    def stats(self) -> dict[str, Any]:
        """Request and task counters (same as `GET /_sim/stats`)."""
        return self.counters.as_dict()


def serve(port: int, profile: str, host: str = "127.0.0.1", render_scale: float = 1.0) -> None:
    """Run every simulator until interrupted (for `vidbench sim`); prints the base URLs first.

    Then the credentials the simulators accept, so a user's own client is not refused with a
    401 it cannot explain; `render_scale` below 1 renders smaller videos (cheap rehearsals).
    """
    settings = {mount.segment: {"render_scale": render_scale} for mount in mounts().values()}
    server = SimServer(host=host, port=port, default_profile=profile, settings=settings)
    server.start()
    try:
        for adapter in server.mounts:
            print(f"{adapter}: {server.base_url(adapter)}")
        print(f"api key (Bearer / x-goog-api-key): {SIM_API_KEY}")
        print(f"access key (JWT issuer): {SIM_ACCESS_KEY}")
        print(f"secret key (JWT signing): {SIM_SECRET_KEY}")
        print(f"stats: {server.url}/_sim/stats", flush=True)
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m vidbench.core.sim.server --port N --profile NAME`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--render-scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    serve(args.port, args.profile, args.host, args.render_scale)


if __name__ == "__main__":
    main()
