"""The judge simulator's frame thumbnails: the halving shortcut stays an area average."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vidbench.core.sim.render_truth import THUMB_PX, thumbnail


@pytest.mark.parametrize("shape", [(720, 1280, 3), (481, 855, 3), (288, 512, 3), (90, 160, 3)])
def test_a_thumbnail_is_within_one_level_of_one_area_resize(shape: tuple[int, int, int]) -> None:
    rng = np.random.default_rng(3)
    frame = cv2.GaussianBlur(rng.integers(0, 255, shape, dtype=np.uint8), (0, 0), 2)
    frame[: shape[0] // 3, : shape[1] // 2] = (230, 40, 20)  # a layout to keep
    direct = cv2.resize(frame, (THUMB_PX, THUMB_PX), interpolation=cv2.INTER_AREA)
    expected = np.asarray(direct, np.float32).reshape(-1) / 255.0
    got = thumbnail(frame)
    assert got.shape == (THUMB_PX * THUMB_PX * 3,) and got.dtype == np.float32
    assert np.abs(got - expected).max() <= 1.5 / 255


def test_pixel_noise_averages_away_as_before() -> None:
    rng = np.random.default_rng(4)
    flat = np.full((720, 1280, 3), 128, np.uint8)
    noisy = np.clip(flat + rng.normal(0, 20, flat.shape), 0, 255).astype(np.uint8)
    assert np.abs(thumbnail(noisy) - thumbnail(flat)).max() <= 2 / 255
