"""OpenAI videos request rules for the simulator: models, seconds, sizes, body checks.

Reads the create body (multipart form or JSON with a data-URL `input_reference`) and
answers what the real API answers for a bad model, prompt, seconds, size or image.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from PIL import Image
from starlette.datastructures import UploadFile
from starlette.requests import Request

from vidbench.core.sim.common import SimContext, SimError

MODELS_STANDARD = ("sora-2", "sora-2-2025-10-06", "sora-2-2025-12-08")
MODELS_PRO = ("sora-2-pro", "sora-2-pro-2025-10-06")
SECONDS = ("4", "8", "12")
SIZES_STANDARD = ("720x1280", "1280x720")
SIZES_PRO = SIZES_STANDARD + ("1024x1792", "1792x1024")
MAX_PROMPT_CHARS = 32000


def api_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    type: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
) -> SimError:
    """A SimError rendered in the OpenAI envelope (`invalid_request_error` unless told)."""
    return SimError(status, code or "", message, param=param, type=type, headers=headers)


async def read_create_body(request: Request) -> tuple[dict[str, Any], bytes | None]:
    """Form fields (or JSON members) and the input_reference image bytes, if any."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        fields: dict[str, Any] = {}
        image: bytes | None = None
        for key, value in form.multi_items():
            if key == "input_reference":
                if not isinstance(value, UploadFile):
                    raise api_error(
                        400,
                        "Invalid type for 'input_reference': expected a file, but got a string "
                        "instead.",
                        code="invalid_type",
                        param="input_reference",
                    )
                image = await value.read()
            else:
                fields[key] = value
        return fields, image
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise api_error(400, "We could not parse the JSON body of your request.") from None
        if not isinstance(body, dict):
            raise api_error(400, "The body must be a JSON object.")
        reference = body.pop("input_reference", None)
        return body, None if reference is None else _json_reference(reference)
    raise api_error(400, "Content-Type must be multipart/form-data or application/json.")


def _json_reference(reference: Any) -> bytes:
    """Image bytes from the JSON form `{"image_url": "data:..."}` (remote URLs are not fetched)."""
    if (
        not isinstance(reference, dict)
        or len(reference) != 1
        or not ({"image_url", "file_id"} & set(reference))
    ):
        raise api_error(
            400,
            "input_reference must have exactly one of image_url or file_id.",
            code="invalid_value",
            param="input_reference",
        )
    url = reference.get("image_url")
    if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
        raise api_error(
            400,
            "The simulator only accepts input_reference.image_url as a base64 data URL.",
            code="invalid_value",
            param="input_reference.image_url",
        )
    try:
        return base64.b64decode(url.split(";base64,", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        raise api_error(
            400,
            "input_reference.image_url is not valid base64.",
            code="invalid_value",
            param="input_reference.image_url",
        ) from None


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    """`seconds` and `size` are strings from a fixed list (`invalid_type` / `invalid_value`)."""
    if not isinstance(value, str):
        raise api_error(
            400,
            f"Invalid type for '{name}': expected one of {', '.join(allowed)} as a string.",
            code="invalid_type",
            param=name,
        )
    if value not in allowed:
        raise api_error(
            400,
            f"Invalid value: '{value}'. Supported values are: "
            f"{', '.join(repr(a) for a in allowed)}.",
            code="invalid_value",
            param=name,
        )


def _check_reference(image: bytes, size: str) -> None:
    """A first-frame reference must be a readable image of exactly `size` pixels."""
    try:
        with Image.open(io.BytesIO(image)) as reference:
            dims = reference.size
    except OSError:
        raise api_error(
            400,
            "input_reference is not a readable image.",
            code="invalid_value",
            param="input_reference",
        ) from None
    if f"{dims[0]}x{dims[1]}" != size:
        raise api_error(
            400,
            "Inpaint image must match the requested width and height",
            code="invalid_value",
            param="input_reference",
        )


def validate(fields: dict[str, Any], image: bytes | None, ctx: SimContext) -> dict[str, str]:
    """Check model, prompt, seconds, size and the reference image; returns the normalised fields."""
    model = str(fields.get("model") or "sora-2")
    if model not in MODELS_STANDARD + MODELS_PRO:
        raise api_error(
            400,
            f"Invalid value: '{model}'. Supported values are: "
            f"{', '.join(repr(m) for m in MODELS_STANDARD + MODELS_PRO)}.",
            code="invalid_value",
            param="model",
        )
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not 1 <= len(prompt) <= MAX_PROMPT_CHARS:
        raise api_error(
            400, "prompt is required (1-32000 characters).", code="invalid_value", param="prompt"
        )
    seconds = fields.get("seconds", "4")
    size = fields.get("size", "720x1280")
    _check_choice("seconds", seconds, SECONDS)
    _check_choice("size", size, SIZES_PRO if model in MODELS_PRO else SIZES_STANDARD)
    if image is not None:
        _check_reference(image, size)
    if any(word in prompt.lower() for word in ctx.profile.input_moderation_words):
        raise api_error(
            400,
            "Your request was blocked by our moderation system.",
            code="moderation_blocked",
            param="prompt",
        )
    return {"prompt": prompt, "seconds": seconds, "size": size}
