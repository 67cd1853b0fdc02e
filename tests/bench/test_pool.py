"""The seam's connection pool (bench/seam/pool.py) against a real loopback HTTP/1.1 server,
over both network layers (asyncio's, bench/seam/netio.py, which the seam uses, and
httpcore's anyio default): connections reused, downloads held to their share with API calls
served first, stale and failed connections dropped without losing capacity, pool timeouts
and cancellation, TLS with the certificate checked."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpcore
import httpx
import pytest

from vidbench.core.seam import http
from vidbench.core.seam.client import PooledTransport
from vidbench.core.seam.netio import AsyncioBackend
from vidbench.core.seam.pool import BULK, OriginPool
from vidbench.core.sim.tls import self_signed

BIG_BYTES = 3 * 1024 * 1024 + 7  # past the network layer's read buffer: reading pauses
BACKEND: list[httpcore.AsyncNetworkBackend | None] = [AsyncioBackend()]


@pytest.fixture(autouse=True, params=["asyncio", "anyio"])
def network_layer(request: pytest.FixtureRequest) -> None:
    """Every test runs over both network layers."""
    BACKEND[0] = AsyncioBackend() if request.param == "asyncio" else None


class Server:
    """Answers `GET /fast` at once and `GET /hold` when `release` is set; counts connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.dropped = 0
        self.release = asyncio.Event()
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                if path == b"/hold":
                    await self.release.wait()
                if path == b"/drop":  # closes as an idle timeout would, just as the request came
                    self.dropped += 1
                    break
                if path == b"/cut":  # promises 1,000 bytes, sends 10, hangs up
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
                    await writer.drain()
                    break
                body = b"x" * BIG_BYTES if path == b"/big" else b"ok " + path
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        writer.close()

    def close_idle(self) -> None:
        """The server ends every connection (as a keep-alive timeout would)."""
        for writer in self.writers:
            writer.close()


@contextlib.asynccontextmanager
async def serving(tls: ssl.SSLContext | None = None) -> AsyncIterator[Server]:
    server = Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        server.release.set()
        listener.close()


def client_for(pool: OriginPool) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport()
    transport._pool = pool  # type: ignore[assignment]  # as http.PooledTransport does
    return httpx.AsyncClient(transport=transport, timeout=5.0)


def small_pool(
    max_per_origin: int = 4, bulk_limit: int = 2, ssl_context: ssl.SSLContext | None = None
) -> OriginPool:
    return OriginPool(
        ssl_context=ssl_context,
        max_per_origin=max_per_origin,
        bulk_limit=bulk_limit,
        network_backend=BACKEND[0],
    )


def origin(port: int) -> httpcore.Origin:
    return httpcore.Origin(b"http", b"127.0.0.1", port)


def test_sequential_requests_reuse_one_connection() -> None:
    async def main() -> None:
        async with serving() as server, client_for(small_pool()) as client:
            for _ in range(20):
                response = await client.get(f"http://127.0.0.1:{server.port}/fast")
                assert response.text == "ok /fast"
            assert server.connections == 1

    asyncio.run(main())


def test_downloads_hold_at_most_their_share_and_api_calls_go_first() -> None:
    async def main() -> None:
        pool = small_pool(max_per_origin=3, bulk_limit=2)
        async with serving() as server, client_for(pool) as client:
            base = f"http://127.0.0.1:{server.port}"

            async def download(path: str) -> str:
                request = client.build_request("GET", base + path, extensions={BULK: True})
                return (await client.send(request)).text

            held = [asyncio.create_task(download("/hold")) for _ in range(4)]
            await asyncio.sleep(0.2)
            assert pool.counts(origin(server.port)) == (2, 0, 2)  # two downloads, two waiting
            # An API call is not queued behind the waiting downloads: a connection is left.
            api = await asyncio.wait_for(client.get(base + "/fast"), 2.0)
            assert api.text == "ok /fast"
            server.release.set()
            assert await asyncio.gather(*held) == ["ok /hold"] * 4
            assert server.connections == 3

    asyncio.run(main())


def test_a_freed_connection_goes_to_a_waiting_api_call_before_a_download() -> None:
    async def main() -> None:
        pool = small_pool(max_per_origin=1, bulk_limit=1)
        async with serving() as server, client_for(pool) as client:
            base = f"http://127.0.0.1:{server.port}"
            order: list[str] = []

            async def get(path: str, name: str, bulk: bool) -> None:
                extensions = {BULK: True} if bulk else {}
                await client.send(client.build_request("GET", base + path, extensions=extensions))
                order.append(name)

            first = asyncio.create_task(get("/hold", "first", False))
            await asyncio.sleep(0.1)
            download = asyncio.create_task(get("/fast", "download", True))
            await asyncio.sleep(0.05)
            api = asyncio.create_task(get("/fast", "api", False))
            await asyncio.sleep(0.05)
            server.release.set()
            await asyncio.gather(first, download, api)
            assert order == ["first", "api", "download"]

    asyncio.run(main())


def test_a_connection_the_server_closed_is_not_reused() -> None:
    async def main() -> None:
        pool = small_pool()
        async with serving() as server, client_for(pool) as client:
            url = f"http://127.0.0.1:{server.port}/fast"
            await client.get(url)
            server.close_idle()
            await asyncio.sleep(0.1)  # the FIN arrives: the idle connection reads as closed
            assert (await client.get(url)).text == "ok /fast"
            assert server.connections == 2
            assert pool.counts(origin(server.port)) == (1, 1, 0)

    asyncio.run(main())


