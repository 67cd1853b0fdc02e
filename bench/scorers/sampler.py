"""The one frame sampler: decode a video once and feed every scorer what it needs.

A single streaming PyAV pass over video and audio packets serves: all native frames to the
flicker and shot reductions, every n-th frame (~8 fps) to the motion reduction, N uniformly
spaced frames to the embedding scorers, and the audio level to conformance. Only the N
uniform frames plus O(1) working frames are held, whatever the video length.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, Any

import av
import numpy as np

from vidbench.core.common.video import (
    AudioMeter,
    TimelineTracker,
    VideoProbe,
    expected_frame_count,
    open_container,
    stream_fps,
)
from vidbench.core.scorers.temporal import (
    FlickerAccumulator,
    MotionAccumulator,
    ShotDetector,
    motion_interval,
)
from vidbench.core.store.safe_files import write_atomic

SAMPLER_VERSION = "3"  # 3: static filter on chained measured flow; DIS from the dominant shift
# Reductions a decode pass can compute; scorers declare which they need.
PRODUCTS = ("uniform", "flicker", "motion", "shots", "probe", "dense")
# "dense": every native frame, short side ≤ this, for protocols that read every frame
# (subject consistency's protocol: vbench, face identity over a share of frames). Held in
# memory: ~1.2 MB per 16:9 frame, ~150 MB for 5 s at 24 fps; only scorers that ask get it.
DENSE_SHORT_SIDE_PX = 480


@dataclass(frozen=True)
class SamplerSettings:
    """How frames are sampled; part of every cache key that depends on frames."""

    uniform_frames: int = 16
    uniform_short_side_px: int = 720  # caps memory for 4K input; ample for CLIP (224) and faces
    motion_fps: float = 8.0
    motion_short_side_px: int = 256
    shot_threshold: float = 0.5
    min_shot_s: float = 0.4

    def key(self) -> str:
        """Short stable hash of the settings."""
        text = json.dumps({"v": SAMPLER_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class VideoPass:
    """Everything one decode pass produced for one video (small except `uniform_frames`)."""

    probe: VideoProbe
    uniform_frames: list[np.ndarray] = field(default_factory=list)  # RGB uint8
    uniform_times_s: list[float] = field(default_factory=list)
    flicker_mae: float | None = None
    flicker_pairs: int = 0
    motion_pair_magnitudes: list[float] = field(default_factory=list)
    motion_frames: int = 0
    motion_short_side_px: int | None = None
    motion_pair_top2_px: list[float] = field(default_factory=list)  # static filter, per pair
    motion_loop_top2_px: list[float] = field(default_factory=list)  # first→last, last→first
    motion_interval: int = 1  # native frames between the motion frames
    shot_boundaries_s: list[float] | None = None
    prepared: Any = None  # the embedder's preprocessed batch, made in the decode thread
    dense_frames: list[np.ndarray] = field(default_factory=list)  # every frame (product "dense")
    dense_times_s: list[float] = field(default_factory=list)
    sheet_jpeg: bytes | None = None  # the contact sheet of the uniform frames (JPEG)

    def summary(self) -> dict[str, Any]:
        """The frame-free part, for the pass cache (the frames are not copied on the way:
        `asdict` deep-copied 16 full frames per video to throw them away)."""
        frames = ("uniform_frames", "prepared", "dense_frames", "dense_times_s", "sheet_jpeg")
        data = {
            f.name: copy.deepcopy(getattr(self, f.name))
            for f in fields(self)
            if f.name not in frames
        }
        data["probe"] = self.probe.to_dict()
        return data

    @classmethod
    def from_summary(cls, data: dict[str, Any]) -> VideoPass:
        """Rebuild a frame-free pass from its cached summary."""
        fields = dict(data)
        fields["probe"] = VideoProbe(**fields["probe"])
        return cls(**fields)


def uniform_indices(frame_count: int, wanted: int) -> list[int]:
    """Indices of `wanted` frames spread evenly (segment centres) over `frame_count` frames."""
    if frame_count <= 0:
        return []
    if frame_count <= wanted:
        return list(range(frame_count))
    return sorted({int((k + 0.5) * frame_count / wanted) for k in range(wanted)})


def shrink(frame: np.ndarray, short_side_px: int) -> np.ndarray:
    """Downscale so the short side is at most `short_side_px` (keeps aspect)."""
    import cv2

    height, width = frame.shape[:2]
    scale = short_side_px / min(height, width)
    if scale >= 1.0:
        return frame
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def box_reduce(frame: np.ndarray, min_short_side_px: int) -> np.ndarray:
    """`frame` box-averaged by the largest whole factor that keeps its short side at least
    `min_short_side_px` (unchanged if that factor is 1). Rows and columns past a multiple of
    the factor (fewer than the factor) are dropped so OpenCV takes its whole-factor path:
    0.1 ms for 720p halved here, against 1.7 ms for Pillow's `reduce` and 3.4 ms for an
    area resize by a fractional factor."""
    import cv2

    height, width = frame.shape[:2]
    factor = min(height, width) // max(1, min_short_side_px)
    if factor < 2:
        return frame
    height, width = height - height % factor, width - width % factor
    return cv2.resize(
        frame[:height, :width], (width // factor, height // factor), interpolation=cv2.INTER_AREA
    )


class UniformPicker:
    """Keeps N evenly spaced frames: by index when the count is known, else by decimation."""

    def __init__(self, wanted: int, expected_frames: int, short_side_px: int):
        self.wanted = wanted
        self.short_side_px = short_side_px
        self.targets = set(uniform_indices(expected_frames, wanted)) if expected_frames else None
        self.stride = 1
        self.kept: list[tuple[int, float, np.ndarray]] = []

    def wants(self, index: int) -> bool:
        """Whether frame `index` will be kept (lets the sampler skip RGB conversion)."""
        if self.targets is not None:
            return index in self.targets
        return index % self.stride == 0

    def add(self, index: int, time_s: float, frame_rgb: np.ndarray) -> None:
        """Offer a frame that `wants` accepted."""
        # Copy so a kept frame never pins one of the decoder's pooled buffers.
        self.kept.append(
            (index, time_s, np.array(shrink(frame_rgb, self.short_side_px), copy=True))
        )
        if self.targets is None and len(self.kept) > 2 * self.wanted:
            # Unknown length: halve the density so memory stays at 2N frames.
            self.stride *= 2
            self.kept = [item for item in self.kept if item[0] % self.stride == 0]

    def result(self) -> tuple[list[float], list[np.ndarray]]:
        """The chosen frames' times and pixels."""
        chosen = self.kept
        if len(chosen) > self.wanted:
            chosen = [chosen[i] for i in uniform_indices(len(chosen), self.wanted)]
        return [t for _, t, _ in chosen], [f for _, _, f in chosen]


