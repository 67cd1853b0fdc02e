"""The batched CLIP preprocessing equals open_clip's own transform, element for element."""

from __future__ import annotations

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image

from vidbench.core.scorers.embedders import batch_transform


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

    from vidbench.core.config.settings import ClipSettings
    from vidbench.core.scorers.embedders import ClipEmbedder

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


@pytest.mark.parametrize(
    ("height", "width"), [(360, 640), (720, 1280), (225, 1000), (224, 224), (640, 360), (300, 200)]
)
def test_fused_resize_and_crop_is_within_a_grey_level_of_the_two_steps(
    height: int, width: int
) -> None:
    """Resampling only the box the centre crop keeps: a rare pixel one grey level off on
    random images (the harshest input for a resampler); portrait frames take the two steps."""
    preprocess = open_clip.image_transform(224, is_train=False)
    images = frames(3, height, width)
    two_steps = batch_transform(preprocess, images)
    fused = batch_transform(preprocess, images, fuse_resize_crop=True)
    std = torch.tensor((0.26862954, 0.26130258, 0.27577711)).view(3, 1, 1)
    grey_levels = ((fused - two_steps) * std * 255).abs()
    assert float(grey_levels.max()) <= 1.01
    assert float((grey_levels > 0.5).float().mean()) < 0.005
    if height >= width:
        assert torch.equal(fused, two_steps)


def test_fused_resize_and_crop_declines_other_pipelines() -> None:
    from torchvision import transforms

    from vidbench.core.scorers.embedders import resize_crop

    image = frames(1, 100, 200)[0]
    resize, crop = transforms.Resize(64), transforms.CenterCrop(64)
    assert resize_crop([resize, crop], image) is not None
    assert resize_crop([transforms.Resize(64), transforms.CenterCrop(32)], image) is None
    assert resize_crop([transforms.Resize((64, 80)), crop], image) is None
    assert resize_crop([transforms.Resize(64, max_size=100), crop], image) is None
    assert resize_crop([crop, resize], image) is None
    assert resize_crop([resize], image) is None


def test_box_reduce_averages_by_a_whole_factor() -> None:
    from vidbench.core.scorers.sampler import box_reduce

    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (721, 1283, 3), dtype=np.uint8)
    halved = box_reduce(frame, 336)  # 721 // 336 = 2
    assert halved.shape == (360, 641, 3)
    block = frame[:2, :2].astype(float).mean(axis=(0, 1))
    assert np.abs(halved[0, 0] - block).max() <= 0.5 + 1e-9
    assert box_reduce(frame, 400) is frame  # 721 // 400 = 1: unchanged
    assert box_reduce(frame, 240).shape == (240, 427, 3)  # a factor of 3, edges dropped
