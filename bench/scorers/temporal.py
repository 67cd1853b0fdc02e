"""Streamed per-frame reductions for the temporal scorers: flicker, motion and shot boundaries.

Each accumulator sees frames one at a time from the sampler's single decode pass and keeps
O(1) frames, so memory does not grow with video length.
"""

from __future__ import annotations

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


# VBench static filter (static_filter.py): per pair the mean of the top 2% flow magnitudes;
# a pair moves above 3 px at a 256-px short side; round(2 * frames / 16) moving pairs allowed.
STATIC_TOP_SHARE = 0.02
STATIC_THRESHOLD_PX_AT_256 = 3.0
STATIC_COUNT_PER_16 = 2
FB_TOLERANCE_PX = 1.0  # forward–backward consistency: 1 px plus 5% of the flow


def dense_flow(frame_a: np.ndarray, frame_b: np.ndarray) -> np.ndarray:
    """Flow from a to b with its occlusion mask: (H, W, 3) = (dx, dy, consistent 0/1).

    OpenCV's DIS flow (medium preset) follows 2–96 px translations at a 256-px short side
    (Farnebäck saturates past ~32 px); the forward–backward check drops pixels that leave
    the frame or are occluded, whose extrapolated flow would inflate the top-k statistics.
    """
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    a, b = np.ascontiguousarray(frame_a), np.ascontiguousarray(frame_b)
    empty = np.zeros((*a.shape[:2], 2), np.float32)
    forward = np.asarray(dis.calc(a, b, empty.copy()))
    backward = np.asarray(dis.calc(b, a, empty.copy()))
    height, width = a.shape[:2]
    map_x = (np.arange(width, dtype=np.float32)[None, :] + forward[..., 0]).astype(np.float32)
    map_y = (np.arange(height, dtype=np.float32)[:, None] + forward[..., 1]).astype(np.float32)
    back = cv2.remap(
        backward, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=1e4
    )
    error = np.hypot(forward[..., 0] + back[..., 0], forward[..., 1] + back[..., 1])
    magnitude = np.hypot(forward[..., 0], forward[..., 1])
    consistent = error < FB_TOLERANCE_PX + 0.05 * magnitude
    return np.dstack([forward, consistent.astype(np.float32)])


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
    sampled_frames: int,
) -> bool:
    """VBench's static filter on ~8 fps pairs (thresholds scaled by the native frames per pair).

    VBench runs it on every native frame pair plus first→last and last→first; here a pair
    spans `native_frames_per_pair` native frames, so its threshold is that many times larger.
    """
    threshold = STATIC_THRESHOLD_PX_AT_256 * short_side_px / MOTION_REFERENCE_SIDE_PX
    allowed = round(STATIC_COUNT_PER_16 * sampled_frames / 16.0)
    moving = sum(value > threshold * native_frames_per_pair for value in pair_top2_px)
    if moving > allowed:
        return False
    return all(value <= threshold * allowed * 2 for value in loop_top2_px)


class MotionAccumulator:
    """DIS dense flow on small grayscale frames at ~8 fps; keeps the first and previous frame."""

    def __init__(self, short_side_px: int = MOTION_REFERENCE_SIDE_PX):
        self.short_side_px = short_side_px
        self.first: np.ndarray | None = None
        self.previous: np.ndarray | None = None
        self.pair_magnitudes: list[float] = []
        self.pair_top2_px: list[float] = []
        self.frames = 0
        self.frame_short_side_px: int | None = None

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
        if self.first is None:
            self.first = gray
        if self.previous is not None and self.previous.shape == gray.shape:
            flow = dense_flow(self.previous, gray)
            self.pair_magnitudes.append(top_flow_magnitude(flow))
            self.pair_top2_px.append(top_flow_magnitude(flow, STATIC_TOP_SHARE))
        self.previous = gray

    def loop_top2_px(self) -> list[float]:
        """VBench's two extra static-filter pairs: first→last and last→first."""
        first, last = self.first, self.previous
        if first is None or last is None or self.frames < 2 or first.shape != last.shape:
            return []
        return [
            top_flow_magnitude(dense_flow(first, last), STATIC_TOP_SHARE),
            top_flow_magnitude(dense_flow(last, first), STATIC_TOP_SHARE),
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
