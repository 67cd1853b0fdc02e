"""The one HTTP module: status → error type, and keys removed from error bodies."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from vidbench.core.seam import errors
from vidbench.core.seam.http import error_for_status, redacted, send


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, errors.InvalidRequest),
        (401, errors.AuthError),
        (403, errors.AuthError),
        (404, errors.NotFound),
        (408, errors.TransientError),
        (429, errors.RateLimited),
        (500, errors.TransientError),
        (503, errors.TransientError),
    ],
)
def test_status_maps_to_the_error_tree(status: int, kind: type) -> None:
    response = httpx.Response(
        status,
        json={"error": {"message": "nope", "code": "X"}},
        headers={"x-request-id": "req-1", "retry-after": "3"},
    )
    error = error_for_status(response, provider="p")
    assert type(error) is kind
    assert (error.code, error.request_id, error.status_code) == ("X", "req-1", status)
    if status == 429:
        assert error.retry_after_s == 3.0


def test_a_key_echoed_in_an_error_body_never_reaches_the_error() -> None:
    key = "sk-live-abcdefghijklmnopqrstuvwxyz"
    response = httpx.Response(
        401, json={"error": {"message": f"Incorrect API key provided: {key}"}}
    )
    error = error_for_status(redacted(response, [key]), provider="p")
    assert key not in str(error) and key not in error.body and "***" in error.body


def test_send_raises_the_mapped_error_and_transport_faults_are_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(429, json={"error": {"message": "slow down"}})

    async def go() -> tuple[BaseException, BaseException]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            failures = []
            for path in ("/busy", "/down"):
                with pytest.raises(errors.ProviderError) as info:
                    await send(
                        client, client.build_request("GET", f"http://x.test{path}"), provider="p"
                    )
                failures.append(info.value)
            return failures[0], failures[1]

    busy, down = asyncio.run(go())
    assert isinstance(busy, errors.RateLimited)
    assert isinstance(down, errors.ConnectRefused)
