"""What keeps other web pages from driving the arena: an ASGI middleware.

The arena binds loopback, but a page in the same browser can still reach it (a form or
`text/plain` POST needs no CORS preflight; DNS rebinding points an attacker's name at
127.0.0.1). So every request must name this server in its Host header; every /api/ call
must come from the arena's own origin, carry the per-process token the page was served
with (`X-Arena-Token`), and a POST must be `application/json` of at most `MAX_BODY_BYTES`.
Every response forbids framing and MIME sniffing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers

TOKEN_HEADER = "x-arena-token"
MAX_BODY_BYTES = 16 * 1024
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host header values that name this server."""
    configured = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return frozenset(
        f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]", configured.lower())
    )


class Lockdown:
    """Refuse requests that did not come from the arena's own page; secure every answer."""

    def __init__(self, app: App, token: str, hosts: frozenset[str]):
        self.app = app
        self.token = token
        self.hosts = hosts
        self.origins = frozenset(f"http://{h}" for h in hosts)

    def refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        """(status, reason) when the request is refused, else None."""
        if headers.get("host", "").lower() not in self.hosts:
            return 421, "unknown Host"
        if not str(scope.get("path", "")).startswith("/api/"):
            return None
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return 403, "cross-origin request"
        if headers.get("sec-fetch-site", "").lower() == "cross-site":
            return 403, "cross-site request"
        if not hmac.compare_digest(headers.get(TOKEN_HEADER, "").encode(), self.token.encode()):
            return 403, "missing or wrong arena token"
        if scope.get("method") == "POST":
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                return 415, "Content-Type must be application/json"
            length = headers.get("content-length", "0")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                return 413, f"body over {MAX_BODY_BYTES} bytes"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        refused = self.refusal(scope, Headers(scope=scope))
        if refused is None and scope.get("method") == "POST":
            body = await read_limited(receive)
            if body is None:
                refused = 413, f"body over {MAX_BODY_BYTES} bytes"
            else:
                receive = replay(body)
        if refused is not None:
            await answer(secured, *refused)
            return
        await self.app(scope, receive, secured)


async def read_limited(receive: Receive) -> bytes | None:
    """The whole request body, or None once it passes MAX_BODY_BYTES (chunked bodies too)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes) -> Receive:
    """A `receive` that hands the app the body already read."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def answer(send: Send, status: int, reason: str) -> None:
    """A small JSON refusal."""
    body = json.dumps({"error": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
