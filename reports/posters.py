"""Poster frames: one still per video from its middle, so a gallery tile is never black."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import av
from PIL import Image

from vidbench.core.common.video import VIDEO_SUFFIXES, open_container
from vidbench.core.store.confine import open_confined
from vidbench.core.store.safe_files import write_atomic
from vidbench.reports import formatting as fmt

POSTERS_DIR = "posters"
MAX_POSTER_HEIGHT_PX = 480


def poster_frame(
    video: Path | IO[bytes], out: Path, max_height_px: int = MAX_POSTER_HEIGHT_PX
) -> bool:
    """Write a JPEG of the frame at the middle of `video` (a file, or one opened by
    `open_confined`; at most max_height_px tall); False if unreadable."""
    if isinstance(video, Path) and (
        video.suffix.lower() not in VIDEO_SUFFIXES or video.is_symlink() or not video.is_file()
    ):
        return False  # never let ffmpeg probe a playlist (.m3u8) and follow it
    try:
        image = _middle_frame(video)
    except (av.error.FFmpegError, StopIteration, OSError):
        return False
    if image is None:
        return False
    if image.height > max_height_px:
        width = max(2, round(image.width * max_height_px / image.height))
        image = image.resize((width, max_height_px), Image.Resampling.LANCZOS)
    out.parent.mkdir(parents=True, exist_ok=True)
    jpeg = io.BytesIO()
    image.convert("RGB").save(jpeg, format="JPEG", quality=80)
    write_atomic(out, jpeg.getvalue())  # never through a link planted at the poster's name
    return True


def _middle_frame(video: Path | IO[bytes]) -> Image.Image | None:
    with open_container(video) as container:
        if not container.streams.video:
            return None
        duration = container.duration or 0  # microseconds (AV_TIME_BASE)
        target_s = duration / 2e6
        if duration > 0:
            container.seek(duration // 2, any_frame=False)  # lands on the keyframe before
        frame = None
        for frame in container.decode(video=0):
            if frame.time is None or frame.time >= target_s:
                break
        return None if frame is None else frame.to_image()


def poster_name(video_path: str) -> str:
    """The poster's path relative to the run directory for a video's relative path."""
    return f"{POSTERS_DIR}/{Path(video_path).stem}.jpg"


def ensure_posters(run_dir: Path, video_paths: Iterable[object]) -> dict[str, str]:
    """Poster paths (relative) for every video on disk, made when missing or older than the video."""
    out: dict[str, str] = {}
    for value in video_paths:
        if not isinstance(value, str) or fmt.safe_relative_url(value) is None:
            continue  # results paths are untrusted: only plain relative paths inside the run
        # Only a regular video file inside the run, opened through no symbolic link.
        video, _ = open_confined(run_dir, value, VIDEO_SUFFIXES)
        if video is None:
            continue
        relative = poster_name(value)
        poster = run_dir / relative
        with video:
            video_mtime = os.fstat(video.fileno()).st_mtime
            fresh = (
                poster.is_file()
                and not poster.is_symlink()
                and poster.stat().st_mtime >= video_mtime
            )
            if fresh or poster_frame(video, poster):
                out[value] = relative
    return out
