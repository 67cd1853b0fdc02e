"""The simulators' video renderer: prompt + quality profile → a real H.264/AAC MP4, cached.

Usage::

    path = render_video(RenderSpec(prompt="a red car drives fast", width=1280, height=720,
                                   duration_s=4.0, audio=True, quality=profile.quality), cache_dir)

Sizes: yuv420p needs even dimensions, so an odd width or height is rounded *down* to the next
even number (minimum 2), like ffmpeg's `trunc(x/2)*2`; even sizes are delivered exactly.
Frames: exactly round(duration_s * fps), stream rate fps, time base 1/fps. Audio (when asked):
mono AAC at 48 kHz, as long as the video. See render_frames for what the prompt words do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from vidbench.core.sim.profiles import Quality
from vidbench.core.sim.render_audio import SAMPLE_RATE_HZ, synthesize_audio
from vidbench.core.sim.render_frames import iter_frames
from vidbench.core.sim.render_prompt import parse_prompt
from vidbench.core.sim.render_truth import collect_thumbnails, plant_errors, write_truth

# Bump when the renderer's output changes, so cached clips from older code are not served.
RENDERER_VERSION = 1
AUDIO_FRAME_SAMPLES = 1024  # the AAC encoder's frame size


@dataclass(frozen=True)
class RenderSpec:
    """Everything that determines a rendered clip (and hence its cache key)."""

    prompt: str
    width: int
    height: int
    duration_s: float
    fps: int = 24
    shots: int = 1  # requested shot count; each extra shot is a hard cut to a new framing/scene
    audio: bool = False  # AAC track (mono, 48 kHz) when True
    quality: Quality = field(default_factory=Quality)
    seed: int = 0


def render_key(spec: RenderSpec) -> str:
    """sha256 hex of the whole spec (and the renderer version): the cache key."""
    payload = {"renderer_version": RENDERER_VERSION, **dataclasses.asdict(spec)}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encoded_size(width: int, height: int) -> tuple[int, int]:
    """The (width, height) actually encoded: odd sizes rounded down to even, at least 2."""
    return max(2, width - width % 2), max(2, height - height % 2)


def frame_count(spec: RenderSpec) -> int:
    """Number of video frames: round(duration_s * fps), at least one."""
    return max(1, round(spec.duration_s * spec.fps))


def _content_seed(spec: RenderSpec) -> int:
    """Seed for layout/noise: the spec's seed mixed with the prompt, stable across runs."""
    digest = hashlib.sha256(f"{spec.seed}\x00{spec.prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _encode(
    path: Path,
    frames: Iterable[np.ndarray],
    width: int,
    height: int,
    fps: int,
    audio: np.ndarray | None,
) -> None:
    """Write frames (and mono float audio) to an MP4 at `path` with libx264 + AAC."""
    time_base = Fraction(1, fps)
    with av.open(str(path), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.time_base = time_base
        video.codec_context.time_base = time_base
        video.options = {"preset": "ultrafast", "crf": "23"}
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=SAMPLE_RATE_HZ, layout="mono")
            sound.time_base = Fraction(1, SAMPLE_RATE_HZ)
        audio_done = 0

        def encode_audio_until(sample: int) -> None:
            nonlocal audio_done
            assert sound is not None and audio is not None
            while audio_done < min(sample, len(audio)):
                chunk = audio[audio_done : audio_done + AUDIO_FRAME_SAMPLES]
                frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = (
                    SAMPLE_RATE_HZ,
                    audio_done,
                    sound.time_base,
                )
                container.mux(sound.encode(frame))
                audio_done += len(chunk)

        for index, rgb in enumerate(frames):
            # OpenCV's RGB→I420 (BT.601, limited range, what H.264 players assume untagged)
            # is ~20x faster than PyAV's swscale path for this step.
            yuv = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            frame.pts, frame.time_base = index, time_base
            container.mux(video.encode(frame))
            if sound is not None:  # interleave: audio up to the end of this video frame
                encode_audio_until((index + 1) * SAMPLE_RATE_HZ // fps)
        container.mux(video.encode(None))
        if sound is not None:
            encode_audio_until(len(audio) if audio is not None else 0)
            container.mux(sound.encode(None))


def render_video(spec: RenderSpec, cache_dir: Path) -> Path:
    """Render (or fetch from cache) the MP4 for spec; returns its path inside cache_dir."""
    cache_dir = Path(cache_dir)
    target = cache_dir / f"{render_key(spec)}.mp4"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    width, height = encoded_size(spec.width, spec.height)
    count = frame_count(spec)
    seed = _content_seed(spec)
    scene = plant_errors(parse_prompt(spec.prompt), spec.quality.prompt_errors, seed)
    thumbs: list[np.ndarray] = []  # what the judge simulator recognises frames by
    frames = collect_thumbnails(
        iter_frames(scene, width, height, spec.fps, count, spec.shots, spec.quality, seed), thumbs
    )
    audio = (
        synthesize_audio(count / spec.fps, seed, spec.quality.silent_audio) if spec.audio else None
    )
    # A unique temp name per writer, then an atomic rename: concurrent renders of one spec
    # (threads or processes) each finish a whole file and the last rename wins harmlessly.
    temp = (
        cache_dir
        / f".{target.stem}.{os.getpid()}.{threading.get_ident()}.{uuid.uuid4().hex[:8]}.tmp"
    )
    try:
        _encode(temp, frames, width, height, spec.fps, audio)
        shots = 1 if spec.quality.drop_shots else max(1, min(spec.shots, count))
        silent = spec.quality.silent_audio
        write_truth(target, scene, shots=shots, audio=spec.audio, silent=silent, thumbs=thumbs)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target
