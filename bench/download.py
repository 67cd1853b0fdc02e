"""Fetching a finished video: http(s) only, size-capped, temp file then rename, sha256.

Redirects are followed by hand so credentials never travel to another host.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx

from bench import errors
from bench.http import error_for_status, transport_error

MAX_VIDEO_BYTES = 2 * 1024**3
MAX_REDIRECTS = 5
DOWNLOAD_CHUNK_BYTES = 1 << 20


def check_video_url(url: str) -> None:
    """Only http(s) URLs are fetched (never file:, ftp:, data: …)."""
    if not url.startswith(("http://", "https://")):
        raise errors.InvalidRequest(
            f"refusing non-http(s) video URL scheme: {url.split(':', 1)[0]}"
        )


async def stream_to_file(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], target: Path
) -> tuple[str, int]:
    """Stream `url` to `target` via a temp file; returns (sha256, bytes).

    Redirects are followed by hand so that credentials (Authorization, x-goog-api-key,
    …) are never forwarded to another host or scheme.
    """
    tmp = target.with_suffix(".part")
    digest = hashlib.sha256()
    size = 0
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_video_url(url)
            request = client.build_request("GET", url, headers=headers)
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    next_url = str(response.url.join(location))
                    if (
                        httpx.URL(next_url).host != response.url.host
                        or httpx.URL(next_url).scheme != response.url.scheme
                    ):
                        headers = {}
                    url = next_url
                    continue
                if not response.is_success:
                    await response.aread()
                    raise error_for_status(response, provider="download")
                with open(tmp, "wb") as handle:
                    async for chunk in response.aiter_bytes(DOWNLOAD_CHUNK_BYTES):
                        size += len(chunk)
                        if size > MAX_VIDEO_BYTES:
                            raise errors.InvalidRequest(
                                f"video larger than {MAX_VIDEO_BYTES} bytes"
                            )
                        digest.update(chunk)
                        handle.write(chunk)
                    handle.flush()
                    os.fsync(handle.fileno())
                break
            finally:
                await response.aclose()
        else:
            raise errors.InvalidRequest(f"more than {MAX_REDIRECTS} redirects")
    except httpx.TransportError as exc:
        tmp.unlink(missing_ok=True)
        raise transport_error(exc, provider="download") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)
    return digest.hexdigest(), size
