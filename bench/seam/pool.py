"""The HTTP connection pool behind `vidbench.core.seam.http.build_client`.

httpcore's own pool re-examines every connection and every queued request each time a
request starts or an answer is closed: `has_expired` on each pooled connection (a
`getpeername` and a `poll` system call each) and one scan of the connections per queued
request. With hundreds of tasks polling and a wave of downloads queued behind the pool's
limit, that bookkeeping was a fifth of the harness's CPU (docs/performance.md). This pool
keeps, per origin, a stack of idle connections and a queue of waiters: a request takes the
most recently used idle connection (checking only that one), a closed answer hands its
connection straight to the next waiter. The connections themselves are httpcore's
(`AsyncHTTPConnection`: TLS, HTTP/1.1, timeouts, its exceptions), so everything httpx does
above the pool is unchanged.

Bulk transfers (video downloads, marked with the `BULK` request extension) may hold at
most `bulk_limit` of an origin's connections, and API requests waiting for a connection are
served before them: a wave of downloads never makes a create or a status poll of the same
host wait for a whole video to arrive.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import anyio
import httpcore

# A request extension: this request is a bulk transfer (a download), served after API calls.
BULK = "vidbench.bulk"
# A server may close a kept-alive connection just as a request goes out on it (its idle
# timeout and ours race). A GET or HEAD that fails so, before any answer, is sent once more
# on a new connection; anything else is not resent here (a create might have been made):
# its error reaches the caller, whose retry rules decide.
STALE_ERRORS = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)
SAFE_TO_RESEND = (b"GET", b"HEAD")


@dataclass
class _Waiter:
    future: asyncio.Future[httpcore.AsyncHTTPConnection]
    bulk: bool


@dataclass
class _OriginState:
    """One origin's connections: idle ones (most recently used last) and who waits."""

    idle: list[httpcore.AsyncHTTPConnection] = field(default_factory=list)
    opened: int = 0  # connections idle, carrying a request or being opened
    bulk: int = 0  # of those, carrying a bulk transfer
    waiting: collections.deque[_Waiter] = field(default_factory=collections.deque)
    waiting_bulk: collections.deque[_Waiter] = field(default_factory=collections.deque)


