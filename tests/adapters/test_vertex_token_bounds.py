"""The Vertex OAuth token fetch (issue 25.6): the signed assertion goes only to the service
account's own Google token endpoint, a redirect is not followed, and the answer is read
through the seam's caps (size, depth), so a hostile answer is an error, never a crash."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from vidbench.adapters.vertex_veo.auth import TokenSource, token_uri_problem
from vidbench.adapters.vertex_veo.sim_auth import service_account_json
from vidbench.core.seam import errors, http

GOOGLE = "https://oauth2.googleapis.com/token"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
GOOD = {"access_token": "ya29.test-token", "expires_in": 3600, "token_type": "Bearer"}


class Endpoint:
    """A MockTransport that records every request (host and body) and answers with `answer`."""

    def __init__(self, answer: httpx.Response):
        self.answer = answer
        self.seen: list[tuple[str, bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.host, request.read()))
        return self.answer

    def token(self, token_uri: str = GOOGLE) -> str:
        source = TokenSource(service_account_json(token_uri), SCOPES, httpx.MockTransport(self))
        return asyncio.run(source.token())


def test_a_good_answer_gives_the_token_from_the_token_uri_only() -> None:
    endpoint = Endpoint(httpx.Response(200, json=GOOD))
    assert endpoint.token() == "ya29.test-token"
    ((host, body),) = endpoint.seen
    assert host == "oauth2.googleapis.com" and b"assertion=" in body


def test_an_answer_over_the_json_cap_is_a_transient_error() -> None:
    endless = b'{"access_token": "' + b"a" * (http.JSON_BODY_BYTES + 1) + b'"}'
    endpoint = Endpoint(httpx.Response(200, content=endless))
    with pytest.raises(errors.TransientError, match="cap"):
        endpoint.token()


def test_a_deeply_nested_answer_is_an_error_not_a_recursion_error() -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(errors.TransientError, match="nested"):
        Endpoint(httpx.Response(200, content=nested)).token()
    # An error answer as deep: refused as the 400 it is, without its body.
    with pytest.raises(errors.AuthError, match="token refused"):
        Endpoint(httpx.Response(400, content=nested)).token()


def test_a_redirect_is_not_followed_so_the_assertion_goes_nowhere_else() -> None:
    moved = httpx.Response(307, headers={"location": "https://attacker.example/token"})
    endpoint = Endpoint(moved)
    with pytest.raises(errors.ProviderError):
        endpoint.token()
    assert {host for host, _ in endpoint.seen} == {"oauth2.googleapis.com"}


@pytest.mark.parametrize(
    "token_uri",
    ["https://attacker.example/token", "http://oauth2.googleapis.com/token", "ftp://127.0.0.1/t"],
)
def test_a_token_uri_that_is_not_googles_gets_nothing(token_uri: str) -> None:
    endpoint = Endpoint(httpx.Response(200, json=GOOD))
    with pytest.raises(errors.AuthError, match="not Google's token endpoint"):
        endpoint.token(token_uri)
    assert endpoint.seen == []


def test_token_uris_allowed() -> None:
    for uri in (GOOGLE, "https://accounts.google.com/o/oauth2/token", "http://127.0.0.1:9/token"):
        assert token_uri_problem(uri) is None, uri
    assert token_uri_problem(None) == "the service-account JSON has no token_uri"
    assert "not Google's" in str(token_uri_problem("https://googleapis.com.attacker.example/t"))


def test_only_the_token_uri_is_asked() -> None:
    from google.auth import exceptions

    from vidbench.adapters.vertex_veo.auth import HttpxAuthRequest

    endpoint = Endpoint(httpx.Response(200, json=GOOD))
    request = HttpxAuthRequest(GOOGLE, httpx.MockTransport(endpoint))
    for url, method in (("https://attacker.example/token", "POST"), (GOOGLE, "GET")):
        with pytest.raises(exceptions.TransportError, match="only the service account"):
            request(url, method=method, body=b"assertion=x")
    assert endpoint.seen == []
    assert json.loads(request(GOOGLE, method="POST", body=b"x").data) == GOOD
