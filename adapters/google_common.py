"""What Google's video APIs share, read once for veo, vertex_veo and gemini_omni.

The Gemini API and Vertex AI answer errors in one envelope, `{"error": {code, message,
status}}` (https://cloud.google.com/apis/design/errors), say a rejected API key with a 400
whose details carry `API_KEY_INVALID`, a spent quota with the status word
`RESOURCE_EXHAUSTED`, and a shut model with a 404 "no longer available"; they take local
files inline as base64 with their MIME type. Each adapter keeps its own refine hook (what a
status means differs between the APIs) built on these readings. The simulators read the
contract on their own and do not import this.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

import httpx

from vidbench.core.seam import errors
from vidbench.core.seam.http import json_or_none

KEY_HEADER = "x-goog-api-key"  # the API key travels in this header, never in a URL
QUOTA_STATUS = "RESOURCE_EXHAUSTED"
DEFAULT_IMAGE_MIME = "image/png"
# Words of a Veo operation error that mean a safety decision (predictLongRunning APIs).
MODERATION_MARKERS = ("safety", "responsible ai", "usage guidelines", "policy")


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """(message, status word) from Google's error envelope; the reason phrase otherwise."""
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or response.reason_phrase), error.get("status")
    return response.reason_phrase or "error", None


def key_rejected(error: errors.ProviderError) -> bool:
    """Whether the answer says the API key is not valid (Google sends it as a 400)."""
    return "API_KEY_INVALID" in error.body or "api key not valid" in error.message.lower()


def model_gone(error: errors.ProviderError) -> bool:
    """Whether a 404 says the model was shut down, not merely mistyped."""
    return error.status_code == 404 and "no longer available" in error.message.lower()


def quota_exhausted(error: errors.ProviderError) -> bool:
    """A spent quota not yet typed as a rate limit (a `RESOURCE_EXHAUSTED` on another status)."""
    return error.code == QUOTA_STATUS and not isinstance(error, errors.RateLimited)


def is_moderation(message: str) -> bool:
    """Whether a Veo operation's error message reads as a safety decision."""
    return any(marker in message.lower() for marker in MODERATION_MARKERS)


def file_base64(path: Path, default_mime: str = DEFAULT_IMAGE_MIME) -> tuple[str, str]:
    """A local file as (base64 text, MIME type guessed from its name)."""
    mime = mimetypes.guess_type(path.name)[0] or default_mime
    return base64.b64encode(path.read_bytes()).decode("ascii"), mime


def inline_media(path: Path) -> dict[str, str]:
    """A local image in the predict APIs' inline form `{bytesBase64Encoded, mimeType}`."""
    data, mime = file_base64(path)
    return {"bytesBase64Encoded": data, "mimeType": mime}
