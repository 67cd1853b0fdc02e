"""Every formula against a hand-computed value on small synthetic inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scorer_helpers import make_job

from vidbench.core.common.video import VideoProbe
from vidbench.core.scorers.consistency import (
    clip_numbers,
    per_shot_consistency,
    vbench_subject_consistency,
)
from vidbench.core.scorers.faces import identity_values
from vidbench.core.scorers.sampler import uniform_indices
from vidbench.core.scorers.technical import conformance_checks, expected_short_side_px, ratio_value
from vidbench.core.scorers.temporal import (
    FlickerAccumulator,
    dynamic_threshold_px,
    flicker_score,
    is_dynamic,
    motion_interval,
    required_moving_pairs,
    shot_index,
    top_flow_magnitude,
)


def test_flicker_on_constant_frames() -> None:
    frames = [np.full((4, 4, 3), value, np.uint8) for value in (10, 40, 40)]
    acc = FlickerAccumulator()
    for frame in frames:
        acc.add(frame)
    # pairs: |10-40| = 30 and 0 → mean 15 → (255-15)/255
    assert acc.pairs == 2
    assert acc.mean_mae() == pytest.approx(15.0)
    assert flicker_score([acc.mean_mae()]) == pytest.approx(240 / 255)
    assert flicker_score([0.0]) == 1.0


def test_flicker_counts_every_channel() -> None:
    a = np.zeros((2, 2, 3), np.uint8)
    b = a.copy()
    b[..., 0] = 90  # one channel of three changes by 90 → mean 30
    acc = FlickerAccumulator()
    acc.add(a)
    acc.add(b)
    assert acc.mean_mae() == pytest.approx(30.0)


def test_mean_abs_diff_equals_numpys_mean_of_absdiff_exactly() -> None:
    """OpenCV's L1 norm in place of numpy's mean: the same float, bit for bit, on 720p."""
    from vidbench.core.scorers.temporal import mean_abs_diff

    rng = np.random.default_rng(5)
    for _ in range(3):
        a = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
        b = a.copy()
        b[rng.random(a.shape) < 0.3] = rng.integers(0, 256)
        expected = float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
        assert mean_abs_diff(a, b) == expected


def test_subject_consistency_hand_vectors() -> None:
    f0, f1, f2 = np.array([1.0, 0.0]), np.array([1.0, 1.0]), np.array([0.0, 1.0])
    c = 1 / math.sqrt(2)
    # i=1: prev=c, first=c → c ; i=2: prev=c, first=0 → c/2
    expected = (c + c / 2) / 2
    assert vbench_subject_consistency(np.stack([f0, f1, f2])) == pytest.approx(expected)
    # negative cosines are clipped to 0
    assert vbench_subject_consistency(np.stack([f0, -f0])) == pytest.approx(0.0)
    assert vbench_subject_consistency(np.stack([f0])) is None


def test_subject_consistency_per_shot_ignores_the_cut() -> None:
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    embeddings = np.stack([a, a, a, b, b, b])
    times = [0.1, 0.3, 0.5, 1.1, 1.3, 1.5]
    whole = vbench_subject_consistency(embeddings)
    within, cross, shots = per_shot_consistency(embeddings, times, [1.0])
    assert shots == 2
    assert within == pytest.approx(1.0)
    assert cross == pytest.approx(0.0)
    assert whole is not None and whole < 0.8  # the cut counted as drift without shots
    # a shot of one frame contributes no pair, the other shot still counts
    within, cross, shots = per_shot_consistency(embeddings[:4], times[:4], [1.0])
    assert within == pytest.approx(1.0) and shots == 2


def test_cross_shot_similarity_hand_value() -> None:
    a, b = np.array([1.0, 0.0]), np.array([1.0, 1.0])
    _, cross, _ = per_shot_consistency(np.stack([a, a, b, b]), [0, 1, 2, 3], [1.5])
    assert cross == pytest.approx(1 / math.sqrt(2))


def test_shot_index_maps_times_to_shots() -> None:
    assert shot_index([0.0, 0.9, 1.0, 2.5], [1.0, 2.0]) == [0, 0, 1, 2]


def test_dynamic_degree_thresholds() -> None:
    assert dynamic_threshold_px(256, 24.0) == pytest.approx(6.0)
    assert dynamic_threshold_px(512, 24.0) == pytest.approx(12.0)
    assert dynamic_threshold_px(256, 4.0) == pytest.approx(12.0)  # factor max(1, 8/fps)
    assert required_moving_pairs(16) == 4
    assert required_moving_pairs(33) == 8
    assert required_moving_pairs(2) == 1
    assert (
        motion_interval(24.0, 8.0) == 3
        and motion_interval(30.0, 8.0) == 4
        and motion_interval(5.0, 8.0) == 1
    )
    # 16 frames → 4 pairs must exceed 6 px
    assert is_dynamic([7, 7, 7, 7, 1, 1], 6.0, 16)
    assert not is_dynamic([7, 7, 7, 6, 1, 1], 6.0, 16)  # equal to the threshold does not count


def test_top_flow_magnitude_takes_top_five_percent() -> None:
    flow = np.zeros((10, 10, 2), np.float32)
    flow.reshape(-1, 2)[:5] = (3.0, 4.0)  # 5 of 100 vectors with magnitude 5
    assert top_flow_magnitude(flow) == pytest.approx(5.0)
    flow.reshape(-1, 2)[:2] = (0.0, 10.0)
    assert top_flow_magnitude(flow) == pytest.approx((2 * 10 + 3 * 5) / 5)


def test_face_identity_shares_from_distances() -> None:
    distances = [0.2, 0.5, None, 0.7, 0.3, None, 0.9, 0.1]
    shots = [0, 0, 0, 0, 1, 1, 1, 1]
    values = identity_values(distances, shots)
    assert values["face_presence"] == pytest.approx(6 / 8)
    assert values["face_identity"] == pytest.approx(4 / 6)
    assert values["face_distance_mean"] == pytest.approx(np.mean([0.2, 0.5, 0.7, 0.3, 0.9, 0.1]))
    assert values["face_identity_min_shot"] == pytest.approx(2 / 3)  # both shots have 2 of 3
    none = identity_values([None, None])
    assert none["face_identity"] is None and none["face_presence"] == 0.0


def test_clip_numbers_from_given_embeddings() -> None:
    text = np.array([1.0, 0.0])
    images = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0], [3.0, 4.0]])
    cosines = [1.0, 0.0, -1 / math.sqrt(2), 0.6]
    cosine, score = clip_numbers(images, text)
    assert cosine == pytest.approx(np.mean(cosines))
    assert score == pytest.approx(np.mean([100.0, 0.0, 0.0, 60.0]))


def test_uniform_indices_are_segment_centres() -> None:
    assert uniform_indices(16, 4) == [2, 6, 10, 14]
    assert uniform_indices(3, 8) == [0, 1, 2]
    assert uniform_indices(0, 8) == []


def test_conformance_checks() -> None:
    job = make_job("c", duration_sent_s=5, ratio="16:9", resolution="720p", audio=True)
    good = VideoProbe(
        decodable=True,
        width=1280,
        height=720,
        fps=24.0,
        duration_s=5.04,
        has_audio=True,
        audio_rms_dbfs=-20.0,
    )
    values = conformance_checks(job, good)
    assert values["conformance"] is True
    assert (
        values["resolution_ok"]
        and values["ratio_ok"]
        and values["duration_ok"]
        and values["audio_ok"]
    )
    silent = VideoProbe(
        decodable=True,
        width=1280,
        height=720,
        fps=24.0,
        duration_s=5.0,
        has_audio=True,
        audio_rms_dbfs=-120.0,
    )
    assert conformance_checks(job, silent)["audio_ok"] is False
    assert conformance_checks(job, silent)["conformance"] is False
    small = VideoProbe(
        decodable=True,
        width=854,
        height=480,
        fps=24.0,
        duration_s=5.0,
        has_audio=True,
        audio_rms_dbfs=-20.0,
    )
    assert conformance_checks(job, small)["resolution_ok"] is False
    short = VideoProbe(
        decodable=True,
        width=1280,
        height=720,
        fps=24.0,
        duration_s=4.4,
        has_audio=True,
        audio_rms_dbfs=-20.0,
    )
    assert conformance_checks(job, short)["duration_ok"] is False
    slow = VideoProbe(
        decodable=True,
        width=720,
        height=1280,
        fps=15.0,
        duration_s=5.0,
        has_audio=True,
        audio_rms_dbfs=-20.0,
    )
    checks = conformance_checks(job, slow)
    assert (
        checks["fps_ok"] is False
        and checks["ratio_ok"] is False
        and checks["resolution_ok"] is True
    )
    adaptive = make_job("a", ratio="adaptive", resolution=None, audio=False, duration_sent_s=5)
    checks = conformance_checks(adaptive, slow)
    assert (
        checks["ratio_ok"] is None
        and checks["resolution_ok"] is None
        and checks["audio_ok"] is None
    )
    assert expected_short_side_px("1080p") == 1080 and expected_short_side_px("4K") == 2160
    assert ratio_value("9:16") == pytest.approx(9 / 16) and ratio_value("adaptive") is None
