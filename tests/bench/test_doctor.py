"""vidbench doctor: known-answer tests on real photos pass on real weights, fail on random ones."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.doctor import (
    DoctorReport,
    Needs,
    clip_doctor,
    face_doctor,
    judge_check,
    needed_scorer_checks,
    report_lines,
    run_doctor,
)
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


# ----- what a config needs ---------------------------------------------------------------


def test_a_needed_clip_scorer_without_weights_fails_with_the_setting_that_fixes_it(
    tmp_path: Path,
) -> None:
    absent = tmp_path / "absent.pt"
    needs = Needs("c.yaml", ("conformance", "clip_alignment"), ClipSettings(weights=str(absent)))
    checks = {c.name: c for c in needed_scorer_checks(needs)}
    assert checks["scorer conformance (needed by c.yaml)"].ok is True
    clip = checks["scorer clip_alignment (needed by c.yaml)"]
    assert clip.ok is False and "not found" in clip.detail
    assert clip.fix.startswith("export VIDBENCH_CLIP_WEIGHTS=<an existing ViT-B-32/openai")
    report = DoctorReport(checks=list(checks.values()))
    assert not report.ok and set(report.missing) == {"clip_alignment"}
    assert report.refused == {}  # unavailable, not weights that failed their check
    lines = report_lines(report)
    assert lines[-1].startswith("      fix: export VIDBENCH_CLIP_WEIGHTS=")


def test_the_judge_needs_a_judge_block_and_its_key() -> None:
    from vidbench.core.config.checks import JudgeSettings

    none = judge_check(Needs("c.yaml", ("judge",)))
    assert none.ok is False and "judge: block" in none.fix
    keyed = JudgeSettings(
        model="vlm", base_url="https://vlm.test/v1", api_key_env="VB_ABSENT_API_KEY"
    )
    unset = judge_check(Needs("c.yaml", ("judge",), judge=keyed))
    assert (unset.ok, unset.fix) == (False, "export VB_ABSENT_API_KEY=<the judge's key>")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VB_ABSENT_API_KEY", "sk-judge-0123456789")
        set_ = judge_check(Needs("c.yaml", ("judge",), judge=keyed))
    assert (set_.ok, set_.detail) == (True, "vlm at https://vlm.test/v1")
    simulated = judge_check(
        Needs("c.yaml", ("judge",), judge=JudgeSettings(model="m", simulate=True))
    )
    assert simulated.ok is True


def _config(tmp_path: Path, scorers: str) -> Path:
    (tmp_path / "suite.yaml").write_text(
        "suite: d\nprompts:\n  - {id: p, category: motion, text: 'A red ball'}\n", encoding="utf-8"
    )
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: d\nsuite: suite.yaml\nscorers: {scorers}\nclip: {{weights: absent.pt}}\n"
        "models:\n  - {id: a, adapter: ark, model: doubao-seedance-2-0-fast-260128, simulate: instant}\n",
        encoding="utf-8",
    )
    return path


def test_doctor_exits_2_when_the_config_needs_an_unavailable_scorer_and_0_when_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vidbench.cli.app import main

    assert (
        main(["doctor", "--config", str(_config(tmp_path, "[conformance, clip_alignment]"))]) == 2
    )
    captured = capsys.readouterr()
    assert "FAIL  scorer clip_alignment (needed by" in captured.out
    assert "      fix: export VIDBENCH_CLIP_WEIGHTS=" in captured.out
    assert "cannot be scored fully — unavailable here: clip_alignment" in " ".join(
        captured.err.split()
    )
    assert main(["doctor", "--config", str(_config(tmp_path, "[conformance, flicker]"))]) == 0
