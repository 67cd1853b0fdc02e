"""docs/api.md runs: its python blocks, in order and in one namespace, offline against the
built-in simulators, from an empty folder; and the API's registration rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from doc_blocks import REPO, blocks

import vidbench
from vidbench.adapters import registry as adapter_registry
from vidbench.core.scorers import registry as scorer_registry

API_DOC = REPO / "docs" / "api.md"


@pytest.fixture(autouse=True)
def _forget_registrations() -> Iterator[None]:
    """What a test registers in-process is gone after it (other tests list every adapter)."""
    adapters, scorers = dict(adapter_registry._IN_PROCESS), dict(scorer_registry._IN_PROCESS)
    yield
    adapter_registry._IN_PROCESS.clear()
    adapter_registry._IN_PROCESS.update(adapters)
    scorer_registry._IN_PROCESS.clear()
    scorer_registry._IN_PROCESS.update(scorers)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_api_doc_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = [b for b in blocks(API_DOC) if b.language == "python"]
    assert len(python) >= 6 and not [b for b in python if b.not_run]
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "api_doc"}
    for block in python:
        code = compile(block.text, block.where, "exec")
        exec(code, namespace)  # a failing example fails here, its file:line in the traceback
    baseline = namespace["baseline"]
    assert isinstance(baseline, Path) and baseline.parent == tmp_path / "runs"
    df = vidbench.results(baseline)
    assert "brightness" in df.columns and df["brightness"].between(0, 255).all()
    assert namespace["unavailable"] == {}
    assert "my_gateway" in vidbench.adapter_names() and "brightness" in vidbench.scorer_names()


def test_every_api_name_is_exported_and_the_version_is_the_installed_one() -> None:
    import importlib.metadata

    import vidbench.api

    assert set(vidbench.api.__all__) == set(vidbench.API_NAMES)
    for name in vidbench.API_NAMES:
        assert getattr(vidbench, name) is getattr(vidbench.api, name)
    assert vidbench.__version__ == importlib.metadata.version("vidbench")
    with pytest.raises(AttributeError):
        vidbench.no_such_name  # noqa: B018


def test_registration_refuses_a_built_in_name_or_a_wrong_declared_name() -> None:
    ark = adapter_registry.get("ark")
    with pytest.raises(ValueError, match="built-in"):
        vidbench.register_adapter("ark", ark)
    with pytest.raises(TypeError, match="declares name 'ark'"):
        vidbench.register_adapter("other", ark)
    with pytest.raises(ValueError, match="built-in"):
        vidbench.register_scorer(scorer_registry.scorer_class("flicker"))
    assert "other" not in vidbench.adapter_names()


def test_run_refuses_to_spend_without_consent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARK_API_KEY", "test-key-not-real")
    with pytest.raises(vidbench.SpendingRefused, match="seedance-2.0, seedance-2.0-fast"):
        vidbench.run("seedance-2-vs-fast", sample=1, out="runs")
    assert not (tmp_path / "runs").exists()  # nothing planned on disk, nothing sent
