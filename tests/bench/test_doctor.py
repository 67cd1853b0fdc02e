"""vidbench doctor: known-answer tests on real photos pass on real weights, fail on random ones."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.doctor import clip_doctor, face_doctor, report_lines, run_doctor
from vidbench.core.scorers.known_answers import CLIP_KNOWN, photo

TINY = "vidbench-doctor-tiny"
TINY_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 64, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
HAS_FACES = importlib.util.find_spec("dlib") and importlib.util.find_spec("face_recognition_models")


@pytest.fixture(scope="module")
def random_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny CLIP with random weights saved as a local file (tests only)."""
    import open_clip
    import torch

    folder = tmp_path_factory.mktemp("clip")
    (folder / f"{TINY}.json").write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(folder / f"{TINY}.json")
    torch.manual_seed(0)
    model, _, _ = open_clip.create_model_and_transforms(TINY, pretrained=None)
    path = folder / "random.pt"
    torch.save(model.state_dict(), path)
    return path


def test_the_known_answers_are_real_photos() -> None:
    for name in CLIP_KNOWN.values():
        image = photo(name)
        assert image.ndim == 3 and image.shape[2] == 3 and min(image.shape[:2]) >= 300
        assert image.std() > 20  # a photograph, not a flat placeholder


@pytest.mark.skipif(not HAS_FACES, reason="needs dlib and face_recognition_models")
def test_the_face_model_of_this_machine_passes() -> None:
    check = face_doctor()
    assert check.ok is True, check.detail


def test_random_clip_weights_fail_and_are_refused(
    random_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDBENCH_WEIGHTS_CHECK", "1")
    check = clip_doctor(ClipSettings(model=TINY, weights=str(random_clip)))
    assert check.ok is False
    assert "known-answer" in check.detail
    report = run_doctor(ClipSettings(model=TINY, weights=str(random_clip)))
    assert not report.ok
    assert set(report.refused) >= {"clip_alignment", "subject_consistency"}
    assert any(line.startswith("refused  clip_alignment") for line in report_lines(report))


def test_missing_clip_weights_are_reported_not_failed(tmp_path: Path) -> None:
    check = clip_doctor(ClipSettings(weights=str(tmp_path / "absent.pt")))
    assert check.ok is None and "not found" in check.detail
