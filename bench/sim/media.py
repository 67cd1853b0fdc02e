"""Media helpers of the simulators that serve video bytes themselves (OpenAI, Veo).

Render sizes for a `render_scale`, WebP thumbnails and spritesheets, and the truncated
download fault (full length declared, half sent, connection cut) shared with the
server's `/files/...` handler.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import av
from PIL import Image
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


def render_size(width_px: int, height_px: int, scale: float) -> tuple[int, int]:
    """The rendered frame size for a nominal size and a `render_scale` (even, at least 16 px)."""

    def side(px: int) -> int:
        return max(16, int(round(px * scale / 2)) * 2)

    return side(width_px), side(height_px)


def still_images(video: Path, *, sheet: bool) -> bytes:
    """A WebP thumbnail (first frame) or spritesheet (up to 8 frames, 4 per row) of `video`."""
    with av.open(str(video)) as container:
        decoded = container.decode(video=0)
        frames = [frame.to_image() for frame in decoded] if sheet else [next(decoded).to_image()]
    if not sheet:
        image = frames[0]
    else:
        step = max(1, len(frames) // 8)
        picked = frames[::step][:8]
        tile_w, tile_h = max(1, frames[0].width // 4), max(1, frames[0].height // 4)
        columns = min(4, len(picked))
        rows = (len(picked) + columns - 1) // columns
        image = Image.new("RGB", (tile_w * columns, tile_h * rows))
        for index, frame in enumerate(picked):
            image.paste(
                frame.resize((tile_w, tile_h)),
                ((index % columns) * tile_w, (index // columns) * tile_h),
            )
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP")
    return buffer.getvalue()


class _TruncatedDownload(ConnectionAbortedError):
    """Raised on purpose so uvicorn drops the connection mid-body."""


def _not_simulated_fault(record: logging.LogRecord) -> bool:
    # Keep uvicorn's error log for real crashes, not for the injected truncation.
    return not (record.exc_info and isinstance(record.exc_info[1], _TruncatedDownload))


logging.getLogger("uvicorn.error").addFilter(_not_simulated_fault)


async def send_truncated(video: Path, send: Send) -> None:
    """Declare the full length, send half, then end: the client sees a cut connection."""
    data = video.read_bytes()
    headers = [(b"content-type", b"video/mp4"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": data[: len(data) // 2], "more_body": True})
    raise _TruncatedDownload("simulated truncated download")


class TruncatedFileResponse(Response):
    """The framework's truncated download (full length declared, half sent, connection cut)."""

    def __init__(self, path: Path):
        super().__init__(media_type="video/mp4")
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The shared helper, so the log filter above keeps this injected fault quiet too.
        await send_truncated(self.path, send)


class DroppedAnswer(Response):
    """The `create_drop_rate` fault: the task exists, but its answer is cut mid-body."""

    def __init__(self, payload: bytes):
        super().__init__(media_type="application/json")
        self.payload = payload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = str(len(self.payload)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", length)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        half = self.payload[: len(self.payload) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise _TruncatedDownload("simulated dropped answer")
