"""Streamed per-frame reductions for the temporal scorers: flicker, motion and shot boundaries.

Each accumulator sees frames one at a time from the sampler's single decode pass and keeps
O(1) frames, so memory does not grow with video length.
"""

from __future__ import annotations

import functools
import threading

import cv2
import numpy as np

# VBench dynamic degree: flow threshold in px at a 256-px short side, and 4 moving pairs per 16.
DYNAMIC_THRESHOLD_PX_AT_256 = 6.0
DYNAMIC_COUNT_PER_16 = 4
# Share of the largest flow magnitudes VBench averages per frame pair.
TOP_FLOW_SHARE = 0.05
MOTION_REFERENCE_SIDE_PX = 256


def flicker_score(mean_abs_diffs: list[float] | np.ndarray) -> float:
    """VBench temporal flickering: (255 - mean over pairs of per-pixel MAE) / 255."""
    diffs = np.asarray(mean_abs_diffs, dtype=np.float64)
    if diffs.size == 0:
        return float("nan")
    return float((255.0 - diffs.mean()) / 255.0)


def mean_abs_diff(frame_a: np.ndarray, frame_b: np.ndarray) -> float:
    """Mean absolute difference over all pixels and channels of two uint8 frames.

    OpenCV's L1 norm sums the differences exactly (integers in a double), as numpy's mean of
    `absdiff` did, in a sixteenth of the time on 720p (no temporary frame, no float pass).
    """
    return float(cv2.norm(frame_a, frame_b, cv2.NORM_L1)) / frame_a.size


class FlickerAccumulator:
    """Mean absolute difference of consecutive native frames (VBench temporal flickering)."""

    def __init__(self) -> None:
        self.previous: np.ndarray | None = None
        self.sum_mae = 0.0
        self.pairs = 0

    def add(self, frame_rgb: np.ndarray) -> None:
        """Feed the next native RGB frame."""
        if self.previous is not None and self.previous.shape == frame_rgb.shape:
            self.sum_mae += mean_abs_diff(self.previous, frame_rgb)
            self.pairs += 1
        self.previous = frame_rgb

    def mean_mae(self) -> float | None:
        """Mean MAE over all consecutive pairs (None for a single frame)."""
        return self.sum_mae / self.pairs if self.pairs else None


def dynamic_threshold_px(short_side_px: int, native_fps: float | None) -> float:
    """VBench threshold: 6 px at a 256-px short side, scaled by size and by max(1, 8/fps)."""
    factor = max(1.0, 8.0 / native_fps) if native_fps else 1.0
    return factor * DYNAMIC_THRESHOLD_PX_AT_256 * short_side_px / MOTION_REFERENCE_SIDE_PX


def required_moving_pairs(sampled_frames: int) -> int:
    """VBench count rule: round(4 * frames / 16) pairs must exceed the threshold (at least 1)."""
    return max(1, round(DYNAMIC_COUNT_PER_16 * sampled_frames / 16.0))


def is_dynamic(pair_magnitudes: list[float], threshold_px: float, sampled_frames: int) -> bool:
    """VBench dynamic degree decision for one video."""
    moving = sum(1 for value in pair_magnitudes if value > threshold_px)
    return moving >= required_moving_pairs(sampled_frames)


def motion_interval(native_fps: float | None, target_fps: float) -> int:
    """Keep every n-th native frame to get about `target_fps` (VBench: max(1, round(fps/8)))."""
    if not native_fps:
        return 1
    return max(1, round(native_fps / target_fps))


# VBench static filter (vbench/cli/static_filter.py, `check_static`): per frame pair the mean of
# the top 2% flow magnitudes; a pair moves above 3 px x min(H, W)/256; with N native frames,
# more than round(2 N / 16) moving pairs, or a first↔last flow above twice that many
# thresholds, and the clip is not static.
STATIC_TOP_SHARE = 0.02
STATIC_THRESHOLD_PX_AT_256 = 3.0
STATIC_COUNT_PER_16 = 2
FB_TOLERANCE_PX = 1.0  # forward–backward consistency: 1 px plus 5% of the flow
# A dominant shift (phase correlation) beyond this starts a second DIS pass from it: DIS's own
# pyramid loses fine texture at its coarse levels and reads 16–30 px for a 96-px pan there.
LARGE_SHIFT_PX = 12.0
MIN_PHASE_RESPONSE = 0.05  # weaker peaks are no dominant motion (noise, several motions)
WARP_ERROR_WINDOW_PX = 9  # per pixel, the pass whose warped frame matches better here wins
# Texture a flow can be measured on: the structure tensor's smaller eigenvalue (OpenCV's
# cornerMinEigenVal, 7-px blocks on 8-bit grey). A rendered clear sky reads ~0, sim grass
# 5e-5, natural photos 1e-5..1e-2, fine noise 1e-2.
TEXTURE_BLOCK_PX = 7
TEXTURE_MIN_EIGEN = 1e-5


