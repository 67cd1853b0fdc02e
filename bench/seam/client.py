"""The seam's httpx client and transport (`vidbench.core.seam.http.build_client` builds it).

httpx's own transport over `OriginPool` (bench/seam/pool.py), whose connections are
httpcore's HTTP/1.1 on plain asyncio (bench/seam/netio.py), and httpx's client without a
cookie jar.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import httpx

from vidbench.core.seam.netio import AsyncioBackend
from vidbench.core.seam.pool import OriginPool

POOL_LIMIT = 32  # connections per origin (scheme, host, port)
BULK_POOL_LIMIT = 24  # of them, downloads hold at most this many: API calls keep the rest
# An idle connection older than this is not reused: under the 5 s idle timeout of common
# servers (uvicorn, Node), so that a server does not close it just as a request goes out
# (httpx's default, 5 s, raced uvicorn's: a create then fails ambiguously).
KEEPALIVE_EXPIRY_S = 4.0


class PooledTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (TLS settings, exception mapping) over `OriginPool`, whose
    connections are httpcore's HTTP/1.1 over plain asyncio (`vidbench.core.seam.netio`)."""

    def __init__(self) -> None:
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context)
        self._pool = OriginPool(  # type: ignore[assignment]  # httpcore's pool interface
            ssl_context=ssl_context,
            max_per_origin=POOL_LIMIT,
            bulk_limit=BULK_POOL_LIMIT,
            keepalive_expiry_s=KEEPALIVE_EXPIRY_S,
            network_backend=AsyncioBackend(),
        )


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class SeamClient(httpx.AsyncClient):
    """httpx's client without a cookie jar: provider APIs authenticate by header, and a
    cookie a provider or a CDN sets has no business travelling with later requests. (httpx
    builds urllib request objects for every answer to look for cookies: 5% of the
    harness's CPU in the orchestration benchmark.)"""

    @property  # type: ignore[override]
    def cookies(self) -> httpx.Cookies:
        return _NoCookies()

    @cookies.setter
    def cookies(self, cookies: Any) -> None:  # httpx's constructor sets one; none is kept
        return None


def proxied() -> bool:
    """True when the environment names an HTTP proxy (httpx's own transports then apply it)."""
    return bool({"http", "https", "all"} & set(urllib.request.getproxies()))
