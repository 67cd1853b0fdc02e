"""The simulators' ASGI app: every provider's routes on one port, dispatched by path prefix.

`SimApp` serves what `vidbench.core.sim.server.SimServer` holds (its `AppHost` side: the
profiles, the per-(provider, profile) contexts, counters, signed files and clip cache):
  /{provider}/...              the provider's API with the server's default profile
  /p/{profile}/{provider}/...  the same API with another profile (separate state)
  /files/{token}.mp4?expires=..&sig=..   signed, expiring video downloads
  /_sim/stats                  request and task counters as JSON
Every answer carries `x-vidbench-simulator: 1` (`SIMULATOR_HEADER`), so a client pointed at a
simulator by URL can tell it is not talking to the real provider.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Router
from starlette.types import Message, Receive, Scope, Send

from vidbench.core.sim import SIMULATOR_HEADER
from vidbench.core.sim.clip_cache import ClipCache
from vidbench.core.sim.common import (
    REQUEST_HOLDER,
    SCOPE_KEY,
    FileEntry,
    RenderFailed,
    SimContext,
    SimMount,
    overrun_headers,
)
from vidbench.core.sim.counters import Stats
from vidbench.core.sim.files import FileStore
from vidbench.core.sim.media import send_truncated
from vidbench.core.sim.profiles import Profile

logger = logging.getLogger("vidbench.core.sim")


class AppHost(Protocol):
    """What the app reads from the server that runs it."""

    default_profile: str
    profiles: dict[str, Profile]
    counters: Stats
    files: FileStore[FileEntry]
    clips: ClipCache

    def context(self, provider: str, profile: str | None = None) -> SimContext: ...
    def mount_at(self, segment: str) -> SimMount | None: ...
    def stats(self) -> dict[str, Any]: ...


def _identified(send: Send) -> Send:
    """`send` with the simulator's own header on the response start."""

    async def identified(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (SIMULATOR_HEADER.encode(), b"1")]
            message = {**message, "headers": headers}
        await send(message)

    return identified


class SimApp:
    """The ASGI app: dispatches by path prefix to per-(profile, provider) routers."""

    def __init__(self, server: AppHost):
        self.server = server
        self.routers: dict[tuple[str, str], Router | None] = {}
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        send = _identified(send)
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
        holder: dict[str, Any] = {"operation": "unmatched", "request_id": new_request_id()}
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


def new_request_id() -> str:
    # Ark-like request ids: a timestamp and random hex.
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10)
