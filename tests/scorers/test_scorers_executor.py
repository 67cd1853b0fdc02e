"""Executor seams that need no Ray: devices, the missing-package message, config, shipping."""

from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from scorer_helpers import add_to_run, make_job, moving_square, write_video

from vidbench.cli.app import main
from vidbench.core.config.settings import ClipSettings, ScoringSettings
from vidbench.core.scorers import compute as compute_module
from vidbench.core.scorers.compute import compute_video
from vidbench.core.scorers.executor import place_models, resolve_device, scorer_devices
from vidbench.core.scorers.executor_ray import RAY_MISSING, shippable
from vidbench.core.scorers.sampler import SamplerSettings, decode_pass
from vidbench.core.scorers.stage import Stage
from vidbench.core.scorers.work import build_scorers
from vidbench.core.store.store import RunDir


def fake_torch(monkeypatch: pytest.MonkeyPatch, cuda: bool) -> None:
    cuda_module = SimpleNamespace(is_available=lambda: cuda)
    spec = importlib.machinery.ModuleSpec("torch", None)  # so find_spec("torch") answers
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(cuda=cuda_module, __spec__=spec))


@pytest.mark.parametrize(
    ("setting", "cuda", "expected"),
    [("auto", True, "cuda"), ("auto", False, "cpu"), ("cpu", True, "cpu"), ("cuda", True, "cuda")],
)
def test_device_auto_uses_cuda_only_when_torch_sees_it(
    monkeypatch: pytest.MonkeyPatch, setting: str, cuda: bool, expected: str
) -> None:
    fake_torch(monkeypatch, cuda)
    assert resolve_device(setting) == expected


def test_cuda_without_a_device_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_torch(monkeypatch, False)
    with pytest.raises(ValueError, match="no CUDA device"):
        resolve_device("cuda")


def test_models_are_placed_and_the_device_recorded_per_scorer(
    monkeypatch: pytest.MonkeyPatch, tiny_weights: Path
) -> None:
    fake_torch(monkeypatch, True)
    scorers = build_scorers(
        ["clip_alignment", "subject_consistency", "flicker"],
        ClipSettings(weights=str(tiny_weights)),
        SamplerSettings(),
    )
    place_models(scorers, "auto")
    assert scorer_devices(scorers) == {
        "clip_alignment": "cuda",
        "subject_consistency": "cuda",
        "flicker": "cpu",
    }


def test_without_ray_the_option_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    add_to_run(run, make_job("j0"), write_video(run / "videos" / "j0.mp4", moving_square(6)))
    RunDir(run).write_manifest({})
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray → ImportError
    monkeypatch.setenv("VIDBENCH_LOG_DIR", str(tmp_path / "logs"))
    assert main(["score", str(run), "--scorers", "conformance", "--executor", "ray"]) == 2
    err = capsys.readouterr()
    assert RAY_MISSING in (err.out + err.err).replace("\n", "")
    assert "pip install 'vidbench[ray]'" in RAY_MISSING


def test_scoring_block_is_validated() -> None:
    assert ScoringSettings.model_validate({}).executor == "local"
    with pytest.raises(ValueError):
        ScoringSettings.model_validate({"executor": "dask"})
    with pytest.raises(ValueError):
        ScoringSettings.model_validate({"workerz": 2})


def test_a_shipped_work_item_carries_no_model_and_computes_the_same(
    tmp_path: Path, tiny_weights: Path
) -> None:
    """What a Ray actor receives pickles without the driver's models, and scores alike."""
    import pickle

    run = tmp_path / "run"
    add_to_run(run, make_job("j0"), write_video(run / "videos" / "j0.mp4", moving_square(12)))
    sampler = SamplerSettings(uniform_frames=4)
    clip = ClipSettings(model="vidbench-test-tiny", weights=str(tiny_weights), frames=4)
    stage = Stage(RunDir(run), build_scorers(["clip_alignment", "motion"], clip, sampler), sampler)
    (work,) = stage.plan(RunDir(run).scorable(), {})
    stage.load_models([work])
    shipped = pickle.loads(pickle.dumps(shippable(work)))
    assert list(shipped.embed_with) == list(work.embed_with)
    assert all(value is None for value in shipped.embed_with.values())
    video = decode_pass(work.path, work.needs, sampler)
    here = compute_video(stage.scorers, work, video, None)
    again = compute_video(stage.scorers, work, video, None)
    assert here.values == again.values and here.values["motion"]
    assert compute_module.embedder_id(stage.scorers.by_name["clip_alignment"].embedder) in (
        here.embeddings
    )


def test_gpu_batches_follow_free_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from vidbench.core.scorers.embedders import frames_per_batch

    free = {"bytes": 8 * 1024**3}
    cuda = SimpleNamespace(mem_get_info=lambda device: (free["bytes"], 16 * 1024**3))
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(cuda=cuda, device=str))
    assert frames_per_batch("cuda", bytes_per_frame=64 * 1024**2) == 64
    free["bytes"] = 10 * 1024**2  # nearly full: still one frame at a time
    assert frames_per_batch("cuda", bytes_per_frame=64 * 1024**2) == 1
