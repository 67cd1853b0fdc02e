"""Video I/O helpers on PyAV: probing a file for decodability, geometry, timing and audio level."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import av
import numpy as np

# Digital silence has no finite level; report this floor instead of -inf so records stay JSON.
SILENCE_FLOOR_DBFS = -120.0
# A decoded frame count this far below the container's own count means the file was cut short.
TRUNCATION_TOLERANCE = 0.98

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv")
# The demuxer each suffix is opened with when a file is transcoded for a page.
VIDEO_DEMUXERS = {".mp4": "mp4", ".mov": "mov", ".webm": "matroska", ".mkv": "matroska"}
# The only demuxers FFmpeg may pick when it probes a video a run names: a playlist (HLS,
# concat, …) or any other container renamed .mp4 is refused, never followed to its segments.
CONTAINER_WHITELIST = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"


# The only protocol FFmpeg may open: a name such as `concat:a|b`, `http://…` or `pipe:` is
# refused, and so is any URL a container would open on its own (a reference, a segment).
PROTOCOL_WHITELIST = "file"


def open_container(source: Path | str | IO[bytes]) -> Any:
    """A PyAV input container that only the video demuxers above may read, over the `file`
    protocol only (a file object is read through PyAV's own I/O; the whitelist still binds
    anything the demuxer would open next to it)."""
    target = source if hasattr(source, "read") else str(source)
    options = {"format_whitelist": CONTAINER_WHITELIST, "protocol_whitelist": PROTOCOL_WHITELIST}
    return av.open(target, options=options)


@dataclass(frozen=True)
class VideoProbe:
    """What a video file delivers, measured by decoding it."""

    decodable: bool
    error: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    duration_s: float | None = None
    frame_count: int = 0
    codec: str | None = None
    has_audio: bool = False
    audio_rms_dbfs: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for records."""
        return asdict(self)


class AudioMeter:
    """Streaming RMS level of decoded audio frames (all channels pooled)."""

    def __init__(self) -> None:
        self.sum_squares = 0.0
        self.samples = 0

    def add(self, frame: av.AudioFrame) -> None:
        """Accumulate one decoded audio frame."""
        data: np.ndarray = frame.to_ndarray()
        if data.dtype.kind == "f":
            values = data.astype(np.float64, copy=False)
        elif data.dtype.kind == "u":  # unsigned PCM is offset-binary
            half = float(np.iinfo(data.dtype.type).max + 1) / 2  # type: ignore[type-var]
            values = (data.astype(np.float64) - half) / half
        else:
            values = data.astype(np.float64) / float(np.iinfo(data.dtype.type).max + 1)  # type: ignore[type-var]
        self.sum_squares += float(np.square(values).sum())
        self.samples += int(values.size)

    def rms_dbfs(self) -> float | None:
        """Level in dB relative to full scale; None when no samples were seen."""
        if self.samples == 0:
            return None
        rms = math.sqrt(self.sum_squares / self.samples)
        if rms <= 0:
            return SILENCE_FLOOR_DBFS
        return max(SILENCE_FLOOR_DBFS, 20.0 * math.log10(rms))


def stream_fps(stream: av.video.stream.VideoStream) -> float | None:
    """Nominal frame rate of a video stream, or None when the container does not say."""
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        return None
    value = float(Fraction(rate))
    return value if value > 0 else None


def expected_frame_count(stream: av.video.stream.VideoStream, container: Any) -> int:
    """Frames the container claims to hold (0 when unknown)."""
    if stream.frames:
        return int(stream.frames)
    fps = stream_fps(stream)
    if fps and container.duration:
        return int(round(container.duration / av.time_base * fps))
    return 0


