"""The motion reduction's shortcuts (texture once per frame, per-channel medians, one Hanning
window per size) give exactly the values of the plain computation."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scorer_helpers import moving_square

from vidbench.core.scorers import temporal


def reliable_flow_plain(flow: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """The formula as it was written first: one (N, 2) median, then a masked assignment."""
    texture = cv2.cornerMinEigenVal(np.ascontiguousarray(frame), 7, ksize=3)
    keep = (texture > temporal.TEXTURE_MIN_EIGEN) & (flow[..., 2] > 0.5)
    out = np.empty((*flow.shape[:2], 2), np.float32)
    fill = np.median(flow[keep][:, :2], axis=0) if keep.mean() >= 0.01 else np.zeros(2)
    out[...] = fill
    out[keep] = flow[keep][:, :2]
    return out


@pytest.mark.parametrize("consistent_share", [0.0, 0.005, 0.3, 1.0])
def test_reliable_flow_equals_the_plain_formula(consistent_share: float) -> None:
    rng = np.random.default_rng(7)
    frame = rng.integers(0, 255, (48, 80), dtype=np.uint8)
    frame[:, :30] = 128  # a flat region: no texture there
    flow = rng.normal(0, 4, (48, 80, 3)).astype(np.float32)
    flow[..., 2] = rng.random((48, 80)) < consistent_share
    expected = reliable_flow_plain(flow, frame)
    assert np.array_equal(temporal.reliable_flow(flow, frame), expected)
    texture = temporal.textured(frame)
    assert np.array_equal(temporal.reliable_flow(flow, frame, texture), expected)


def test_motion_accumulator_equals_the_pairs_computed_one_by_one() -> None:
    rng = np.random.default_rng(3)
    frames = [
        np.clip(f.astype(np.int16) + rng.integers(-20, 20, f.shape), 0, 255).astype(np.uint8)
        for f in moving_square(10, width=160, height=96, step_px=5)
    ]
    accumulator = temporal.MotionAccumulator(64)
    for frame in frames:
        accumulator.add(frame)
    grays = [accumulator.small_gray(frame) for frame in frames]
    magnitudes, top2 = [], []
    track_forward = track_backward = None
    for a, b in zip(grays, grays[1:], strict=False):
        flow, backward = temporal.dense_flows(a, b)
        magnitudes.append(temporal.top_flow_magnitude(flow))
        measured = reliable_flow_plain(flow, a)
        top2.append(temporal.top_flow_magnitude(measured, temporal.STATIC_TOP_SHARE))
        track_forward = temporal.chain_forward(track_forward, measured)
        track_backward = temporal.chain_backward(track_backward, reliable_flow_plain(backward, b))
    assert accumulator.pair_magnitudes == magnitudes
    assert accumulator.pair_top2_px == top2
    assert track_forward is not None and track_backward is not None
    assert accumulator.loop_top2_px() == [
        temporal.top_flow_magnitude(track_forward, temporal.STATIC_TOP_SHARE),
        temporal.top_flow_magnitude(track_backward, temporal.STATIC_TOP_SHARE),
    ]


def test_the_shared_hanning_window_gives_the_fresh_windows_shift() -> None:
    rng = np.random.default_rng(5)
    base = cv2.GaussianBlur(rng.integers(0, 255, (120, 200), dtype=np.uint8), (0, 0), 2)
    moved = np.roll(base, (3, 20), axis=(0, 1))
    fresh = cv2.createHanningWindow((200, 120), cv2.CV_32F)
    expected = cv2.phaseCorrelate(base.astype(np.float32), moved.astype(np.float32), fresh)
    shift = temporal.dominant_shift(base, moved)
    assert shift is not None and shift == pytest.approx(expected[0], abs=0)
    assert temporal.dominant_shift(base, moved) == shift  # the cached window is unchanged


def test_the_threads_reused_dis_gives_a_fresh_objects_flow() -> None:
    rng = np.random.default_rng(11)
    base = cv2.GaussianBlur(rng.integers(0, 255, (144, 256), dtype=np.uint8), (5, 5), 2)
    pairs = [(base, np.roll(base, shift, axis=1)) for shift in (1, 4, 9)]
    pairs.append((cv2.resize(base, (120, 72)), cv2.resize(np.roll(base, 3, axis=0), (120, 72))))
    for frame_a, frame_b in pairs:  # sizes change between calls too
        for start_px in (None, 4.0):
            start = None
            if start_px is not None:
                start = np.zeros((*frame_a.shape, 2), np.float32)
                start[..., 0] = start_px
            fresh = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
            init = np.zeros((*frame_a.shape, 2), np.float32) if start is None else start.copy()
            expected = fresh.calc(frame_a, frame_b, init)
            assert np.array_equal(temporal._dis(frame_a, frame_b, start), expected)
    kept = temporal._THREAD_DIS.dis  # the thread's object, kept for the next call
    temporal._dis(*pairs[0], None)
    assert temporal._THREAD_DIS.dis is kept
