"""OAuth access tokens for Vertex AI from a service-account JSON, minted by google-auth.

The secret is the path to the service-account JSON (as in `GOOGLE_APPLICATION_CREDENTIALS`)
or, for a simulator, the JSON text itself. google-auth signs the JWT assertion and posts it
to the JSON's `token_uri`; the token lives in memory only, is refreshed before it expires
(google-auth treats a token as invalid a few minutes early) and is registered for redaction.
google-auth's refresh is blocking, so it runs in a thread over a small httpx transport.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from vidbench.core.seam import errors
from vidbench.core.seam.secrets import register

PROVIDER = "vertex_veo"
TOKEN_TIMEOUT_S = 30.0


class _Response:
    """The response shape google-auth's transport contract expects."""

    def __init__(self, response: httpx.Response):
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content


class HttpxAuthRequest:
    """A `google.auth.transport.Request` over httpx (google-auth calls it from a thread)."""

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        """Send one token request."""
        from google.auth import exceptions

        try:
            with httpx.Client(timeout=timeout or TOKEN_TIMEOUT_S) as client:
                response = client.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise exceptions.TransportError(
                f"{type(exc).__name__} while fetching a token"
            ) from None
        return _Response(response)


def service_account_info(secret_value: str) -> dict[str, Any]:
    """The service-account JSON from a path or from the JSON text itself."""
    text = secret_value if secret_value.lstrip().startswith("{") else Path(secret_value).read_text()
    info = json.loads(text)
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise errors.AuthError("the credentials are not a service-account JSON", provider=PROVIDER)
    return info


class TokenSource:
    """One service account's access token, refreshed on demand before it expires."""

    def __init__(self, secret_value: str, scopes: tuple[str, ...]):
        self._secret_value = secret_value
        self._scopes = scopes
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
                    await asyncio.to_thread(self._credentials.refresh, HttpxAuthRequest())
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