def test_a_refused_connection_is_a_connect_error_and_frees_its_place() -> None:
    async def main() -> None:
        pool = small_pool(max_per_origin=1, bulk_limit=1)
        async with serving() as server:
            port = server.port
        async with client_for(pool) as client:  # nothing listens on `port` any more
            for _ in range(3):
                with pytest.raises(httpx.ConnectError):
                    await client.get(f"http://127.0.0.1:{port}/fast")
            assert pool.counts(origin(port)) == (0, 0, 0)

    asyncio.run(main())


def test_pool_timeout_and_a_cancelled_wait_leave_the_pool_whole() -> None:
    async def main() -> None:
        pool = small_pool(max_per_origin=1, bulk_limit=1)
        async with serving() as server, client_for(pool) as client:
            base = f"http://127.0.0.1:{server.port}"
            holder = asyncio.create_task(client.get(base + "/hold"))
            await asyncio.sleep(0.1)
            with pytest.raises(httpx.PoolTimeout):
                await client.get(base + "/fast", timeout=httpx.Timeout(5.0, pool=0.1))
            waiter = asyncio.create_task(client.get(base + "/fast"))
            await asyncio.sleep(0.05)
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter
            server.release.set()
            await holder
            assert (await client.get(base + "/fast")).text == "ok /fast"
            assert pool.counts(origin(server.port)) == (1, 1, 0)
            assert server.connections == 1

    asyncio.run(main())


def test_an_interrupted_answer_drops_its_connection_and_frees_its_place() -> None:
    async def main() -> None:
        pool = small_pool(max_per_origin=1, bulk_limit=1)
        async with serving() as server, client_for(pool) as client:
            base = f"http://127.0.0.1:{server.port}"
            slow = asyncio.create_task(client.get(base + "/hold"))
            await asyncio.sleep(0.1)
            slow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await slow
            assert pool.counts(origin(server.port))[0] == 0
            server.release.set()
            assert (await client.get(base + "/fast")).text == "ok /fast"

    asyncio.run(main())


def test_the_seam_client_uses_the_pool_unless_a_proxy_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    client = http.build_client()
    assert isinstance(client._transport, PooledTransport)
    assert isinstance(client._transport._pool, OriginPool)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    proxied = http.build_client()
    assert not isinstance(proxied._transport, PooledTransport)  # httpx applies the proxy
    asyncio.run(client.aclose())
    asyncio.run(proxied.aclose())


def test_tls_with_a_trusted_certificate_and_a_refused_untrusted_one(tmp_path: Path) -> None:
    files = self_signed(tmp_path)
    serving_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving_tls.load_cert_chain(files.cert_path, files.key_path)
    trusting = ssl.create_default_context(cafile=str(files.cert_path))

    async def main() -> None:
        async with serving(serving_tls) as server:
            url = f"https://127.0.0.1:{server.port}/fast"
            async with client_for(small_pool(ssl_context=trusting)) as client:
                for _ in range(3):
                    assert (await client.get(url)).text == "ok /fast"
                assert server.connections == 1  # the TLS connection is kept and reused
            # Not signed by anyone it trusts: refused before any request is sent.
            async with client_for(small_pool(ssl_context=ssl.create_default_context())) as other:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await other.get(url)

    asyncio.run(main())


def test_a_slow_answer_times_out_a_large_one_arrives_whole_a_cut_one_is_an_error() -> None:
    async def main() -> None:
        async with serving() as server, client_for(small_pool()) as client:
            base = f"http://127.0.0.1:{server.port}"
            with pytest.raises(httpx.ReadTimeout):
                await client.get(base + "/hold", timeout=httpx.Timeout(5.0, read=0.1))
            big = await client.get(base + "/big")
            assert big.content == b"x" * BIG_BYTES
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(base + "/cut")
            assert (await client.get(base + "/fast")).text == "ok /fast"

    asyncio.run(main())


def test_the_seam_client_keeps_no_cookie_a_server_sets() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"})

    seen: list[str | None] = []

    async def main() -> None:
        async with http.build_client(httpx.MockTransport(answer)) as client:
            await client.get("https://provider.test/a")
            await client.get("https://provider.test/b")
            assert not client.cookies

    asyncio.run(main())
    assert seen == [None, None]


def test_a_get_on_a_connection_closed_under_it_is_sent_again_once_a_post_is_not() -> None:
    async def main() -> None:
        async with serving() as server, client_for(small_pool()) as client:
            base = f"http://127.0.0.1:{server.port}"
            await client.get(base + "/fast")  # a kept-alive connection to reuse
            with pytest.raises(httpx.RemoteProtocolError):  # sent again, dropped again
                await client.get(base + "/drop")
            assert server.dropped == 2  # once on the kept connection, once on a new one
            await client.get(base + "/fast")
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(base + "/drop", content=b"{}")
            assert server.dropped == 3  # a create is never resent by the pool
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(base + "/drop")  # on a new connection: not resent either
            assert server.dropped == 4

    asyncio.run(main())