class TimelineTracker:
    """Tracks decoded video frames to measure delivered duration and frame count."""

    def __init__(self, fps: float | None):
        self.fps = fps
        self.frames = 0
        self.first_time_s: float | None = None
        self.last_time_s: float | None = None

    def add(self, time_s: float | None) -> float:
        """Record one frame; returns its presentation time in seconds (index-based if unknown)."""
        if time_s is None:
            time_s = self.frames / self.fps if self.fps else float(self.frames)
        if self.first_time_s is None:
            self.first_time_s = time_s
        self.last_time_s = time_s if self.last_time_s is None else max(self.last_time_s, time_s)
        self.frames += 1
        return time_s

    def duration_s(self) -> float | None:
        """Span from the first frame's start to the last frame's end."""
        if self.first_time_s is None or self.last_time_s is None:
            return None
        frame_s = 1.0 / self.fps if self.fps else 0.0
        return self.last_time_s - self.first_time_s + frame_s


def probe(path: Path | str) -> VideoProbe:
    """Decode a video fully (video and audio) and report what it delivers; never raises."""
    try:
        container = open_container(path)
    except Exception as exc:  # any open failure means "not a usable video"
        return VideoProbe(decodable=False, error=f"cannot open: {exc}")
    try:
        with container:
            if not container.streams.video:
                return VideoProbe(decodable=False, error="no video stream")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            fps = stream_fps(video)
            expected = expected_frame_count(video, container)
            timeline = TimelineTracker(fps)
            meter = AudioMeter()
            width = height = None
            streams = [video] + ([audio] if audio is not None else [])
            for packet in container.demux(*streams):
                for frame in packet.decode():
                    if isinstance(frame, av.VideoFrame):
                        timeline.add(frame.time)
                        width, height = frame.width, frame.height
                    elif isinstance(frame, av.AudioFrame):
                        meter.add(frame)
            codec = video.codec_context.name
    except Exception as exc:  # a decode error mid-file is a corrupt video, not a crash
        return VideoProbe(decodable=False, error=f"decode failed: {exc}")
    if timeline.frames == 0:
        return VideoProbe(decodable=False, error="no decodable video frames", codec=codec)
    error = None
    if expected and timeline.frames < expected * TRUNCATION_TOLERANCE - 1:
        error = f"truncated: decoded {timeline.frames} of {expected} frames"
    return VideoProbe(
        decodable=error is None,
        error=error,
        width=width,
        height=height,
        fps=fps,
        duration_s=timeline.duration_s(),
        frame_count=timeline.frames,
        codec=codec,
        has_audio=audio is not None and meter.samples > 0,
        audio_rms_dbfs=meter.rms_dbfs() if audio is not None else None,
    )


def check_integrity(path: Path | str) -> VideoProbe:
    """A quick download check: every packet demuxes and the first frame decodes; never raises.

    Cheaper than `probe` (no full decode): the runner calls it on every download, the
    scoring stage decodes in full later.
    """
    try:
        container = open_container(path)
    except Exception as exc:  # any open failure means "not a usable video"
        return VideoProbe(decodable=False, error=f"cannot open: {exc}")
    try:
        with container:
            if not container.streams.video:
                return VideoProbe(decodable=False, error="no video stream")
            video = container.streams.video[0]
            expected = expected_frame_count(video, container)
            packets = 0
            first_frame = None
            for packet in container.demux(video):
                if packet.size == 0:
                    continue
                packets += 1
                if first_frame is None:
                    frames = packet.decode()
                    first_frame = frames[0] if frames else None
            width = first_frame.width if first_frame is not None else None
            height = first_frame.height if first_frame is not None else None
            codec = video.codec_context.name
            fps = stream_fps(video)
    except Exception as exc:  # a demux error mid-file is a corrupt video, not a crash
        return VideoProbe(decodable=False, error=f"demux failed: {exc}")
    if packets == 0:
        return VideoProbe(decodable=False, error="no video packets", codec=codec)
    if expected and packets < expected * TRUNCATION_TOLERANCE - 1:
        return VideoProbe(
            decodable=False, error=f"truncated: {packets} of {expected} frames present", codec=codec
        )
    return VideoProbe(
        decodable=True, width=width, height=height, fps=fps, frame_count=packets, codec=codec
    )
