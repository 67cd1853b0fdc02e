"""compare on 20 prompts of which 4 moved: not a regression (exact p = .125), and it says why."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from vidbench.cli.app import main
from vidbench.reports.compare_format import power_note
from vidbench.reports.compare_report import compare_runs


def _run(path: Path, drop: dict[int, float]) -> Path:
    """One model, 20 prompts; flicker lowered on the prompts in `drop` (all else identical)."""
    rows = [
        {
            "model": "seedance",
            "prompt_id": f"p{p:02d}",
            "sample": 0,
            "category": "scene",
            "status": "succeeded",
            "latency_s": 60.0 + p,
            "cost_usd": 0.4,
            "flicker": 0.97 + 0.001 * p - drop.get(p, 0.0),
            "usable": True,
        }
        for p in range(20)
    ]
    path.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(path / "results.parquet", index=False)
    (path / "manifest.json").write_text(json.dumps({"run_id": path.name}), encoding="utf-8")
    return path


def test_four_of_twenty_moved_cannot_be_called_a_regression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _run(tmp_path / "base", {})
    candidate = _run(tmp_path / "cand", {0: 0.03, 1: 0.04, 2: 0.05, 3: 0.06})  # worse by far
    result = compare_runs(baseline, candidate, out_dir=tmp_path / "out")
    flicker = next(c for c in result.comparisons if c.metric == "flicker")
    assert flicker.n == 20 and flicker.changed_pairs == 4
    assert flicker.p_value == pytest.approx(0.125)  # was .046 by the normal approximation
    assert not flicker.regression and not flicker.can_detect
    reason = result.gate_reason()
    assert "seedance: flicker — 4 changed pairs, need ≥ 6 for p < 0.05" in reason, reason
    note = power_note(flicker, 0.05)
    assert "20 matched pairs of which 4 changed" in note and "needs ≥ 6 changed pairs" in note
    assert "none: needs ≥ 6 changed pairs" in (tmp_path / "out" / "compare.md").read_text("utf-8")
    assert main(["compare", str(baseline), str(candidate), "--fail-on-regression"]) == 2
    assert "4 changed" in capsys.readouterr().err


def test_identical_runs_pass_the_gate_and_six_moved_are_flagged(tmp_path: Path) -> None:
    baseline = _run(tmp_path / "base", {})
    same = _run(tmp_path / "same", {})
    assert main(["compare", str(baseline), str(same), "--fail-on-regression"]) == 0
    six = _run(tmp_path / "six", {p: 0.03 + 0.01 * p for p in range(6)})
    result = compare_runs(baseline, six, out_dir=tmp_path / "out")
    flicker = next(c for c in result.comparisons if c.metric == "flicker")
    assert flicker.changed_pairs == 6 and flicker.can_detect
    assert flicker.p_value == pytest.approx(2 / 64) and flicker.regression


def test_a_few_pairs_that_improved_do_not_stop_the_gate(tmp_path: Path) -> None:
    """Two healthy runs whose few changed pairs went the good way: nothing could be hiding a
    regression there, so the gate passes (it exits 2 only for a change for the worse)."""
    baseline = _run(tmp_path / "base", {})
    better = _run(tmp_path / "better", {0: -0.01, 1: -0.01})  # flicker higher = better
    result = compare_runs(baseline, better, out_dir=tmp_path / "out")
    flicker = next(c for c in result.comparisons if c.metric == "flicker")
    assert not flicker.can_detect and result.unvouched == []
    assert main(["compare", str(baseline), str(better), "--fail-on-regression"]) == 0
