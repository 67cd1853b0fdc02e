"""Fetching a finished video: http(s) only, size-capped, time-capped, temp file then rename,
sha256. A video the provider sent inside its answer arrives as a `data:video/` URL and is
only decoded (same cap, temp file, sha256).

Redirects are followed by hand so credentials never travel to another origin (scheme, host
or port).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
from pathlib import Path

import httpx

from vidbench.core.seam import errors
from vidbench.core.seam.http import (
    ERROR_BODY_BYTES,
    error_for_status,
    read_capped,
    transport_error,
    with_body,
)
from vidbench.core.seam.pool import BULK
from vidbench.core.sim import OVERRUN_HEADER
from vidbench.core.store.safe_files import open_new

MAX_VIDEO_BYTES = 2 * 1024**3
MAX_REDIRECTS = 5
DOWNLOAD_CHUNK_BYTES = 1 << 20
# Overall time for one download, redirects included. The client's read timeout bounds each
# wait for a byte; this bounds a server that drips one byte just inside it, forever.
DOWNLOAD_DEADLINE_S = 600.0


# A video the provider returned inside its JSON (Vertex `bytesBase64Encoded`, Gemini inline
# data): the adapter hands it over as a base64 data URL; nothing is fetched for it.
INLINE_PREFIX = "data:video/"


def write_inline(url: str, target: Path) -> tuple[str, int]:
    """Decode a `data:video/...;base64,` URL to `target` via a temp file; (sha256, bytes)."""
    header, _, payload = url.partition(",")
    if not header.endswith(";base64") or len(payload) * 3 // 4 > MAX_VIDEO_BYTES:
        raise errors.InvalidRequest("inline video must be base64 and within the size cap")
    try:
        content = base64.b64decode(payload, validate=True)
    except binascii.Error as exc:
        raise errors.InvalidRequest(f"inline video is not valid base64: {exc}") from None
    tmp = target.with_suffix(".part")
    with open_new(tmp) as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(target)
    return hashlib.sha256(content).hexdigest(), len(content)


def sim_render_overrun_s(headers: dict[str, str]) -> float | None:
    """A simulator's render overrun from a download's answer headers (None: not reported).

    Simulated clips are due at the profile's time; a render still running then is this
    machine's CPU, so it is recorded apart and left out of download_s and latency_s."""
    try:
        value = float(headers.get(OVERRUN_HEADER, ""))
    except ValueError:
        return None
    return round(value, 3) if 0.0 <= value < DOWNLOAD_DEADLINE_S else None


def check_video_url(url: str) -> None:
    """Only http(s) URLs are fetched (never file:, ftp:, data: …)."""
    if not url.startswith(("http://", "https://")):
        raise errors.InvalidRequest(
            f"refusing non-http(s) video URL scheme: {url.split(':', 1)[0]}"
        )


def same_origin(first: httpx.URL, second: httpx.URL) -> bool:
    """Same scheme, host and port (default ports normalised), as browsers define an origin."""
    return (first.scheme, first.host, first.port) == (second.scheme, second.host, second.port)


async def _write_body(response: httpx.Response, tmp: Path) -> tuple[str, int]:
    """Stream a successful response into `tmp` (size-capped, fsynced); (sha256, bytes)."""
    digest = hashlib.sha256()
    size = 0
    with open_new(tmp) as handle:
        async for chunk in response.aiter_bytes(DOWNLOAD_CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_VIDEO_BYTES:
                raise errors.InvalidRequest(f"video larger than {MAX_VIDEO_BYTES} bytes")
            digest.update(chunk)
            handle.write(chunk)
        handle.flush()
        # In a worker thread: a wave of downloads ending together fsynced one after another
        # on the event loop, holding up every poll and create behind them.
        await asyncio.to_thread(os.fsync, handle.fileno())
    return digest.hexdigest(), size


async def _follow(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    tmp: Path,
    headers_out: dict[str, str] | None = None,
) -> tuple[str, int]:
    """GET `url`, following up to MAX_REDIRECTS by hand, and write the body to `tmp`."""
    for _ in range(MAX_REDIRECTS + 1):
        check_video_url(url)
        # A bulk transfer: API calls to the same host go ahead of it for a connection.
        request = client.build_request("GET", url, headers=headers, extensions={BULK: True})
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.is_redirect:
                next_url = response.url.join(response.headers.get("location", ""))
                if not same_origin(next_url, response.url):
                    headers = {}  # credentials stay with the origin they were issued for
                url = str(next_url)
                continue
            if not response.is_success:  # an error page is read only as far as it is shown
                head = await read_capped(
                    response, ERROR_BODY_BYTES, provider="download", keep_head=True
                )
                raise error_for_status(with_body(response, head), provider="download")
            if headers_out is not None:
                headers_out.update(response.headers)
            return await _write_body(response, tmp)
        finally:
            await response.aclose()
    raise errors.InvalidRequest(f"more than {MAX_REDIRECTS} redirects")


async def stream_to_file(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    target: Path,
    deadline_s: float = DOWNLOAD_DEADLINE_S,
    headers_out: dict[str, str] | None = None,
) -> tuple[str, int]:
    """Stream `url` to `target` via a temp file within `deadline_s`; returns (sha256, bytes).
    `headers_out`, when given, receives the answer's headers (lower-case names).

    Redirects are followed by hand so that credentials (Authorization, x-goog-api-key,
    …) are never forwarded to another scheme, host or port.
    """
    tmp = target.with_suffix(".part")
    if url.startswith(INLINE_PREFIX):
        return await asyncio.to_thread(write_inline, url, target)
    try:
        async with asyncio.timeout(deadline_s):
            digest, size = await _follow(client, url, headers, tmp, headers_out)
    except TimeoutError:
        tmp.unlink(missing_ok=True)
        raise errors.TransientError(
            f"download not finished within the overall deadline of {deadline_s:g} s",
            provider="download",
        ) from None
    except httpx.TransportError as exc:
        tmp.unlink(missing_ok=True)
        raise transport_error(exc, provider="download") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)
    return digest, size
