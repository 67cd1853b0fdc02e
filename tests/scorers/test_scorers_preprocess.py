"""The batched CLIP preprocessing equals open_clip's own transform, element for element."""

from __future__ import annotations

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image

from bench.scorers.embedders import batch_transform


def frames(count: int, height: int, width: int) -> list[Image.Image]:
    rng = np.random.default_rng(height + width)
    return [
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
        for _ in range(count)
    ]


@pytest.mark.parametrize(("height", "width"), [(448, 796), (300, 200), (224, 224)])
def test_batched_transform_is_open_clips_transform(height: int, width: int) -> None:
    preprocess = open_clip.image_transform(224, is_train=False)
    images = frames(5, height, width)
    expected = torch.stack([preprocess(image) for image in images])
    batched = batch_transform(preprocess, images)
    assert batched.shape == (5, 3, 224, 224)
    assert torch.equal(batched, expected)


def test_an_unknown_pipeline_is_applied_image_by_image() -> None:
    calls: list[int] = []

    def custom(image: Image.Image) -> torch.Tensor:
        calls.append(1)
        return torch.zeros(3, 8, 8)

    assert batch_transform(custom, frames(3, 16, 16)).shape == (3, 3, 8, 8)
    assert len(calls) == 3


def photos_at_720p() -> list[np.ndarray]:
    """Real photographs (scikit-image's samples) brought to a 1280x720 video frame."""
    import cv2
    from skimage import data

    return [
        cv2.resize(np.ascontiguousarray(getattr(data, name)()[..., :3]), (1280, 720))
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    ]


def test_prepared_frames_stay_within_a_grey_level_of_open_clips_full_frame_transform() -> None:
    """`ClipEmbedder.prepare` (an area downscale to twice the input size, then open_clip's
    transform) vs open_clip's transform of the full frame: mean difference under one grey
    level per photo, no pixel off by more than a few (nearest-neighbour scaling fails it)."""
    from types import SimpleNamespace

    from open_clip.transform import image_transform

    from bench.config import ClipSettings
    from bench.scorers.embedders import ClipEmbedder

    embedder = ClipEmbedder(ClipSettings())
    embedder.preprocess = image_transform(224, is_train=False)
    embedder._model = SimpleNamespace(visual=SimpleNamespace(image_size=224))
    std = torch.tensor((0.26862954, 0.26130258, 0.27577711)).view(3, 1, 1)
    for frame in photos_at_720p():
        reference = embedder.preprocess(Image.fromarray(frame))
        prepared = embedder.prepare([frame])[0]
        assert prepared.shape == reference.shape == (3, 224, 224)
        grey_levels = ((prepared - reference) * std * 255).abs()
        assert float(grey_levels.mean()) < 1.0
        assert float(grey_levels.quantile(0.999)) < 12.0
