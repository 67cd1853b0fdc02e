"""Faces are searched at a 480 px short side and described on the full frame: the same faces
and nearly the same descriptors as a full-frame search, at a fraction of the detector's CPU."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
from skimage import data

from vidbench.core.scorers.faces import (
    DETECT_SHORT_SIDE_PX,
    MIN_DETECT_SIDE_PX,
    FaceEmbedder,
    detection_image,
    full_frame_box,
)


def astronaut_at(width_px: int, height_px: int, face_scale: float) -> np.ndarray:
    """The astronaut photo scaled by `face_scale` on a grey frame of the given size."""
    photo = np.asarray(data.astronaut())
    photo = cv2.resize(photo, None, fx=face_scale, fy=face_scale, interpolation=cv2.INTER_AREA)
    frame = np.full((height_px, width_px, 3), 90, np.uint8)
    h, w = min(photo.shape[0], height_px), min(photo.shape[1], width_px)
    frame[:h, (width_px - w) // 2 : (width_px - w) // 2 + w] = photo[:h, :w]
    return frame


def full_frame_faces(embedder: FaceEmbedder, frame: np.ndarray) -> tuple[int, Any]:
    """The former path: the detector on the full frame."""
    detector, landmarks, recogniser = embedder.load()
    upsample = 1 if min(frame.shape[:2]) < MIN_DETECT_SIDE_PX else 0
    boxes = list(detector(frame, upsample))
    if not boxes:
        return 0, None
    face = max(boxes, key=lambda rect: rect.area())
    return len(boxes), np.asarray(recogniser.compute_face_descriptor(frame, landmarks(frame, face)))


@pytest.fixture(scope="module")
def embedder() -> FaceEmbedder:
    found = FaceEmbedder()
    if found.unavailable:
        pytest.skip(found.unavailable)
    return found


@pytest.mark.parametrize(
    ("size", "face_scale"), [((1280, 720), 1.0), ((1280, 720), 2.0), ((1920, 1080), 1.6)]
)
def test_same_face_and_descriptor_as_a_full_frame_search(
    embedder: FaceEmbedder, size: tuple[int, int], face_scale: float
) -> None:
    frame = astronaut_at(*size, face_scale)
    count, descriptor = embedder.faces(frame)
    full_count, full_descriptor = full_frame_faces(embedder, frame)
    assert count == full_count == 1
    # the box differs by the downscale's rounding; the descriptor by a fraction of the 0.6
    # same-person distance (0.03 at the median on 446 demo frames, docs/performance.md)
    assert float(np.linalg.norm(descriptor - full_descriptor)) < 0.15


def test_a_face_under_a_sixth_of_the_short_side_is_not_searched_for(
    embedder: FaceEmbedder,
) -> None:
    frame = astronaut_at(1920, 1080, 1.0)  # a ~95 px face in 1080p: under 1080 / 6
    assert full_frame_faces(embedder, frame)[0] >= 1  # a full-frame search found it
    assert embedder.faces(frame) == (0, None)  # as in the same clip delivered at 480p


def test_the_detector_searches_a_480_px_frame(embedder: FaceEmbedder) -> None:
    detector, landmarks, recogniser = embedder.load()
    searched: list[tuple[int, ...]] = []

    def spying_detector(image: np.ndarray, upsample: int) -> Any:
        searched.append(image.shape)
        return detector(image, upsample)

    embedder._models = (spying_detector, landmarks, recogniser)
    try:
        count, _ = embedder.faces(astronaut_at(1280, 720, 1.0))
        embedder.faces(astronaut_at(640, 360, 0.8))  # small frames: searched as they are
    finally:
        embedder._models = (detector, landmarks, recogniser)
    assert count == 1
    assert searched == [(DETECT_SHORT_SIDE_PX, 853, 3), (360, 640, 3)]


def test_boxes_map_back_onto_the_full_frame() -> None:
    import dlib

    frame = np.zeros((720, 1280, 3), np.uint8)
    small, scale = detection_image(frame)
    assert small.shape == (480, 853, 3) and scale == pytest.approx(1280 / 853)
    box = full_frame_box(dlib.rectangle(100, 50, 179, 129), scale)  # an 80 px box
    assert (box.left(), box.top()) == (150, 75)
    assert box.width() == pytest.approx(80 * scale, abs=1)
    same, unscaled = detection_image(frame[:480, :640])
    assert unscaled == 1.0 and same.shape == (480, 640, 3)
