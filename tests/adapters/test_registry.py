"""The adapter registry: built-in providers, provider packages' simulators, entry points."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vidbench.adapters import registry
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.server import SimServer, adapter_paths

PLUGIN = textwrap.dedent(
    '''
    """A third-party provider: the Wan adapter and simulator under another name."""
    from vidbench.adapters.wan.adapter import WanAdapter
    from vidbench.adapters.wan.sim import routes
    from vidbench.core.sim.common import SimMount


    class ToyAdapter(WanAdapter):
        name = "toyprov"


    ADAPTER = ToyAdapter
    SIMULATOR = SimMount(segment="toyprov", base_path="toyprov", routes=routes)
    '''
)


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An installed distribution declaring `toyprov` in the `vidbench.adapters` group."""
    (tmp_path / "toyprov_plugin.py").write_text(PLUGIN)
    info = tmp_path / "toyprov_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toyprov-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[vidbench.adapters]\ntoyprov = toyprov_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.refresh()
    yield
    registry.refresh()
    sys.modules.pop("toyprov_plugin", None)


def test_builtin_names_and_did_you_mean() -> None:
    assert {"ark", "kling", "openai_videos", "veo", "wan"} <= set(registry.names())
    with pytest.raises(KeyError, match="did you mean 'wan'"):
        registry.get("wann")


def test_provider_packages_bring_their_simulator() -> None:
    assert registry.simulator("ark") is not None  # every provider package brings its own
    mount = registry.simulator("wan")
    assert mount is not None and mount.segment == "wan"
    assert adapter_paths()["wan"] == "wan"


def test_entry_point_provider_is_registered_and_simulated(plugin: None) -> None:
    assert "toyprov" in registry.names()
    assert registry.get("toyprov").name == "toyprov"
    with SimServer() as server:
        url = server.base_url("toyprov") + "/api/v1/services/aigc/video-generation/video-synthesis"
        body = {"model": "wan3.0-video", "input": {"prompt": "a cat"}, "parameters": {}}
        headers = {"Authorization": f"Bearer {SIM_API_KEY}", "X-DashScope-Async": "enable"}
        answer = httpx.post(url, json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["output"]["task_status"] == "PENDING"
        created = server.stats()["tasks_created"]
        assert created == [{"provider": "toyprov", "profile": "default", "count": 1}]


def test_entry_point_cannot_replace_a_builtin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = tmp_path / "evil-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[vidbench.adapters]\nark = evil_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.refresh()
    try:
        assert registry.get("ark").__module__ == "vidbench.adapters.ark.adapter"
    finally:
        registry.refresh()


@pytest.mark.slow
def test_entry_point_provider_runs_end_to_end_through_vidbench_run(
    plugin: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider nobody edited bench/ or reports/ for: validate, run, score, report."""
    import pandas as pd

    from vidbench.cli.app import main

    monkeypatch.setenv("VIDBENCH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "suite.yaml").write_text(
        "suite: toy\ndefaults: {duration: 5, ratio: '16:9'}\nprompts:\n"
        "  - {id: p1, category: motion, text: 'A red ball rolls across a green lawn'}\n"
    )
    config = tmp_path / "toy.yaml"
    config.write_text(
        "name: toy\nsuite: suite.yaml\nscorers: [conformance]\noutput_dir: runs\nmodels:\n"
        "  - {id: toy-model, adapter: toyprov, model: wan3.0-video, simulate: instant}\n"
    )
    assert main(["validate", str(config)]) == 0
    assert main(["run", str(config), "--yes"]) == 0
    (run_dir,) = (tmp_path / "runs").glob("toy-*")
    df = pd.read_parquet(run_dir / "results.parquet")
    assert list(df["adapter"]) == ["toyprov"] and list(df["status"]) == ["succeeded"]
    assert (run_dir / "report.html").is_file()