@dataclass
class _Consumers:
    """What one decode pass feeds each frame to, per the products asked for."""

    needs: set[str]
    picker: UniformPicker
    flicker: FlickerAccumulator | None
    motion: MotionAccumulator | None
    shots: ShotDetector | None
    every: int  # motion takes every `every`-th frame
    dense_frames: list[np.ndarray] = field(default_factory=list)
    dense_times_s: list[float] = field(default_factory=list)

    @classmethod
    def create(
        cls, needs: set[str], settings: SamplerSettings, fps: float | None, expected: int
    ) -> _Consumers:
        """The accumulators for `needs` (none for products nobody asked for)."""
        shots = "shots" in needs
        return cls(
            needs,
            UniformPicker(settings.uniform_frames, expected, settings.uniform_short_side_px),
            FlickerAccumulator() if "flicker" in needs else None,
            MotionAccumulator(settings.motion_short_side_px) if "motion" in needs else None,
            ShotDetector(settings.shot_threshold, settings.min_shot_s) if shots else None,
            motion_interval(fps, settings.motion_fps),
        )

    def feed(self, frame: av.VideoFrame, index: int, time_s: float) -> None:
        """Hand one decoded frame to every consumer that wants it (converted to RGB once)."""
        want_uniform = "uniform" in self.needs and self.picker.wants(index)
        want_motion = self.motion is not None and index % self.every == 0
        want_dense = "dense" in self.needs
        if not (self.flicker or self.shots or want_uniform or want_motion or want_dense):
            return
        rgb = frame.to_ndarray(format="rgb24")
        if self.flicker is not None:
            self.flicker.add(rgb)
        if self.shots is not None:
            self.shots.add(rgb, time_s)
        if want_motion and self.motion is not None:
            self.motion.add(rgb)
        if want_uniform:
            self.picker.add(index, time_s, rgb)
        if want_dense:
            self.dense_frames.append(np.array(shrink(rgb, DENSE_SHORT_SIDE_PX), copy=True))
            self.dense_times_s.append(time_s)

    def fill(self, result: VideoPass, prepare: Callable[[list[np.ndarray]], Any] | None) -> None:
        """Write every product into `result`."""
        if "uniform" in self.needs:
            result.uniform_times_s, result.uniform_frames = self.picker.result()
            if result.uniform_frames:  # here, in the decoding thread, not the scoring one
                result.sheet_jpeg = contact_sheet_jpeg(result.uniform_frames)
            if prepare is not None and result.uniform_frames:
                result.prepared = prepare(result.uniform_frames)
        if self.flicker is not None:
            result.flicker_mae, result.flicker_pairs = self.flicker.mean_mae(), self.flicker.pairs
        if self.motion is not None:
            result.motion_pair_magnitudes = self.motion.pair_magnitudes
            result.motion_frames = self.motion.frames
            result.motion_short_side_px = self.motion.frame_short_side_px
            result.motion_pair_top2_px = self.motion.pair_top2_px
            result.motion_loop_top2_px = self.motion.loop_top2_px()
            result.motion_interval = self.every
        if self.shots is not None:
            result.shot_boundaries_s = self.shots.boundaries_s


