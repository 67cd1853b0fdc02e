"""Scorers declared once: the registry, entry-point plugins and everything that reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scorer_helpers import add_to_run, make_job, write_video

from vidbench.core.config.config import RunConfig
from vidbench.core.run.results import build_results
from vidbench.core.scorers import registry
from vidbench.core.scorers.scoring import score_run
from vidbench.core.store.store import RunDir

PLUGIN_SOURCE = '''
"""A third-party scorer that vidbench knows only through its entry point."""
from typing import Any

import numpy as np

from vidbench.core.scorers.base import Output, Protocol, Scorer


class BrightnessScorer(Scorer):
    name = "test_brightness"
    version = "1"
    needs = frozenset({"uniform"})
    outputs = {
        "test_brightness": Output(
            "higher",
            "Mean pixel value of the sampled frames.",
            unit="0-255",
            regression_threshold=1.0,
            protocol=Protocol(frames="16 uniform frames"),
        )
    }

    def score(self, job: Any, video: Any, embeddings: Any = None) -> dict[str, Any]:
        return {"test_brightness": float(np.mean([f.mean() for f in video.uniform_frames]))}
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Install a tiny distribution (module + dist-info with the entry point) on sys.path."""
    site = tmp_path / "site"
    dist = site / "vidbench_test_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / "vidbench_test_plugin.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: vidbench-test-plugin\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[vidbench.scorers]\ntest_brightness = vidbench_test_plugin:BrightnessScorer\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    return "test_brightness"


def make_run(path: Path, level: int, count: int = 8) -> Path:
    """`count` tiny clips of a flat grey at about `level` (each a little different)."""
    for i in range(count):
        frames = [np.full((32, 32, 3), level + 3 * i, np.uint8) for _ in range(6)]
        video = write_video(path / "videos" / f"j{i}.mp4", frames)
        add_to_run(path, make_job(f"j{i}", prompt_id=f"p{i}"), video)
    return path


def test_builtins_are_registered_under_their_declared_names() -> None:
    for name in registry.BUILTIN_SCORERS:
        cls = registry.scorer_class(name)
        assert cls.name == name and cls.outputs and cls.version
    defaults = registry.default_scorer_names()
    assert defaults == [
        n for n in registry.BUILTIN_SCORERS if registry.scorer_class(n).default_enabled
    ]
    assert {"conformance", "clip_alignment", "flicker", "motion", "shots"} <= set(defaults)
    with pytest.raises(KeyError, match="did you mean 'flicker'"):
        registry.scorer_class("flicer")


def test_every_builtin_metric_declares_its_protocol_in_scorers_json() -> None:
    from vidbench.core.config.settings import ClipSettings
    from vidbench.core.scorers.sampler import SamplerSettings
    from vidbench.core.scorers.work import build_scorers

    # The measurement scorers; the judge (its own module and owner) is checked in its tests.
    names = [n for n in registry.BUILTIN_SCORERS if n != "judge"]
    scorers = build_scorers(names, ClipSettings.model_validate({}), SamplerSettings())
    for name, scorer in scorers.by_name.items():
        described = scorer.describe()["outputs"]
        for column in scorer.outputs:
            protocol = described[column].get("protocol")
            assert protocol and protocol["frames"], f"{name}.{column} has no protocol"
            assert "comparable_with" in protocol and "differences" in protocol


def test_config_validation_reads_the_registry(plugin: str) -> None:
    base = {"name": "r", "suite": "s.yaml", "models": [{"id": "m", "adapter": "ark", "model": "x"}]}
    assert RunConfig.model_validate({**base, "scorers": [plugin]}).scorers == [plugin]
    with pytest.raises(ValueError, match="did you mean 'test_brightness'"):
        RunConfig.model_validate({**base, "scorers": ["test_brightnes"]})
    with pytest.raises(ValueError, match="extra"):
        RunConfig.model_validate({**base, "scorer_options": {"flicker": {"bogus": 1}}})
    assert plugin not in RunConfig.model_validate(base).scorers  # plugins run when listed


def test_plugin_metric_reaches_results_report_and_compare(plugin: str, tmp_path: Path) -> None:
    from vidbench.reports.build import write_reports
    from vidbench.reports.compare_report import compare_runs
    from vidbench.reports.formatting import md_escape

    baseline, candidate = make_run(tmp_path / "base", 120), make_run(tmp_path / "cand", 60)
    for run in (baseline, candidate):
        summary = score_run(run, ["conformance", plugin])
        assert summary.counts[plugin].scored == 8 and not summary.unavailable
        meta = RunDir(run).scorers_meta()[plugin]
        assert meta["outputs"][plugin]["regression_threshold"] == 1.0
        assert meta["outputs"][plugin]["protocol"]["frames"] == "16 uniform frames"
    results = build_results(RunDir(baseline))
    assert results[plugin].between(115, 150).all()
    assert build_results(RunDir(candidate))[plugin].between(55, 90).all()
    write_reports(baseline, ("html",))
    assert plugin in (baseline / "report.html").read_text(encoding="utf-8")
    result = compare_runs(baseline, candidate, tmp_path / "cmp")
    found = [c for c in result.comparisons if c.metric == plugin]
    assert found and found[0].regression and found[0].threshold == 1.0
    assert md_escape(plugin) in (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert plugin in (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