class OriginPool:
    """An httpcore-compatible connection pool with constant bookkeeping per request.

    `max_per_origin` connections per origin (scheme, host, port), of which bulk transfers
    take at most `bulk_limit`; at most `max_idle_per_origin` idle ones are kept alive.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None,
        max_per_origin: int,
        bulk_limit: int,
        max_idle_per_origin: int | None = None,
        keepalive_expiry_s: float | None = 5.0,
        socket_options: Iterable[Any] | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ):
        if max_per_origin < 1 or not 1 <= bulk_limit <= max_per_origin:
            raise ValueError("need 1 <= bulk_limit <= max_per_origin")
        self._ssl_context = ssl_context
        self.max_per_origin = max_per_origin
        self.bulk_limit = bulk_limit
        self.max_idle = max_per_origin if max_idle_per_origin is None else max_idle_per_origin
        self._keepalive_expiry_s = keepalive_expiry_s
        self._socket_options = socket_options
        self._network_backend = network_backend
        self._origins: dict[tuple[bytes, bytes, int], _OriginState] = {}
        self._closed = False

    # ----- httpcore's pool interface ------------------------------------------------------

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        """Send `request` on a pooled connection; the connection returns to the pool when
        the answer's stream is closed."""
        scheme = request.url.scheme
        if scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme.decode()}://'."
            )
        origin = request.url.origin
        bulk = bool(request.extensions.get(BULK))
        timeouts = request.extensions.get("timeout", {})
        retried = False
        while True:
            connection = await self._acquire(origin, bulk, timeouts.get("pool"))
            reused = connection.is_idle()  # a new connection is not idle until it has served
            try:
                response = await connection.handle_async_request(request)
            except httpcore.ConnectionNotAvailable:  # not ours alone after all: take another
                await self.release(origin, connection, bulk)
                continue
            except STALE_ERRORS:
                await self.release(origin, connection, bulk)
                if reused and not retried and request.method in SAFE_TO_RESEND:
                    retried = True  # a kept-alive connection the server had just closed
                    continue
                raise
            except BaseException:
                await self.release(origin, connection, bulk)
                raise
            return httpcore.Response(
                status=response.status,
                headers=response.headers,
                content=_ReleasingStream(response, self, origin, connection, bulk),
                extensions=response.extensions,
            )

    async def aclose(self) -> None:
        """Close every idle connection; busy ones close when their answers are closed."""
        self._closed = True
        closing = [c for state in self._origins.values() for c in state.idle]
        for state in self._origins.values():
            state.opened -= len(state.idle)
            state.idle.clear()
        await _close_all(closing)

    async def __aenter__(self) -> OriginPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    # ----- bookkeeping --------------------------------------------------------------------

    def counts(self, origin: httpcore.Origin) -> tuple[int, int, int]:
        """(open, idle, bulk) connections of `origin` (for tests)."""
        state = self._origins.get(_key(origin)) or _OriginState()
        return state.opened, len(state.idle), state.bulk

    def _new_connection(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        return httpcore.AsyncHTTPConnection(
            origin=origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry_s,
            socket_options=self._socket_options,
            network_backend=self._network_backend,
        )

    async def _acquire(
        self, origin: httpcore.Origin, bulk: bool, timeout_s: float | None
    ) -> httpcore.AsyncHTTPConnection:
        if self._closed:
            raise RuntimeError("the connection pool is closed")
        state = self._origins.setdefault(_key(origin), _OriginState())
        if not bulk or state.bulk < self.bulk_limit:
            expired: list[httpcore.AsyncHTTPConnection] = []
            connection = self._take_idle(state, expired)
            if connection is None and state.opened < self.max_per_origin:
                state.opened += 1
                connection = self._new_connection(origin)
            await _close_all(expired)
            if connection is not None:
                state.bulk += bulk
                return connection
        return await self._wait(origin, state, bulk, timeout_s)

    def _take_idle(
        self, state: _OriginState, expired: list[httpcore.AsyncHTTPConnection]
    ) -> httpcore.AsyncHTTPConnection | None:
        """The most recently used idle connection still usable (only those looked at are
        checked for expiry); expired ones are put in `expired` to be closed."""
        while state.idle:
            connection = state.idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            state.opened -= 1
            expired.append(connection)
        return None

    async def _wait(
        self, origin: httpcore.Origin, state: _OriginState, bulk: bool, timeout_s: float | None
    ) -> httpcore.AsyncHTTPConnection:
        waiter = _Waiter(asyncio.get_running_loop().create_future(), bulk)
        (state.waiting_bulk if bulk else state.waiting).append(waiter)
        try:
            async with asyncio.timeout(timeout_s):
                return await waiter.future
        except BaseException as exc:
            if waiter.future.done() and not waiter.future.cancelled():
                # Handed a connection just as the wait ended: give it to the next one.
                await self.release(origin, waiter.future.result(), bulk)
            else:
                waiter.future.cancel()
            if isinstance(exc, TimeoutError):
                raise httpcore.PoolTimeout("no connection free within the pool timeout") from None
            raise

    async def release(
        self, origin: httpcore.Origin, connection: httpcore.AsyncHTTPConnection, bulk: bool
    ) -> None:
        """A request is done with `connection`: reuse it (next waiter first) or drop it."""
        state = self._origins[_key(origin)]
        state.bulk -= bulk
        closing: list[httpcore.AsyncHTTPConnection] = []
        # (A connection whose connect failed reports itself idle and closed.)
        reusable = connection.is_idle() and not connection.is_closed() and not self._closed
        if not reusable:
            state.opened -= 1
            if not connection.is_closed():
                closing.append(connection)
        waiter = self._next_waiter(state)
        if waiter is not None:
            if not reusable:  # the capacity it held goes to the waiter as a new connection
                state.opened += 1
                connection = self._new_connection(origin)
            state.bulk += waiter.bulk
            waiter.future.set_result(connection)
        elif reusable:
            if len(state.idle) < self.max_idle:
                state.idle.append(connection)
            else:
                state.opened -= 1
                closing.append(connection)
        await _close_all(closing)

    def _next_waiter(self, state: _OriginState) -> _Waiter | None:
        """The next live waiter: API requests first, then bulk ones while under their limit."""
        for queue, allowed in (
            (state.waiting, True),
            (state.waiting_bulk, state.bulk < self.bulk_limit),
        ):
            while allowed and queue:
                waiter = queue.popleft()
                if not waiter.future.done():
                    return waiter
        return None


def _key(origin: httpcore.Origin) -> tuple[bytes, bytes, int]:
    """httpcore's Origin compares by value but is not hashable."""
    return origin.scheme, origin.host, origin.port


async def _close_all(connections: list[httpcore.AsyncHTTPConnection]) -> None:
    if not connections:
        return
    with anyio.CancelScope(shield=True):
        for connection in connections:
            await connection.aclose()


class _ReleasingStream:
    """An answer's body; closing it returns the connection to the pool (once)."""

    def __init__(
        self,
        response: httpcore.Response,
        pool: OriginPool,
        origin: httpcore.Origin,
        connection: httpcore.AsyncHTTPConnection,
        bulk: bool,
    ):
        self._stream = response.stream
        self._pool = pool
        self._origin = origin
        self._connection = connection
        self._bulk = bulk
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:  # type: ignore[union-attr]
                yield part
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            close = getattr(self._stream, "aclose", None)
            if close is not None:
                await close()
            await self._pool.release(self._origin, self._connection, self._bulk)
