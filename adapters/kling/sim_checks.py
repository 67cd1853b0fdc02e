"""Checks the Kling simulator's families share: error answers, the JWT, image fields.

Contract: Kling's API documentation (kling.ai/document-api) as read Oct–Nov 2026 — the error
table, the JWT rules of "General Information", the image limits of the image2video page.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

import jwt
from PIL import Image, UnidentifiedImageError

from vidbench.core.sim import SIM_ACCESS_KEY, SIM_SECRET_KEY
from vidbench.core.sim.common import SimError

RATIOS = ("16:9", "9:16", "1:1")
MIN_IMAGE_PX = 300


def kling_error(status: int, code: int, message: str) -> SimError:
    """A Kling error answer: HTTP status, numeric code and message."""
    return SimError(status, str(code), message)


def invalid(message: str) -> SimError:
    """400 / 1201, Kling's 'invalid parameter'."""
    return kling_error(400, 1201, message)


def check_token(authorization: str | None, now_s: float) -> None:
    """Raise the 401 Kling answers for a missing, invalid, premature or expired JWT."""
    if not authorization or not authorization.strip():
        raise kling_error(401, 1001, "Authorization is empty")
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token:
        raise kling_error(401, 1002, "Authorization is invalid: expected 'Bearer <token>'")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*HMAC key", category=UserWarning)
            claims = jwt.decode(
                token, SIM_SECRET_KEY, algorithms=["HS256"],
                options={"verify_exp": False, "verify_nbf": False, "require": ["iss", "exp"]},
            )  # fmt: skip
    except jwt.PyJWTError:
        raise kling_error(
            401, 1002, "Authorization is invalid: token signature or format"
        ) from None
    if claims.get("iss") != SIM_ACCESS_KEY:
        raise kling_error(401, 1002, "Authorization is invalid: unknown access key")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > now_s:
        raise kling_error(401, 1003, "Authorization is not yet valid (nbf)")
    exp = claims["exp"]
    if not isinstance(exp, int | float) or exp <= now_s:
        raise kling_error(401, 1004, "Authorization has expired (exp)")


def image_ratio(value: str, field: str) -> str | None:
    """Validate an image field; the nearest output ratio for base64 images, None for URLs."""
    if value.startswith("data:"):
        raise invalid(f"{field}: base64 must not carry a data: prefix")
    if value.startswith(("http://", "https://")):
        return None  # Kling fetches URLs itself; the simulator does not reach out
    try:
        with Image.open(io.BytesIO(base64.b64decode(value, validate=True))) as image:
            width, height, fmt = image.width, image.height, image.format
    except (binascii.Error, ValueError, UnidentifiedImageError):
        raise invalid(f"{field}: not a URL or base64 of a jpg/jpeg/png image") from None
    if fmt not in ("PNG", "JPEG"):
        raise invalid(f"{field}: only jpg/jpeg/png are supported")
    if min(width, height) < MIN_IMAGE_PX:
        raise invalid(f"{field}: image must be at least {MIN_IMAGE_PX}px on each side")
    aspect = width / height
    if not 1 / 2.5 <= aspect <= 2.5:
        raise invalid(f"{field}: aspect ratio must be between 1:2.5 and 2.5:1")
    return min(RATIOS, key=lambda r: abs(aspect - ratio_value(r)))


def ratio_value(ratio: str) -> float:
    """ "16:9" as 16/9."""
    width, height = ratio.split(":")
    return int(width) / int(height)
