"""Signed, expiring video URLs on the simulator server's `/files/...` path.

`SimContext.video_url` registers a task's video here and hands out the URL; the server's
`/files/{token}.mp4` handler looks the token up and checks the signature and expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Generic, TypeVar

from starlette.requests import Request

Entry = TypeVar("Entry")


class FileStore(Generic[Entry]):
    """Signed, expiring file URLs served at `/files/{token}.mp4?expires=..&sig=..`; each token
    points at an entry (the simulator's `common.FileEntry`: context, task and video spec)."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)
        self.entries: dict[str, Entry] = {}

    def sign(self, token: str, expires_s: int) -> str:
        """HMAC of the token and its expiry."""
        msg = f"{token}:{expires_s}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def verify(self, token: str, expires_s: int, signature: str) -> bool:
        """Whether `signature` is ours for this token and expiry."""
        return hmac.compare_digest(self.sign(token, expires_s), signature)

    def signed_url(self, root: str, token: str, expires_s: int) -> str:
        """The URL of `token`'s video under `root`, valid until `expires_s`."""
        sig = self.sign(token, expires_s)
        return f"{root}/files/{token}.mp4?expires={expires_s}&sig={sig}"


def server_root(request: Request) -> str:
    """`scheme://host:port` as the client addressed this server."""
    host = request.headers.get("host") or "{}:{}".format(
        *(request.scope.get("server") or ("127.0.0.1", 80))
    )
    return f"{request.url.scheme}://{host}"