def decode_pass(
    path: Path | IO[bytes],
    needs: set[str],
    settings: SamplerSettings,
    prepare: Callable[[list[np.ndarray]], Any] | None = None,
) -> VideoPass:
    """Decode `path` (a file or an open binary file) once and compute the requested products
    (see PRODUCTS)."""
    with open_container(path) as container:
        video = container.streams.video[0]
        # One decoding thread: frame threading spent 20-40% more CPU for the same frames
        # (docs/performance.md), and the cores are already busy with the scorers and the
        # other video in flight; decoding runs ahead of scoring in its own thread anyway.
        video.thread_type = "NONE"
        audio = container.streams.audio[0] if container.streams.audio else None
        fps = stream_fps(video)
        timeline = TimelineTracker(fps)
        meter = AudioMeter()
        consumers = _Consumers.create(needs, settings, fps, expected_frame_count(video, container))
        width = height = None
        streams = [video] + ([audio] if audio is not None else [])
        for packet in container.demux(*streams):
            for frame in packet.decode():
                if isinstance(frame, av.AudioFrame):
                    meter.add(frame)
                elif isinstance(frame, av.VideoFrame):
                    index = timeline.frames
                    time_s = timeline.add(frame.time)
                    width, height = frame.width, frame.height
                    consumers.feed(frame, index, time_s)
        codec = video.codec_context.name
    if timeline.frames == 0:
        raise ValueError("no decodable video frames")
    probe = VideoProbe(
        decodable=True,
        width=width,
        height=height,
        fps=fps,
        duration_s=timeline.duration_s(),
        frame_count=timeline.frames,
        codec=codec,
        has_audio=audio is not None and meter.samples > 0,
        audio_rms_dbfs=meter.rms_dbfs() if audio is not None else None,
    )
    result = VideoPass(
        probe=probe, dense_frames=consumers.dense_frames, dense_times_s=consumers.dense_times_s
    )
    consumers.fill(result, prepare)
    return result


def contact_sheet(
    frames: list[np.ndarray], path: Path, count: int = 8, tile_width_px: int = 192
) -> None:
    """Write a JPEG grid of `count` evenly chosen frames (two rows) for the report."""
    if not frames:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, contact_sheet_jpeg(frames, count, tile_width_px))  # never via a link


def contact_sheet_jpeg(frames: list[np.ndarray], count: int = 8, tile_width_px: int = 192) -> bytes:
    """The contact sheet as JPEG bytes (a scoring worker returns these to the driver)."""
    import io

    from PIL import Image

    chosen = [frames[i] for i in uniform_indices(len(frames), count)]
    height, width = chosen[0].shape[:2]
    tile_height_px = max(1, round(tile_width_px * height / width))
    columns = min(len(chosen), (count + 1) // 2)
    rows = (len(chosen) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * tile_width_px, rows * tile_height_px))
    for i, frame in enumerate(chosen):
        tile = Image.fromarray(box_reduce(frame, 2 * tile_height_px)).resize(
            (tile_width_px, tile_height_px), Image.Resampling.BILINEAR
        )
        sheet.paste(tile, ((i % columns) * tile_width_px, (i // columns) * tile_height_px))
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
