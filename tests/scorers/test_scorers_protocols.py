"""Protocol-true metrics on generated reference clips: flow accuracy, flicker's static filter,
whole-video subject consistency."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scorer_helpers import make_job, moving_square, write_video
from skimage import data

from vidbench.core.scorers.sampler import SamplerSettings, decode_pass
from vidbench.core.scorers.technical import FlickerOptions, FlickerScorer, MotionScorer
from vidbench.core.scorers.temporal import MotionAccumulator

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


def colour_histograms(frames: list[np.ndarray]) -> np.ndarray:
    """A transparent stand-in for an image embedder: 8x8x8 RGB histograms (what is in the
    picture, not where), so a close-up of the same subject stays close and another subject
    does not."""
    return np.stack(
        [
            cv2.calcHist([f], [0, 1, 2], None, [8, 8, 8], [0, 256, 0, 256, 0, 256]).ravel()
            for f in frames
        ]
    )


def shot(image: np.ndarray, count: int, drift_px: int = 2) -> list[np.ndarray]:
    """`count` frames of a slow pan over `image` (a 160x160 window)."""
    return [
        np.ascontiguousarray(
            cv2.resize(image[20 + drift_px * i :, 40 + drift_px * i :][:300, :300], (160, 160))
        )
        for i in range(count)
    ]


def test_a_cut_with_a_subject_swap_lowers_the_headline_consistency(tmp_path: Path) -> None:
    from vidbench.core.config.settings import ClipSettings
    from vidbench.core.scorers.embedders import ClipEmbedder
    from vidbench.core.scorers.subject import SubjectConsistencyScorer

    settings = SamplerSettings(uniform_frames=16)
    astronaut, cat = data.astronaut(), data.chelsea()
    closeup = cv2.resize(astronaut[0:220, 140:360], (512, 512))  # shot 2: her face, close
    same_path = write_video(tmp_path / "same.mp4", shot(astronaut, 12) + shot(closeup, 12))
    swap_path = write_video(tmp_path / "swap.mp4", shot(astronaut, 12) + shot(cat, 12))
    scorer = SubjectConsistencyScorer(ClipEmbedder(ClipSettings.model_validate({})), 16)
    values = {}
    for name, path in (("same", same_path), ("swap", swap_path)):
        video = decode_pass(path, {"uniform", "shots"}, settings)
        assert len(video.shot_boundaries_s or []) == 1, name  # one cut in both
        values[name] = scorer.score(make_job(name), video, colour_histograms(video.uniform_frames))
    same, swap = values["same"], values["swap"]
    # Within shots both look perfectly consistent: the per-shot number hides the swap ...
    assert swap["subject_consistency_within_shots"] > 0.9
    assert (
        abs(swap["subject_consistency_within_shots"] - same["subject_consistency_within_shots"])
        < 0.05
    )
    # ... the whole-video headline does not: it drops well below the per-shot number, and
    # below a cut to a close-up of the same subject.
    assert swap["subject_consistency"] < swap["subject_consistency_within_shots"] - 0.2
    assert swap["subject_consistency"] < same["subject_consistency"] - 0.05
    assert swap["cross_shot_similarity"] < same["cross_shot_similarity"]
