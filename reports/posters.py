"""Poster frames: one still per video from its middle, so a gallery tile is never black."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import av
from PIL import Image

from vidbench.core.store.confine import VIDEO_DEMUXERS, VIDEO_SUFFIXES, confined_file
from vidbench.reports import formatting as fmt

POSTERS_DIR = "posters"
MAX_POSTER_HEIGHT_PX = 480


def poster_frame(video: Path, out: Path, max_height_px: int = MAX_POSTER_HEIGHT_PX) -> bool:
    """Write a JPEG of the frame at the middle of `video` (at most max_height_px tall); False if unreadable."""
    demuxer = VIDEO_DEMUXERS.get(video.suffix.lower())
    if demuxer is None or not video.is_file():
        return False  # never let ffmpeg probe a playlist (.m3u8) and follow it
    try:
        with av.open(str(video), format=demuxer) as container:
            if not container.streams.video:
                return False
            duration = container.duration or 0  # microseconds (AV_TIME_BASE)
            target_s = duration / 2e6
            if duration > 0:
                container.seek(duration // 2, any_frame=False)  # lands on the keyframe before
            frame = None
            for frame in container.decode(video=0):
                if frame.time is None or frame.time >= target_s:
                    break
            if frame is None:
                return False
            image = frame.to_image()
    except (av.error.FFmpegError, StopIteration, OSError):
        return False
    if image.height > max_height_px:
        width = max(2, round(image.width * max_height_px / image.height))
        image = image.resize((width, max_height_px), Image.Resampling.LANCZOS)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.jpg")
    image.convert("RGB").save(tmp, format="JPEG", quality=80)
    tmp.replace(out)
    return True


def poster_name(video_path: str) -> str:
    """The poster's path relative to the run directory for a video's relative path."""
    return f"{POSTERS_DIR}/{Path(video_path).stem}.jpg"


def ensure_posters(run_dir: Path, video_paths: Iterable[object]) -> dict[str, str]:
    """Poster paths (relative) for every video on disk, made when missing or older than the video."""
    out: dict[str, str] = {}
    for value in video_paths:
        if not isinstance(value, str) or fmt.safe_relative_url(value) is None:
            continue  # results paths are untrusted: only plain relative paths inside the run
        # Only a regular video file inside the run, reached through no symbolic link.
        video = confined_file(run_dir, value, VIDEO_SUFFIXES)
        if video is None:
            continue
        relative = poster_name(value)
        poster = run_dir / relative
        fresh = poster.is_file() and poster.stat().st_mtime >= video.stat().st_mtime
        if fresh or poster_frame(video, poster):
            out[value] = relative
    return out
