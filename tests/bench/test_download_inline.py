"""Inline videos (a provider's base64 in JSON) handed to the download step as data URLs."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path

import httpx
import pytest

from vidbench.core.run.download import stream_to_file
from vidbench.core.seam import errors


def test_inline_video_is_decoded_without_any_request(tmp_path: Path) -> None:
    content = b"\x00\x00\x00\x18ftypmp42" + bytes(range(200))
    url = "data:video/mp4;base64," + base64.b64encode(content).decode()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing should be fetched, got {request.url}")

    async def main() -> tuple[str, int]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            return await stream_to_file(client, url, {}, tmp_path / "v.mp4")

    digest, size = asyncio.run(main())
    assert (tmp_path / "v.mp4").read_bytes() == content and size == len(content)
    assert digest == hashlib.sha256(content).hexdigest()
    assert not (tmp_path / "v.part").exists()


@pytest.mark.parametrize("url", ["data:video/mp4,notbase64", "data:video/mp4;base64,@@@@"])
def test_malformed_inline_video_is_refused(tmp_path: Path, url: str) -> None:
    async def main() -> None:
        async with httpx.AsyncClient() as client:
            await stream_to_file(client, url, {}, tmp_path / "v.mp4")

    with pytest.raises(errors.InvalidRequest):
        asyncio.run(main())


def test_other_data_urls_are_still_refused(tmp_path: Path) -> None:
    async def main() -> None:
        async with httpx.AsyncClient() as client:
            await stream_to_file(client, "data:text/html;base64,PGgxPg==", {}, tmp_path / "v.mp4")

    with pytest.raises(errors.InvalidRequest, match="non-http"):
        asyncio.run(main())
