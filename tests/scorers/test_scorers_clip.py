"""CLIP alignment with random weights (tests only) and the weights/no-weights paths."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
from scorer_helpers import TINY, add_to_run, make_job, moving_square, write_video

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.embedders import CLIP_WEIGHTS_ENV, ClipEmbedder, cached_open_clip_file
from vidbench.core.scorers.sampler import SamplerSettings, decode_pass
from vidbench.core.scorers.scoring import score_run
from vidbench.core.store.store import RunDir


def make_run(tmp_path: Path, count: int = 2) -> Path:
    run = tmp_path / "run"
    for i in range(count):
        video = write_video(run / "videos" / f"j{i}.mp4", moving_square(12, step_px=i + 1))
        add_to_run(run, make_job(f"j{i}", clip_text=f"a red square number {i}"), video)
    return run


def test_embeddings_shapes_and_determinism(tiny_weights: Path) -> None:
    frames = moving_square(5)
    first = ClipEmbedder(ClipSettings(model=TINY, weights=str(tiny_weights)))
    second = ClipEmbedder(ClipSettings(model=TINY, weights=str(tiny_weights)))
    a, b = first.embed_images(frames), second.embed_images(frames)
    assert a.shape == (5, 32)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, b)
    assert first.embed_text("a cat").shape == (32,)
    assert first.text_truncated("word " * 80) and not first.text_truncated("a cat")


def test_env_and_setting_paths_give_identical_embeddings(
    tiny_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = moving_square(3)
    by_setting = ClipEmbedder(ClipSettings(model=TINY, weights=str(tiny_weights))).embed_images(
        frames
    )
    monkeypatch.setenv(CLIP_WEIGHTS_ENV, str(tiny_weights))
    by_env = ClipEmbedder(ClipSettings(model=TINY))
    assert by_env.identity()["weights"] is not None
    assert np.array_equal(by_setting, by_env.embed_images(frames))
    # the file really is what is loaded: a different random model gives different embeddings
    torch.manual_seed(1)
    other, _, _ = open_clip.create_model_and_transforms(TINY, pretrained=None)
    other_path = tiny_weights.with_name("other.pt")
    torch.save(other.state_dict(), other_path)
    by_other = ClipEmbedder(ClipSettings(model=TINY, weights=str(other_path))).embed_images(frames)
    assert not np.allclose(by_setting, by_other)


def test_reported_numbers_equal_direct_computation(tiny_weights: Path, tmp_path: Path) -> None:
    run = make_run(tmp_path)
    settings = ClipSettings(model=TINY, weights=str(tiny_weights), frames=4)
    summary = score_run(run, ["clip_alignment", "subject_consistency"], clip=settings)
    assert summary.counts["clip_alignment"].scored == 2 and not summary.unavailable
    scores = RunDir(run).states()["j1"].scores
    values = scores["clip_alignment"]
    # independent path: open_clip + torch cosine on the same sampled frames
    model, _, preprocess = open_clip.create_model_and_transforms(TINY, pretrained=str(tiny_weights))
    model.eval()
    video = decode_pass(run / "videos" / "j1.mp4", {"uniform"}, SamplerSettings(uniform_frames=4))
    from PIL import Image

    with torch.no_grad():
        images = model.encode_image(
            torch.stack([preprocess(Image.fromarray(f)) for f in video.uniform_frames])
        )
        text = model.encode_text(open_clip.get_tokenizer(TINY)(["a red square number 1"]))
        cosines = torch.nn.functional.cosine_similarity(images, text)
    assert values["clip_frames"] == 4
    assert values["clip_cosine"] == pytest.approx(cosines.mean().item(), abs=1e-5)
    assert values["clip_score"] == pytest.approx(
        (100 * cosines.clamp(min=0)).mean().item(), abs=1e-3
    )
    assert values["clip_text_truncated"] is False
    assert 0.0 <= scores["subject_consistency"]["subject_consistency"] <= 1.0
    meta = RunDir(run).scorers_meta()
    assert meta["clip_alignment"]["available"] is True
    assert meta["clip_alignment"]["settings"]["weights_source"] == "file"


def test_without_weights_the_stage_finishes_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CLIP_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("VIDBENCH_CLIP_DOWNLOAD", "0")  # offline by choice: no probe in tests
    if cached_open_clip_file("ViT-B-32", "openai") is not None:
        pytest.skip("ViT-B-32 openai weights are cached on this machine")
    run = make_run(tmp_path, count=1)
    started = time.perf_counter()
    summary = score_run(run, ["clip_alignment", "subject_consistency", "flicker"])
    elapsed_s = time.perf_counter() - started
    assert elapsed_s < 20
    assert "VIDBENCH_CLIP_WEIGHTS" in summary.unavailable["clip_alignment"]
    assert summary.counts["flicker"].scored == 1
    meta = RunDir(run).scorers_meta()
    assert meta["clip_alignment"]["available"] is False
    assert "no CLIP weights" in meta["clip_alignment"]["reason"]
    assert meta["subject_consistency"]["available"] is False
    assert "clip_alignment" not in RunDir(run).states()["j0"].scores


def test_missing_weights_file_is_reported(tmp_path: Path) -> None:
    run = make_run(tmp_path, count=1)
    summary = score_run(
        run, ["clip_alignment"], clip=ClipSettings(weights=str(tmp_path / "nope.pt"))
    )
    assert "not found" in summary.unavailable["clip_alignment"]


def test_subject_consistency_on_a_local_dino_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import timm

    torch.manual_seed(0)
    good = tmp_path / "dino.pt"
    torch.save(
        timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=0).state_dict(),
        good,
    )
    monkeypatch.setenv("VIDBENCH_DINO_WEIGHTS", str(good))
    monkeypatch.setenv("VIDBENCH_DINO_MODEL", "vit_tiny_patch16_224")
    run = make_run(tmp_path, count=1)
    summary = score_run(run, ["subject_consistency"], clip=ClipSettings(frames=4))
    assert summary.counts["subject_consistency"].scored == 1, summary
    assert RunDir(run).scorers_meta()["subject_consistency"]["settings"]["backbone"] == "dino"
    mismatched = tmp_path / "dino32.pt"
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=0, img_size=32)
    torch.save(model.state_dict(), mismatched)
    monkeypatch.setenv("VIDBENCH_DINO_WEIGHTS", str(mismatched))
    summary = score_run(run, ["subject_consistency"], clip=ClipSettings(frames=4))
    # the file was made for 32-px input; the 224-px architecture must refuse it, never run half-random
    assert "DINO model failed to load" in summary.unavailable["subject_consistency"]
    monkeypatch.setenv("VIDBENCH_DINO_WEIGHTS", str(tmp_path / "absent.pt"))
    summary = score_run(run, ["subject_consistency"])
    assert "not found" in summary.unavailable["subject_consistency"]
