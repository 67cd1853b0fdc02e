"""Protocol-true metrics on generated reference clips: flow accuracy, flicker's static filter,
whole-video subject consistency."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scorer_helpers import make_job, moving_square, write_video
from skimage import data

from bench.scorers.sampler import SamplerSettings, decode_pass
from bench.scorers.technical import FlickerOptions, FlickerScorer, MotionScorer
from bench.scorers.temporal import MotionAccumulator

SETTINGS = SamplerSettings(uniform_frames=8)
# A textured 1024-px scene; a 456x256 window slides over it (a camera pan).
SCENE = cv2.resize(data.astronaut(), (1024, 1024), interpolation=cv2.INTER_CUBIC)


def window(dx_px: int, dy_px: int = 0) -> np.ndarray:
    return np.ascontiguousarray(SCENE[300 + dy_px : 556 + dy_px, 100 + dx_px : 556 + dx_px])


@pytest.mark.parametrize("shift_px", [2, 4, 8, 16, 32, 48, 64, 96])
def test_flow_follows_translations_within_ten_percent(shift_px: int) -> None:
    for dx, dy in ((shift_px, 0), (0, shift_px)):
        motion = MotionAccumulator()
        motion.add(window(0))
        motion.add(window(dx, dy))
        truth = float(np.hypot(dx, dy))
        measured = motion.pair_magnitudes[0]
        assert abs(measured - truth) <= 0.10 * truth, (dx, dy, measured)


def test_motion_magnitude_of_a_fast_pan_is_not_understated(tmp_path: Path) -> None:
    frames = [window(24 * i) for i in range(4)]  # 24 px per native frame at 8 fps
    path = write_video(tmp_path / "pan.mp4", frames, fps=8)
    values = MotionScorer(SETTINGS).score(make_job("p"), decode_pass(path, {"motion"}, SETTINGS))
    assert values["dynamic_degree"] is True
    assert values["motion_magnitude"] == pytest.approx(24.0, rel=0.10)


def flicker_values(path: Path, protocol: str = "vbench") -> dict:
    video = decode_pass(path, {"flicker", "motion"}, SETTINGS)
    scorer = FlickerScorer(FlickerOptions(protocol=protocol))  # type: ignore[arg-type]
    return scorer.score(make_job("f"), video)


def test_a_clip_that_moves_without_flicker_is_not_penalised(tmp_path: Path) -> None:
    moving = write_video(tmp_path / "moving.mp4", moving_square(24, step_px=2))
    still = write_video(tmp_path / "still.mp4", moving_square(24, step_px=0))
    moving_values, still_values = flicker_values(moving), flicker_values(still)
    assert moving_values["flicker_static"] is False
    assert moving_values["flicker"] is None and "static clips only" in moving_values["flicker_note"]
    assert still_values["flicker_static"] is True and still_values["flicker"] > 0.99
    # The unfiltered formula penalises motion: that is why VBench filters first.
    assert moving_values["flicker_all_clips"] < still_values["flicker"]
    assert flicker_values(moving, "all_clips")["flicker"] == moving_values["flicker_all_clips"]


def test_flicker_on_static_clips_falls_as_brightness_noise_rises(tmp_path: Path) -> None:
    values = []
    for noise in (0.0, 6.0, 20.0):
        frames = moving_square(24, step_px=0, noise=noise, seed=1)
        values.append(flicker_values(write_video(tmp_path / f"n{noise}.mp4", frames)))
    assert all(v["flicker_static"] is True for v in values)
    assert values[0]["flicker"] > values[1]["flicker"] > values[2]["flicker"]
