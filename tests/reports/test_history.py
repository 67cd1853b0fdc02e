"""Run history over synthetic runs: planted drop and price cut found (and nothing else), CI gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from history_helpers import HISTORY_MODELS, N_PROMPTS, write_history

from vidbench.cli.app import main
from vidbench.reports.history import find_runs, load_history
from vidbench.reports.history_changes import bh_adjust, find_changes
from vidbench.reports.history_gate import PIN_FILE, gate, read_pins, write_pin


@pytest.fixture(scope="module")
def dropped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 nightly runs: beta's clip_score drops by 2 at run 5, alpha's price is cut at run 3."""
    root = tmp_path_factory.mktemp("history-drop")
    write_history(root)
    return root


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same 8 runs and price cut, without the drop."""
    root = tmp_path_factory.mktemp("history-steady")
    write_history(root, drop_at=None)
    return root


def test_table_has_one_row_per_run_model_metric(dropped: Path) -> None:
    history = load_history([dropped])
    assert len(history.runs) == 8 and len(find_runs([dropped])) == 8
    assert list(history.runs["created_at"]) == sorted(history.runs["created_at"])
    table = history.table
    assert not table.duplicated(["run", "model", "metric"]).any()
    clip = table[(table["metric"] == "clip_score") & (table["model"] == "beta")]
    assert len(clip) == 8 and (clip["n"] == N_PROMPTS).all()
    assert (clip["ci_low"] < clip["mean"]).all() and (clip["mean"] < clip["ci_high"]).all()
    # The drop shows in the means: about 25 before run 5, about 23 from it on.
    assert clip["mean"].iloc[:5].min() > 24.0 > 23.5 > clip["mean"].iloc[5:].max()
    assert set(table["metric"]) >= {"clip_score", "flicker", "latency_s", "cost_usd", "usable_rate"}


def test_finds_exactly_the_planted_drop_and_price_cut(dropped: Path) -> None:
    changes, drifts = find_changes(load_history([dropped]))
    found = {(c.model, c.metric, c.after_run[:16], c.kind) for c in changes}
    # The price cut is a manifest drift and, because it lowers what each clip costs, an
    # improvement of alpha's cost_usd at the same step.
    assert found == {
        ("beta", "clip_score", "nightly-20261106", "regression"),
        ("alpha", "cost_usd", "nightly-20261104", "improvement"),
    }
    assert [(d.model, d.kind, d.after_run[:16]) for d in drifts] == [
        ("alpha", "price", "nightly-20261104")
    ]
    assert json.loads(drifts[0].before) == {"usd_per_clip": 0.30}


def test_model_version_and_latency_drift(tmp_path: Path) -> None:
    import pandas as pd

    paths = write_history(tmp_path, n_runs=4, drop_at=None, price_cut_at=None)
    newest = pd.read_parquet(paths[-1] / "results.parquet")
    newest["provider_model_version"] = newest["model"].map(
        {"alpha": "a-260101", "beta": "b-260301"}
    )
    newest.loc[newest["model"] == "beta", "latency_s"] *= 2.0
    newest.to_parquet(paths[-1] / "results.parquet", index=False)
    for path in paths[:-1]:
        older = pd.read_parquet(path / "results.parquet")
        older["provider_model_version"] = older["model"].map(
            {"alpha": "a-260101", "beta": "b-260101"}
        )
        older.to_parquet(path / "results.parquet", index=False)
    changes, drifts = find_changes(load_history([tmp_path]))
    kinds = {(d.model, d.kind) for d in drifts}
    assert kinds == {("beta", "model_version"), ("beta", "latency_distribution")}
    version = next(d for d in drifts if d.kind == "model_version")
    assert (version.before, version.after) == ("b-260101", "b-260301")
    assert {(c.model, c.metric) for c in changes} == {("beta", "latency_p50_s")}


def test_bh_counts_untested_hypotheses_as_p_one() -> None:
    assert bh_adjust([0.01], 1)[0] == pytest.approx(0.01)
    assert bh_adjust([0.01], 10)[0] == pytest.approx(0.1)
    assert list(bh_adjust([0.01, 0.04], 2)) == pytest.approx([0.02, 0.04])


def test_gate_uses_the_pin(dropped: Path, steady: Path) -> None:
    history = load_history([dropped])
    first = str(history.runs["run"].iloc[0])
    path, pins = write_pin(history, first, [dropped])
    assert path == dropped / PIN_FILE and read_pins(path) == {"core": first} == pins
    (result,) = gate(history, pins)
    assert result.pinned and result.baseline == first
    assert [(c.model, c.metric) for c, _ in result.regressions] == [("beta", "clip_score")]
    (calm,) = gate(load_history([steady]), {})
    assert not calm.pinned and calm.regressions == []
    with pytest.raises(ValueError, match="no run"):
        write_pin(history, "no-such-run", [dropped])


def test_cli_fail_on_regression_exit_codes(dropped: Path, steady: Path, tmp_path: Path) -> None:
    for root in (dropped, steady):
        first = sorted(
            p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("nightly")
        )[0]
        assert (
            main(
                [
                    "history",
                    str(root),
                    "--pin",
                    first,
                    "--out",
                    str(tmp_path / root.name),
                    "--no-plots",
                ]
            )
            == 0
        )
    assert (
        main(
            [
                "history",
                str(dropped),
                "--fail-on-regression",
                "--no-plots",
                "--out",
                str(tmp_path / "a"),
            ]
        )
        == 1
    )
    assert (
        main(
            [
                "history",
                str(steady),
                "--fail-on-regression",
                "--no-plots",
                "--out",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    markdown = (tmp_path / "a" / "history.md").read_text(encoding="utf-8")
    assert "clip\\_score" in markdown and "regression" in markdown
    assert main(["history", str(tmp_path / "empty-nothing-here")]) == 2


def test_filters_and_trend_plots(dropped: Path, tmp_path: Path) -> None:
    history = load_history([dropped], model="beta", metric="clip_score", since="2026-11-04")
    assert set(history.table["model"]) == {"beta"} and set(history.table["metric"]) == {
        "clip_score"
    }
    assert len(history.runs) == 5
    assert main(["history", str(dropped), "--suite", "core", "--out", str(tmp_path / "h")]) == 0
    (svg,) = (tmp_path / "h" / "plots").glob("trend-core-clip_score.svg")
    text = svg.read_text(encoding="utf-8")
    assert all(f">{model}<" in text for model in HISTORY_MODELS)  # the legend names each model


def test_the_threshold_screen_only_skips_tests_that_could_not_flag() -> None:
    import numpy as np

    from vidbench.reports.comparisons import Threshold
    from vidbench.reports.history_window import paired_p_value, series_tests, windows

    rng = np.random.default_rng(2)
    values = 25 + rng.normal(0, 1, (12, 30))
    screened = series_tests(values, 0, Threshold("relative", 0.02))
    before, after = windows(values, 5).means()
    for test in screened:
        full = paired_p_value(after[test.step] - before[test.step])
        if abs(test.difference) > test.limit:
            assert test.p_value == pytest.approx(full)
        else:
            assert test.p_value == 1.0  # within the threshold: never a change point
