"""Each metric moves the right way on real encoded videos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from scorer_helpers import make_job, moving_square, write_video
from skimage import data

from vidbench.core.scorers.faces import FaceIdentityScorer
from vidbench.core.scorers.sampler import SamplerSettings, decode_pass
from vidbench.core.scorers.technical import FlickerScorer, MotionScorer, ShotsScorer

MESSI = Path("/usr/share/doc/opencv-doc/examples/data/messi5.jpg")
SETTINGS = SamplerSettings(uniform_frames=8)


def scored(path: Path, scorer, needs: set[str], job=None) -> dict:
    video = decode_pass(path, needs, SETTINGS)
    return scorer.score(job or make_job("x"), video)


def test_flicker_falls_as_brightness_noise_rises(tmp_path: Path) -> None:
    values = []
    for noise in (0.0, 6.0, 20.0):
        frames = moving_square(24, step_px=0, noise=noise, seed=1)  # static: VBench's filter
        path = write_video(tmp_path / f"n{noise}.mp4", frames)
        values.append(scored(path, FlickerScorer(), {"flicker", "motion"})["flicker"])
    assert values[0] > values[1] > values[2]
    assert values[0] > 0.97


def test_dynamic_degree_moving_vs_still(tmp_path: Path) -> None:
    moving = write_video(tmp_path / "moving.mp4", moving_square(24, step_px=2))
    still = write_video(tmp_path / "still.mp4", moving_square(24, step_px=0))
    scorer = MotionScorer(SETTINGS)
    moving_values = scored(moving, scorer, {"motion"})
    still_values = scored(still, scorer, {"motion"})
    assert moving_values["dynamic_degree"] is True
    assert still_values["dynamic_degree"] is False
    assert moving_values["motion_magnitude"] > 10 * still_values["motion_magnitude"] + 1


def scene(colour: tuple[int, int, int], count: int, pattern: int) -> list[np.ndarray]:
    frames = []
    for i in range(count):
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[:] = colour
        frame[::pattern, :, :] //= 2
        frame[10:20, i : i + 10] = 255  # a little motion inside the shot
        frames.append(frame)
    return frames


def test_shot_count_counts_spliced_cuts(tmp_path: Path) -> None:
    frames = scene((200, 40, 40), 14, 4) + scene((30, 160, 60), 14, 3) + scene((40, 50, 200), 14, 5)
    path = write_video(tmp_path / "cuts.mp4", frames)
    values = scored(path, ShotsScorer(SETTINGS), {"shots"}, make_job("s", shots=3))
    assert values["shot_count"] == 3
    assert values["shot_count_match"] is True
    # one shot under pan, zoom, lighting change, brightness flicker and pixel noise: no cut
    rng = np.random.default_rng(3)
    noisy = [
        np.clip(f + rng.normal(0, 20) + rng.normal(0, 12, f.shape), 0, 255).astype(np.uint8)
        for f in astronaut_frames(36)
    ]
    single = write_video(tmp_path / "one.mp4", noisy)
    assert scored(single, ShotsScorer(SETTINGS), {"shots"})["shot_count"] == 1


def astronaut_frames(count: int = 16, side_px: int = 160) -> list[np.ndarray]:
    """The astronaut's face under pan, zoom and lighting change."""
    image = data.astronaut()
    frames = []
    for i in range(count):
        t = i / (count - 1)
        window = int(200 + 60 * t)  # zoom out
        cx, cy = 222 + int(30 * np.sin(2 * np.pi * t)), 140 + int(15 * t)  # pan
        x0, y0 = max(0, cx - window // 2), max(0, cy - window // 2)
        crop = image[y0 : y0 + window, x0 : x0 + window]
        frame = cv2.resize(crop, (side_px, side_px), interpolation=cv2.INTER_AREA)
        gain = 0.7 + 0.5 * t  # lighting
        frames.append(np.clip(frame.astype(np.float64) * gain, 0, 255).astype(np.uint8))
    return frames


def messi_frames(count: int, side_px: int = 160) -> list[np.ndarray]:
    image = np.asarray(Image.open(MESSI).convert("RGB"))
    crop = image[62:162, 193:293]
    frame = cv2.resize(crop, (side_px, side_px), interpolation=cv2.INTER_CUBIC)
    return [frame] * count


def face_values(tmp_path: Path, name: str, frames: list[np.ndarray], job=None) -> dict:
    path = write_video(tmp_path / f"{name}.mp4", frames)
    return scored(path, FaceIdentityScorer(SETTINGS.uniform_frames), {"uniform", "shots"}, job)


def test_face_identity_high_for_one_face_under_pan_zoom_lighting(tmp_path: Path) -> None:
    values = face_values(tmp_path, "astronaut", astronaut_frames())
    assert values["face_presence"] >= 0.85
    assert values["face_identity"] >= 0.9
    assert values["face_distance_mean"] < 0.45
    assert values["face_reference"] == "first_face"


def test_face_identity_against_character_ref(tmp_path: Path) -> None:
    ref = tmp_path / "ref.png"
    Image.fromarray(data.astronaut()).save(ref)
    values = face_values(
        tmp_path, "withref", astronaut_frames(), make_job("r", character_ref=str(ref))
    )
    assert values["face_reference"] == "character_ref"
    assert values["face_identity"] >= 0.9


@pytest.mark.skipif(
    not MESSI.is_file(), reason=f"{MESSI} absent: apt-get install opencv-doc (make test does)"
)
def test_face_identity_drops_when_the_face_is_replaced(tmp_path: Path) -> None:
    same = face_values(tmp_path, "same", astronaut_frames(24))
    swapped = face_values(tmp_path, "swapped", astronaut_frames(24)[:12] + messi_frames(12))
    assert swapped["face_presence"] >= 0.85  # a face is still there ...
    assert swapped["face_identity"] <= 0.6  # ... but half the frames are someone else
    assert swapped["face_identity"] < same["face_identity"] - 0.3
    assert swapped["face_distance_mean"] > same["face_distance_mean"] + 0.15
    assert swapped["face_identity_min_shot"] == 0.0  # the cut to the other person is its own shot


def test_face_presence_drops_when_the_face_is_removed(tmp_path: Path) -> None:
    blank = [np.full((160, 160, 3), 90, np.uint8)] * 8
    values = face_values(tmp_path, "removed", astronaut_frames()[:8] + blank)
    assert values["face_presence"] <= 0.6
    none = face_values(tmp_path, "none", blank * 2)
    assert none["face_presence"] == 0.0 and none["face_identity"] is None