_THREAD_DIS = threading.local()  # one DIS object per thread: it keeps its buffers


def _dis(frame_a: np.ndarray, frame_b: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """OpenCV DIS flow (medium preset) from a to b, started from `start` (zeros if None).

    The thread's DIS object is reused: the same flow as a new one (tested), ~30% less CPU
    (a new object allocates its pyramid buffers on its first call)."""
    dis = getattr(_THREAD_DIS, "dis", None)
    if dis is None:
        dis = _THREAD_DIS.dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    init = np.zeros((*frame_a.shape[:2], 2), np.float32) if start is None else start.copy()
    return np.asarray(dis.calc(frame_a, frame_b, init))


@functools.lru_cache(maxsize=8)
def _hanning_window(width: int, height: int) -> np.ndarray:
    """OpenCV's Hanning window for phase correlation, made once per frame size (read only)."""
    window = cv2.createHanningWindow((width, height), cv2.CV_32F)
    window.setflags(write=False)
    return window


def dominant_shift(frame_a: np.ndarray, frame_b: np.ndarray) -> tuple[float, float] | None:
    """The frame-wide translation a→b (phase correlation) when it is large and clear, else None."""
    a, b = frame_a.astype(np.float32), frame_b.astype(np.float32)
    (dx, dy), response = cv2.phaseCorrelate(a, b, _hanning_window(a.shape[1], a.shape[0]))
    if response < MIN_PHASE_RESPONSE or float(np.hypot(dx, dy)) < LARGE_SHIFT_PX:
        return None
    return float(dx), float(dy)


def _pixel_grid(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    height, width = shape[:2]
    xs = np.broadcast_to(np.arange(width, dtype=np.float32)[None, :], (height, width))
    ys = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None], (height, width))
    return xs, ys


def warp(image: np.ndarray, flow: np.ndarray, border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """`image` sampled at x + flow(x) (bilinear); outside the frame per `border`."""
    xs, ys = _pixel_grid(flow.shape)
    map_x = np.ascontiguousarray(xs + flow[..., 0], dtype=np.float32)
    map_y = np.ascontiguousarray(ys + flow[..., 1], dtype=np.float32)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=border, borderValue=1e4)


def _warp_error(frame_a: np.ndarray, frame_b: np.ndarray, flow: np.ndarray) -> np.ndarray:
    residual = cv2.absdiff(frame_a.astype(np.float32), warp(frame_b.astype(np.float32), flow))
    return cv2.boxFilter(residual, -1, (WARP_ERROR_WINDOW_PX, WARP_ERROR_WINDOW_PX))


def pair_flow(
    frame_a: np.ndarray, frame_b: np.ndarray, shift: tuple[float, float] | None
) -> np.ndarray:
    """DIS flow a→b; with a large dominant `shift`, also DIS started from it, and per pixel
    the result whose warped b matches a better (a coarse-to-fine start for big pans that
    leaves pixels moving otherwise, such as a still background, to the plain pass)."""
    plain = _dis(frame_a, frame_b, None)
    if shift is None:
        return plain
    start = np.empty_like(plain)
    start[..., 0], start[..., 1] = shift
    shifted = _dis(frame_a, frame_b, start)
    better = _warp_error(frame_a, frame_b, shifted) < _warp_error(frame_a, frame_b, plain)
    return np.where(better[..., None], shifted, plain)


def _consistent(flow: np.ndarray, reverse: np.ndarray) -> np.ndarray:
    """Pixels whose flow the reverse flow undoes (1 px plus 5% of the flow), as 0/1."""
    back = warp(reverse, flow, cv2.BORDER_CONSTANT)
    error = np.hypot(flow[..., 0] + back[..., 0], flow[..., 1] + back[..., 1])
    magnitude = np.hypot(flow[..., 0], flow[..., 1])
    return (error < FB_TOLERANCE_PX + 0.05 * magnitude).astype(np.float32)


