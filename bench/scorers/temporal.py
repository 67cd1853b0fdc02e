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
    """Mean absolute difference over all pixels and channels of two uint8 frames."""
    return float(cv2.absdiff(frame_a, frame_b).mean())


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


def top_flow_magnitude(flow: np.ndarray, share: float = TOP_FLOW_SHARE) -> float:
    """VBench's per-pair statistic: mean of the largest `share` of flow magnitudes."""
    magnitude = np.sqrt(np.square(flow[..., 0]) + np.square(flow[..., 1])).ravel()
    count = max(1, int(magnitude.size * share))
    top = np.partition(magnitude, magnitude.size - count)[magnitude.size - count :]
    return float(top.mean())


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


class MotionAccumulator:
    """Farnebäck dense flow on small grayscale frames at ~8 fps; keeps one previous frame."""

    def __init__(self, short_side_px: int = MOTION_REFERENCE_SIDE_PX):
        self.short_side_px = short_side_px
        self.previous: np.ndarray | None = None
        self.pair_magnitudes: list[float] = []
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
        if self.previous is not None and self.previous.shape == gray.shape:
            flow = cv2.calcOpticalFlowFarneback(self.previous, gray, None, 0.5, 3, 15, 3, 5, 1.2, 0)  # type: ignore[call-overload]
            self.pair_magnitudes.append(top_flow_magnitude(flow))
        self.previous = gray


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
