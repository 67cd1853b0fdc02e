"""OAuth access tokens for Vertex AI from a service-account JSON, minted by google-auth.

The secret is the path to the service-account JSON (as in `GOOGLE_APPLICATION_CREDENTIALS`)
or, for a simulator, the JSON text itself. google-auth signs the JWT assertion and posts it
to the JSON's `token_uri`; the token lives in memory only, is refreshed before it expires
(google-auth treats a token as invalid a few minutes early) and is registered for redaction.
google-auth's refresh is blocking, so it runs in a thread over a small httpx transport.

The signed assertion goes to one place: the `token_uri` of the service-account JSON, which
must be Google's (https, `*.googleapis.com` or `accounts.google.com`) or a loopback address
(the simulators); any other URL google-auth might ask for is refused before a byte is sent,
and a redirect is not followed. The answer is read through the seam (`http.receive`: body
capped at the JSON cap, an overall deadline) and parsed bounded (`parse_json_bounded`), so an
endless, dripping or deeply nested answer is a transient error, never a hang or a crash.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.bounded_json import MAX_JSON_DEPTH, nesting_depth, parse_json_bounded
from vidbench.core.seam.secrets import register

PROVIDER = "vertex_veo"
TOKEN_TIMEOUT_S = 30.0  # per read
TOKEN_DEADLINE_S = 60.0  # the whole token exchange
GOOGLE_TOKEN_HOSTS = frozenset({"oauth2.googleapis.com", "accounts.google.com"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def token_uri_problem(token_uri: object) -> str | None:
    """Why the service-account JSON's `token_uri` is not a place to send its assertion, or None."""
    if not isinstance(token_uri, str) or not token_uri:
        return "the service-account JSON has no token_uri"
    try:
        url = httpx.URL(token_uri)
    except (httpx.InvalidURL, ValueError):
        return "the service-account JSON's token_uri is not a URL"
    host = url.host.lower()
    if host in LOOPBACK_HOSTS and url.scheme in ("http", "https"):
        return None  # a simulator on this machine
    if url.scheme == "https" and (host in GOOGLE_TOKEN_HOSTS or host.endswith(".googleapis.com")):
        return None
    return (
        f"the service-account JSON's token_uri ({url.scheme}://{host}) is not Google's token "
        "endpoint: its signed assertion is not sent there"
    )


class _Response:
    """The response shape google-auth's transport contract expects."""

    def __init__(self, response: httpx.Response):
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content


class HttpxAuthRequest:
    """A `google.auth.transport.Request` over httpx for one token endpoint (google-auth calls
    it from a thread): only a POST to `token_uri` is sent, through the seam's bounded read."""

    def __init__(self, token_uri: str, transport: httpx.AsyncBaseTransport | None = None):
        self.token_uri = token_uri
        self._transport = transport

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        """Send one token request (a TransportError for anything refused or out of bounds)."""
        from google.auth import exceptions

        if url != self.token_uri or method.upper() != "POST":
            host = httpx.URL(url).host if url else "?"
            raise exceptions.TransportError(
                f"refusing a {method} to {host}: only the service account's token_uri is asked"
            )
        try:
            response = asyncio.run(self._send(method, url, body, headers, timeout))
        except errors.ProviderError as exc:  # the seam's caps, deadline and transport faults
            raise exceptions.TransportError(f"{exc.message} while fetching a token") from None
        return _Response(_bounded(response))

    async def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str] | None,
        timeout: float | None,
    ) -> httpx.Response:
        read_s = timeout or TOKEN_TIMEOUT_S
        async with httpx.AsyncClient(
            transport=self._transport, timeout=read_s, follow_redirects=False
        ) as client:
            request = client.build_request(method, url, content=body, headers=headers)
            return await http.receive(
                client,
                request,
                provider=PROVIDER,
                max_body_bytes=http.JSON_BODY_BYTES,
                deadline_s=TOKEN_DEADLINE_S,
            )


def _bounded(response: httpx.Response) -> httpx.Response:
    """The answer google-auth may json.loads: a 2xx must be bounded JSON (else a transport
    error); an error answer nested too deep for Python's parser loses its body (its status
    still says what happened)."""
    from google.auth import exceptions

    if response.is_success:
        try:
            parse_json_bounded(response.content, max_bytes=http.JSON_BODY_BYTES)
        except ValueError as exc:
            raise exceptions.TransportError(f"the token answer was refused: {exc}") from None
        return response
    text = response.content.decode("utf-8", "replace")
    if nesting_depth(text) > MAX_JSON_DEPTH:
        return http.with_body(response, b"(an answer nested too deeply to read)")
    return response


def service_account_info(secret_value: str) -> dict[str, Any]:
    """The service-account JSON from a path or from the JSON text itself."""
    text = secret_value if secret_value.lstrip().startswith("{") else Path(secret_value).read_text()
    info = json.loads(text)
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise errors.AuthError("the credentials are not a service-account JSON", provider=PROVIDER)
    return info


class TokenSource:
    """One service account's access token, refreshed on demand before it expires."""

    def __init__(
        self,
        secret_value: str,
        scopes: tuple[str, ...],
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._secret_value = secret_value
        self._scopes = scopes
        self._transport = transport  # tests hand in a MockTransport
        self._token_uri = ""
        self._credentials: Any = None
        self._lock = asyncio.Lock()

    def _build(self) -> Any:
        try:
            from google.oauth2 import service_account
        except ImportError:
            raise errors.AuthError(
                "google-auth is not installed: pip install 'vidbench[google]'", provider=PROVIDER
            ) from None

        try:
            info = service_account_info(self._secret_value)
        except (OSError, ValueError) as exc:
            raise errors.AuthError(
                f"cannot read the service-account JSON: {type(exc).__name__}", provider=PROVIDER
            ) from None
        problem = token_uri_problem(info.get("token_uri"))
        if problem:
            raise errors.AuthError(problem, provider=PROVIDER)
        self._token_uri = str(info["token_uri"])
        return service_account.Credentials.from_service_account_info(
            info, scopes=list(self._scopes)
        )

    async def token(self) -> str:
        """A valid access token (refreshed when missing or about to expire)."""
        from google.auth import exceptions

        async with self._lock:
            if self._credentials is None:
                self._credentials = self._build()
            if not self._credentials.valid:
                try:
                    request = HttpxAuthRequest(self._token_uri, self._transport)
                    await asyncio.to_thread(self._credentials.refresh, request)
                except exceptions.RefreshError as exc:
                    raise errors.AuthError(
                        f"token refused: {exc.args[0] if exc.args else exc}", provider=PROVIDER
                    ) from None
                except exceptions.TransportError as exc:
                    raise errors.TransientError(
                        f"token endpoint unreachable: {exc}", provider=PROVIDER
                    ) from None
                register(self._credentials.token)
            return str(self._credentials.token)

    def cached_token(self) -> str | None:
        """The current token if it is still valid (the runner downloads right after a poll)."""
        if self._credentials is None or not self._credentials.valid:
            return None
        return str(self._credentials.token)
