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
