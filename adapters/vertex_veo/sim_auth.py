"""The simulated Google OAuth token endpoint and the service account it trusts.

RFC 7523 JWT-bearer grant as Google's `https://oauth2.googleapis.com/token` answers it: a
form with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and an RS256 `assertion`
signed with the service account's key (`iss` the account, `aud` the token URI, `scope`,
`iat`/`exp` at most an hour apart) → `{"access_token", "expires_in", "token_type"}`; a bad
signature or claim → 400 `{"error": "invalid_grant", "error_description"}`. The key pair is
made once per process and never written anywhere.
"""

from __future__ import annotations

import functools
import json
import secrets

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vidbench.core.sim.common import SimContext

CLIENT_EMAIL = "vidbench-sim@sim-project.iam.gserviceaccount.com"
PROJECT = "sim-project"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # google-auth's audience, always
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_TOKEN_TTL_S = 3600


@functools.cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def service_account_json(token_uri: str) -> str:
    """A service-account JSON whose `token_uri` is the simulator's token endpoint."""
    pem = (
        _key()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
    info = {
        "type": "service_account", "project_id": PROJECT, "private_key_id": "sim-key-1",
        "private_key": pem, "client_email": CLIENT_EMAIL, "client_id": "100000000000000000001",
        "token_uri": token_uri,
    }  # fmt: skip
    return json.dumps(info)


def _invalid_grant(description: str) -> Response:
    return JSONResponse({"error": "invalid_grant", "error_description": description}, 400)


def _claims_problem(claims: dict[str, object], token_uri: str) -> str | None:
    if claims.get("iss") != CLIENT_EMAIL:
        return "Invalid JWT: the issuer is not a known service account."
    if claims.get("aud") not in (token_uri, GOOGLE_TOKEN_URI):
        return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe"
    if not claims.get("scope"):
        return "Invalid OAuth scope or ID token audience provided."
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int) or not isinstance(expires, int) or expires - issued > 3600:
        return "Invalid JWT: Token must be a short-lived token (60 minutes)"
    return None


class TokenEndpoint:
    """Issues access tokens and says whether a bearer token is one it issued and still valid."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.issued: dict[str, float] = {}  # token → expiry (simulator clock)

    async def token(self, request: Request) -> Response:
        """POST /token: exchange a signed assertion for an access token."""
        form = await request.form()
        if form.get("grant_type") != GRANT_TYPE:
            return JSONResponse(
                {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}, 400
            )
        # The server mounts each provider under a prefix (root_path): the URI the client used.
        root = request.scope.get("root_path", "")
        token_uri = f"{request.url.scheme}://{request.url.netloc}{root}{request.url.path}"
        try:
            claims = jwt.decode(
                str(form.get("assertion", "")), _key().public_key(), algorithms=["RS256"],
                audience=token_uri, options={"verify_exp": False, "verify_aud": False},
            )  # fmt: skip
        except jwt.PyJWTError:
            return _invalid_grant("Invalid JWT Signature.")
        problem = _claims_problem(claims, token_uri)
        if problem:
            return _invalid_grant(problem)
        ttl_s = int(self.ctx.settings.get("token_ttl_s", DEFAULT_TOKEN_TTL_S))
        token = "ya29.sim-" + secrets.token_urlsafe(24)
        self.issued[token] = self.ctx.clock() + ttl_s
        return JSONResponse({"access_token": token, "expires_in": ttl_s, "token_type": "Bearer"})

    def valid(self, request: Request) -> bool:
        """Whether the request carries a bearer token issued here that has not expired."""
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        expiry = self.issued.get(token)
        return expiry is not None and self.ctx.clock() < expiry