def dense_flows(frame_a: np.ndarray, frame_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flow a→b and flow b→a, each with its consistency channel (H, W, 3: dx, dy, 0/1).

    OpenCV DIS flow (medium preset), with a second pass from the dominant shift for large
    pans (see `pair_flow`): 2–128 px translations at a 256-px short side, fine texture
    included. The forward–backward check drops pixels that leave the frame or are occluded,
    whose extrapolated flow would inflate the top-k statistics.
    """
    a, b = np.ascontiguousarray(frame_a), np.ascontiguousarray(frame_b)
    shift = dominant_shift(a, b)
    forward = pair_flow(a, b, shift)
    backward = pair_flow(b, a, None if shift is None else (-shift[0], -shift[1]))
    return (
        np.dstack([forward, _consistent(forward, backward)]),
        np.dstack([backward, _consistent(backward, forward)]),
    )


def textured(frame: np.ndarray) -> np.ndarray:
    """Where a flow can be measured on `frame`: the structure tensor's smaller eigenvalue
    above TEXTURE_MIN_EIGEN (bool, H x W)."""
    texture = cv2.cornerMinEigenVal(np.ascontiguousarray(frame), TEXTURE_BLOCK_PX, ksize=3)
    return np.asarray(texture > TEXTURE_MIN_EIGEN)


def reliable_flow(
    flow: np.ndarray, frame: np.ndarray, texture: np.ndarray | None = None
) -> np.ndarray:
    """The flow (H, W, 2) where it is measured, consistent pixels with texture around them,
    and elsewhere the median measured flow (0 when under 1% is measured). In a flat region
    (a clear sky) DIS's flow is arbitrary; chained over a clip it adds up to a pan that is not
    there, where VBench's RAFT reads a smooth, still field. `texture` is `textured(frame)`
    when the caller has it (each motion frame is the first of one pair, the second of the
    next). Per channel, so no (N, 3) copy is made: the same values as one median over both."""
    keep = (textured(frame) if texture is None else texture) & (flow[..., 2] > 0.5)
    out = np.empty((*flow.shape[:2], 2), np.float32)
    measured = keep.mean() >= 0.01
    for channel in (0, 1):
        values = flow[..., channel]
        fill = np.median(values[keep]) if measured else 0.0
        out[..., channel] = np.where(keep, values, np.float32(fill))
    return out


def dense_flow(frame_a: np.ndarray, frame_b: np.ndarray) -> np.ndarray:
    """Flow from a to b with its occlusion mask: (H, W, 3) = (dx, dy, consistent 0/1)."""
    return dense_flows(frame_a, frame_b)[0]


def chain_forward(track: np.ndarray | None, step: np.ndarray) -> np.ndarray:
    """Flow first→k (on the first frame's grid) extended by the step k→k+1: each pixel's
    track moves on by the step's flow where it has got to (leaving the frame: the border's)."""
    if track is None:
        return step[..., :2].copy()
    return track + warp(np.ascontiguousarray(step[..., :2]), track)


def chain_backward(track: np.ndarray | None, step_back: np.ndarray) -> np.ndarray:
    """Flow k→first (on frame k's grid) extended to frame k+1 by the step k+1→k."""
    if track is None:
        return step_back.copy()
    return step_back + warp(track, step_back)


def top_flow_magnitude(flow: np.ndarray, share: float = TOP_FLOW_SHARE) -> float:
    """VBench's per-pair statistic: mean of the largest `share` of flow magnitudes.

    With a consistency channel (see `dense_flow`) only consistent pixels count, unless
    fewer than 1% are.
    """
    magnitude = np.sqrt(np.square(flow[..., 0]) + np.square(flow[..., 1]))
    if flow.shape[-1] > 2:
        keep = flow[..., 2] > 0.5
        if keep.mean() >= 0.01:
            magnitude = magnitude[keep]
    magnitude = magnitude.ravel()
    count = max(1, int(magnitude.size * share))
    top = np.partition(magnitude, magnitude.size - count)[magnitude.size - count :]
    return float(top.mean())


def is_static(
    pair_top2_px: list[float],
    loop_top2_px: list[float],
    short_side_px: int,
    native_frames_per_pair: int,
    native_frames: int,
    motion_frames: int,
) -> bool:
    """VBench's `check_static`, its thresholds at the clip's size and frame count, on ~8 fps pairs.

    VBench takes every native pair (N - 1 of them) plus first→last and last→first, a
    threshold of 3 px x min(H, W)/256 and round(2 N / 16) moving pairs allowed. A pair here
    spans `native_frames_per_pair` native frames: its flow is that many native pairs' flow,
    so it moves when it exceeds that many thresholds, and counts for that many pairs. The
    loop values span the first to the last motion frame and are scaled to N - 1 frames.
    """
    threshold = STATIC_THRESHOLD_PX_AT_256 * short_side_px / MOTION_REFERENCE_SIDE_PX
    allowed = round(STATIC_COUNT_PER_16 * native_frames / 16.0)
    step = max(1, native_frames_per_pair)
    moving = step * sum(value > threshold * step for value in pair_top2_px)
    if moving > allowed:
        return False
    span = (motion_frames - 1) * step
    scale = (native_frames - 1) / span if span > 0 and native_frames > 1 else 1.0
    return all(value * scale <= threshold * allowed * 2 for value in loop_top2_px)


class MotionAccumulator:
    """DIS dense flow on small grayscale frames at ~8 fps; keeps the previous frame and the
    first↔current flow chained from the pairs (VBench's loop pairs, without a long jump)."""

    def __init__(self, short_side_px: int = MOTION_REFERENCE_SIDE_PX):
        self.short_side_px = short_side_px
        self.previous: np.ndarray | None = None
        self.pair_magnitudes: list[float] = []
        self.pair_top2_px: list[float] = []
        self.frames = 0
        self.frame_short_side_px: int | None = None
        self.track_forward: np.ndarray | None = None  # first → current, on the first's grid
        self.track_backward: np.ndarray | None = None  # current → first, on the current's grid
        self.previous_texture: np.ndarray | None = None  # textured(previous), once computed

    def small_gray(self, frame_rgb: np.ndarray) -> np.ndarray:
        """Grayscale, downscaled so the short side is at most `short_side_px`."""
        gray = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY)
        height, width = gray.shape
        scale = self.short_side_px / min(height, width)
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        return gray

    def add(self, frame_rgb: np.ndarray) -> None:
        """Feed the next ~8 fps frame."""
        gray = self.small_gray(frame_rgb)
        self.frame_short_side_px = min(gray.shape)
        self.frames += 1
        texture = None
        if self.previous is not None and self.previous.shape == gray.shape:
            flow, backward = dense_flows(self.previous, gray)
            self.pair_magnitudes.append(top_flow_magnitude(flow))
            previous_texture = self.previous_texture
            if previous_texture is None:
                previous_texture = textured(self.previous)
            measured = reliable_flow(flow, self.previous, previous_texture)
            self.pair_top2_px.append(top_flow_magnitude(measured, STATIC_TOP_SHARE))
            self.track_forward = chain_forward(self.track_forward, measured)
            texture = textured(gray)
            reverse = reliable_flow(backward, gray, texture)
            self.track_backward = chain_backward(self.track_backward, reverse)
        self.previous, self.previous_texture = gray, texture

    def loop_top2_px(self) -> list[float]:
        """VBench's two extra static-filter pairs, first→last and last→first, as the top-2%
        magnitude of the pairs' flow chained along each pixel's track (over all pixels, as
        VBench): a direct first→last flow misreads a long pan on fine texture (15 px for 196)."""
        if self.track_forward is None or self.track_backward is None:
            return []
        return [
            top_flow_magnitude(self.track_forward, STATIC_TOP_SHARE),
            top_flow_magnitude(self.track_backward, STATIC_TOP_SHARE),
        ]


THUMBNAIL_SIZE_PX = (32, 18)  # (width, height): averages away pixel noise, keeps the layout


def frame_signature(frame_rgb: np.ndarray) -> np.ndarray:
    """A 32x18 colour thumbnail, mean-removed and unit-normalised (shot-change signature).

    Removing the mean and scaling to unit length makes it blind to global brightness and
    contrast changes (lighting, flicker); area downscaling averages away pixel noise.
    """
    thumb = (
        cv2.resize(frame_rgb, THUMBNAIL_SIZE_PX, interpolation=cv2.INTER_AREA)
        .astype(np.float64)
        .ravel()
    )
    thumb -= thumb.mean()
    norm = float(np.linalg.norm(thumb))
    return thumb / norm if norm > 0 else thumb


def signature_distance(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """1 - correlation of two signatures (0 same layout, 1 unrelated, up to 2 inverted)."""
    return 1.0 - float(sig_a @ sig_b)


class ShotDetector:
    """Hard cuts where consecutive frames' thumbnails decorrelate, with a minimum shot length."""

    def __init__(self, threshold: float = 0.5, min_shot_s: float = 0.4):
        self.threshold = threshold
        self.min_shot_s = min_shot_s
        self.previous: np.ndarray | None = None
        self.boundaries_s: list[float] = []
        self.last_cut_s = 0.0
        self.first_time_s: float | None = None

    def add(self, frame_rgb: np.ndarray, time_s: float) -> None:
        """Feed the next native frame with its presentation time."""
        signature = frame_signature(frame_rgb)
        if self.first_time_s is None:
            self.first_time_s = self.last_cut_s = time_s
        elif self.previous is not None:
            changed = signature_distance(self.previous, signature) > self.threshold
            if changed and time_s - self.last_cut_s >= self.min_shot_s:
                self.boundaries_s.append(round(time_s, 4))
                self.last_cut_s = time_s
        self.previous = signature


def shot_index(times_s: list[float], boundaries_s: list[float]) -> list[int]:
    """Shot number (0-based) of each sampled frame time, given cut times."""
    cuts = np.asarray(sorted(boundaries_s), dtype=np.float64)
    return [int(np.searchsorted(cuts, t, side="right")) for t in times_s]
