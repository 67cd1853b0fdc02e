"""Small web previews of generated videos: H.264 (yuv420p), at most 480 lines, AAC audio kept."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import IO

import av

from vidbench.core.common.video import VIDEO_SUFFIXES, open_container
from vidbench.core.store.safe_files import write_via

MAX_PREVIEW_HEIGHT_PX = 480
PREVIEW_CRF = 30  # x264 constant quality: a few hundred kB for a 5 s clip at 480p
AUDIO_BITRATE = 64_000


def preview_size(
    width_px: int, height_px: int, max_height_px: int = MAX_PREVIEW_HEIGHT_PX
) -> tuple[int, int]:
    """The preview's (width, height): scaled down to max_height_px, both even (H.264 4:2:0)."""
    height = min(height_px, max_height_px)
    width = max(2, round(width_px * height / height_px / 2) * 2)
    return width, max(2, height - height % 2)


def transcode_preview(
    source: Path | IO[bytes], target: Path, max_height_px: int = MAX_PREVIEW_HEIGHT_PX
) -> None:
    """Write an H.264 MP4 preview of `source` (moov atom first, so it starts playing at once).

    `source` is an open file (from `open_confined`) or a regular file with a video suffix;
    only the video demuxers may read it (`open_container`): ffmpeg would follow a playlist
    (.m3u8, .ffconcat) to media anywhere. The preview is written to a new temp file and
    moved onto `target`, never through a link planted there.
    """
    if isinstance(source, Path) and (
        source.suffix.lower() not in VIDEO_SUFFIXES
        or os.path.islink(source)
        or not source.is_file()
    ):
        raise ValueError(f"refusing to transcode {source}: not a regular video file")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_via(target, lambda tmp: _transcode(source, tmp, max_height_px))


def _transcode(source: Path | IO[bytes], tmp: Path, max_height_px: int) -> None:
    with (
        open_container(source) as inp,
        av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        video_in = inp.streams.video[0]
        rate = Fraction(video_in.average_rate or 24).limit_denominator(1001)
        width, height = preview_size(video_in.width, video_in.height, max_height_px)
        video_out = out.add_stream("libx264", rate=rate)
        video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
        video_out.options = {"crf": str(PREVIEW_CRF), "preset": "veryfast"}
        video_out.time_base = 1 / rate
        audio_in = inp.streams.audio[0] if inp.streams.audio else None
        audio_out = out.add_stream("aac", rate=44100) if audio_in is not None else None
        if audio_out is not None:
            audio_out.bit_rate = AUDIO_BITRATE
        streams = [s for s in (video_in, audio_in) if s is not None]
        index = 0
        for packet in inp.demux(*streams):
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    scaled = frame.reformat(width=width, height=height, format="yuv420p")
                    scaled.pts = index
                    index += 1
                    out.mux(video_out.encode(scaled))
                elif audio_out is not None and isinstance(frame, av.AudioFrame):
                    frame.pts = None
                    out.mux(audio_out.encode(frame))
        out.mux(video_out.encode(None))
        if audio_out is not None:
            out.mux(audio_out.encode(None))
