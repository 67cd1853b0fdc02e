"""The readings veo, vertex_veo and gemini_omni share (adapters/google_common.py)."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from vidbench.adapters import google_common
from vidbench.core.seam import errors


def _error(
    status: int, message: str, code: str | None = None, body: str = "{}"
) -> errors.ProviderError:
    return errors.InvalidRequest(message, provider="g", status_code=status, code=code, body=body)


def test_the_envelope_gives_message_and_status_word() -> None:
    envelope = {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}
    assert google_common.parse_error(httpx.Response(429, json=envelope)) == (
        "quota", "RESOURCE_EXHAUSTED",
    )  # fmt: skip
    assert google_common.parse_error(httpx.Response(502, text="<html>")) == ("Bad Gateway", None)


@pytest.mark.parametrize(
    ("error", "rejected", "gone", "quota"),
    [
        (_error(400, "API key not valid. Please pass a valid API key."), True, False, False),
        (_error(400, "bad", body='{"reason": "API_KEY_INVALID"}'), True, False, False),
        (_error(404, "Model is No Longer Available"), False, True, False),
        (_error(400, "no longer available"), False, False, False),
        (_error(400, "quota", "RESOURCE_EXHAUSTED"), False, False, True),
        (
            errors.RateLimited("quota", status_code=429, code="RESOURCE_EXHAUSTED"),
            False,
            False,
            False,
        ),
        (_error(400, "bad value", "INVALID_ARGUMENT"), False, False, False),
    ],
)
def test_what_an_error_says(
    error: errors.ProviderError, rejected: bool, gone: bool, quota: bool
) -> None:
    assert google_common.key_rejected(error) is rejected
    assert google_common.model_gone(error) is gone
    assert google_common.quota_exhausted(error) is quota


def test_inline_media_guesses_the_type_from_the_name(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"jpg")
    (tmp_path / "a.qzx").write_bytes(b"odd")
    assert google_common.inline_media(tmp_path / "a.jpg") == {
        "bytesBase64Encoded": base64.b64encode(b"jpg").decode(), "mimeType": "image/jpeg",
    }  # fmt: skip
    assert google_common.file_base64(tmp_path / "a.qzx", "video/octet-stream")[1] == (
        "video/octet-stream"
    )
    assert google_common.is_moderation("Blocked by Responsible AI practices")
    assert not google_common.is_moderation("internal error")
