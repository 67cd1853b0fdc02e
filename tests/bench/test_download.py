"""Downloads: credentials stay with their origin (scheme, host and port); an overall deadline."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from vidbench.core.run.download import same_origin, stream_to_file
from vidbench.core.seam import errors

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * 2000
SECRET_HEADERS = {"Authorization": "Bearer sk-test-not-a-real-key", "x-goog-api-key": "g-test"}


def fetch(
    handler: Callable[[httpx.Request], httpx.Response], target: Path, deadline_s: float = 30
) -> tuple[str, int]:
    async def go() -> tuple[str, int]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await stream_to_file(
                client,
                "https://api.provider.test/v1/videos/1/content",
                SECRET_HEADERS,
                target,
                deadline_s=deadline_s,
            )

    return asyncio.run(go())


def redirecting_to(location: str, seen: list[tuple[str, dict[str, str]]]) -> Callable:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), dict(request.headers)))
        if request.url.path.endswith("/content"):
            return httpx.Response(302, headers={"location": location})
        return httpx.Response(200, content=VIDEO)

    return handler


@pytest.mark.parametrize(
    "location",
    [
        "https://api.provider.test:8443/files/v.mp4",  # same host, another port
        "http://api.provider.test/files/v.mp4",  # same host, downgraded scheme
        "https://files.elsewhere.test/v.mp4",  # another host
    ],
)
def test_credentials_are_dropped_on_a_redirect_to_another_origin(
    tmp_path: Path, location: str
) -> None:
    seen: list[tuple[str, dict[str, str]]] = []
    digest, size = fetch(redirecting_to(location, seen), tmp_path / "v.mp4")
    assert size == len(VIDEO) and digest == hashlib.sha256(VIDEO).hexdigest()
    assert [url for url, _ in seen] == [
        "https://api.provider.test/v1/videos/1/content",
        location,
    ]
    first, second = seen[0][1], seen[1][1]
    assert first["authorization"].startswith("Bearer ") and first["x-goog-api-key"] == "g-test"
    assert "authorization" not in second and "x-goog-api-key" not in second


@pytest.mark.parametrize("location", ["/files/v.mp4", "https://api.provider.test:443/files/v.mp4"])
def test_credentials_follow_a_redirect_within_the_origin(tmp_path: Path, location: str) -> None:
    seen: list[tuple[str, dict[str, str]]] = []
    fetch(redirecting_to(location, seen), tmp_path / "v.mp4")
    assert seen[1][1]["authorization"] == SECRET_HEADERS["Authorization"]


def test_same_origin_compares_scheme_host_and_normalised_port() -> None:
    url = httpx.URL
    assert same_origin(url("https://a.test/x"), url("https://a.test:443/y"))
    assert same_origin(url("https://A.test/x"), url("https://a.test/y"))
    assert not same_origin(url("https://a.test/x"), url("https://a.test:8443/x"))
    assert not same_origin(url("http://a.test:8080/x"), url("http://a.test:8081/x"))
    assert not same_origin(url("https://a.test/x"), url("http://a.test/x"))
    assert not same_origin(url("https://a.test/x"), url("https://b.a.test/x"))


class Drip(httpx.AsyncByteStream):
    """A body that yields one byte every `interval_s`, forever (a stalling or hostile server)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(self.interval_s)
            yield b"x"


def test_a_dripping_download_ends_at_the_overall_deadline(tmp_path: Path) -> None:
    target = tmp_path / "v.mp4"
    started = time.monotonic()
    with pytest.raises(errors.TransientError, match="overall deadline of 0.5 s"):
        fetch(lambda request: httpx.Response(200, stream=Drip(0.05)), target, deadline_s=0.5)
    assert time.monotonic() - started < 5
    assert not target.exists() and not target.with_suffix(".part").exists()


def test_a_download_within_the_deadline_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "v.mp4"
    _, size = fetch(lambda request: httpx.Response(200, content=VIDEO), target, deadline_s=5)
    assert size == len(VIDEO) and target.read_bytes() == VIDEO
