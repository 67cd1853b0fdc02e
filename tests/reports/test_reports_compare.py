"""compare_runs: a clearly worse candidate is flagged; the same distribution twice is not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vidbench.reports.compare import Threshold
from vidbench.reports.compare_report import compare_runs

MODELS = ("seedance", "kling")
N_PROMPTS = 300


def _run(path: Path, seed: int, worse: bool = False) -> Path:
    """A results-only run directory: flicker, face_identity, clip_score, latency, failures."""
    rng = np.random.default_rng(seed)
    rows = []
    for model in MODELS:
        failure_p = 0.25 if worse and model == "seedance" else 0.05
        for p in range(N_PROMPTS):
            failed = rng.random() < failure_p
            ok = not failed
            shift = worse and model == "seedance"
            rows.append(
                {
                    "model": model,
                    "prompt_id": f"p{p:04d}",
                    "sample": 0,
                    "category": "motion",
                    "status": "failed" if failed else "succeeded",
                    "error_kind": "task_failed" if failed else None,
                    "latency_s": rng.lognormal(np.log(60), 0.25) if ok else np.nan,
                    "cost_usd": 0.4,
                    "flicker": 0.97 - (0.01 if shift else 0.0) + rng.normal(0, 0.003)
                    if ok
                    else np.nan,
                    "face_identity": np.clip(
                        0.85 - (0.1 if shift else 0.0) + rng.normal(0, 0.05), 0, 1
                    )
                    if ok
                    else np.nan,
                    "clip_score": 27 + rng.normal(0, 1.5) if ok else np.nan,
                    "usable": ok,
                }
            )
    path.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(path / "results.parquet", index=False)
    (path / "manifest.json").write_text(
        json.dumps({"run_id": path.name, "name": "nightly"}), encoding="utf-8"
    )
    return path


def test_worse_candidate_is_flagged(tmp_path: Path) -> None:
    baseline = _run(tmp_path / "nightly-20260101T000000Z", seed=11)
    candidate = _run(tmp_path / "nightly-20260102T000000Z", seed=12, worse=True)
    result = compare_runs(baseline, candidate)
    flagged = {(c.model, c.metric) for c in result.regressions}
    assert {
        ("seedance", "flicker"),
        ("seedance", "face_identity"),
        ("seedance", "failure_rate"),
        ("seedance", "usable_rate"),
    } <= flagged
    assert not any(model == "kling" for model, _ in flagged)
    out = candidate / "compare-nightly-20260101T000000Z"
    assert result.paths == [out / "compare.html", out / "compare.md"]
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert html.count('class="regression"') == len(result.regressions)
    assert f"**{len(result.regressions)} regression(s)**" in (out / "compare.md").read_text(
        encoding="utf-8"
    )
    flicker = next(c for c in result.regressions if c.metric == "flicker")
    assert flicker.difference < 0 and flicker.ci_high < 0 and flicker.p_value < 0.05


def test_same_distribution_is_not_flagged(tmp_path: Path) -> None:
    baseline = _run(tmp_path / "a", seed=21)
    candidate = _run(tmp_path / "b", seed=22)
    result = compare_runs(baseline, candidate, out_dir=tmp_path / "out")
    assert result.regressions == []
    assert {c.metric for c in result.comparisons} >= {
        "flicker",
        "face_identity",
        "clip_score",
        "failure_rate",
        "latency_p50_s",
    }
    assert (tmp_path / "out" / "compare.md").read_text(encoding="utf-8").count(
        "No regressions"
    ) == 1


def test_thresholds_decide_what_counts(tmp_path: Path) -> None:
    baseline = _run(tmp_path / "a", seed=31)
    candidate = _run(tmp_path / "b", seed=32, worse=True)
    lenient = {"flicker": Threshold("absolute", 0.05), "face_identity": Threshold("relative", 0.5)}
    result = compare_runs(baseline, candidate, out_dir=tmp_path / "out", thresholds=lenient)
    flagged = {c.metric for c in result.regressions}
    assert "flicker" not in flagged and "face_identity" not in flagged
    assert "failure_rate" in flagged


def _small_run(path: Path, prompts: int, shift: float) -> Path:
    """A run of one model with `prompts` prompts, flicker lowered by `shift` (a regression)."""
    rows = [
        {
            "model": "seedance",
            "prompt_id": f"p{p}",
            "sample": 0,
            "category": "motion",
            "status": "succeeded",
            "latency_s": 60.0 + p,
            "cost_usd": 0.4,
            "flicker": 0.97 - shift + 0.001 * p,
            "conformance": True,
            "usable": True,
        }
        for p in range(prompts)
    ]
    path.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(path / "results.parquet", index=False)
    (path / "manifest.json").write_text(json.dumps({"run_id": path.name}), encoding="utf-8")
    return path


def test_three_matched_pairs_cannot_detect_a_regression_and_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = _small_run(tmp_path / "base", 3, shift=0.0)
    candidate = _small_run(tmp_path / "cand", 3, shift=0.2)  # far worse on every clip
    result = compare_runs(baseline, candidate, out_dir=tmp_path / "out")
    assert result.regressions == []
    flicker = next(c for c in result.comparisons if c.metric == "flicker")
    assert flicker.n == 3 and not flicker.can_detect and flicker.detectable == np.inf
    # Detecting the 0.002 threshold at the observed spread (sd 0 here) needs the test's floor.
    assert flicker.pairs_needed == 6 and flicker.samples_per_prompt == 2
    assert {c.metric for c in result.undetectable} >= {"flicker", "failure_rate", "latency_p50_s"}
    reason = result.gate_reason()
    assert "cannot detect a regression" in reason
    # One line per model, not one per metric: the metrics, what they have and need.
    (line,) = [x for x in reason.splitlines() if x.startswith("  - ")]
    assert line.startswith("  - seedance: ") and "flicker" in line and "failure_rate" in line
    assert line.endswith(
        "3 delivered clips per run, need ≥ 4; 3 matched pairs, need ≥ 6 for p < 0.05"
    ), line
    md = (tmp_path / "out" / "compare.md").read_text(encoding="utf-8")
    assert md.splitlines()[2].startswith("**Summary:** 0 collapse(s), 0 regression(s)")
    assert "**Cannot detect a regression** in" in md and "none: needs ≥ 6 matched pairs" in md
    # The table keeps each metric's detail: what detecting its threshold would take.
    assert "| 6 (2/prompt) |" in md
    assert "Cannot detect a regression" in (tmp_path / "out" / "compare.html").read_text("utf-8")

    from vidbench.cli.app import main

    assert main(["compare", str(baseline), str(candidate), "--fail-on-regression"]) == 2
    assert "need ≥ 6" in capsys.readouterr().err
    assert main(["compare", str(baseline), str(candidate)]) == 0  # report only: still said
    assert "cannot detect a regression" in capsys.readouterr().out


def test_enough_pairs_state_what_they_could_detect(tmp_path: Path) -> None:
    baseline = _run(tmp_path / "a", seed=41)
    candidate = _run(tmp_path / "b", seed=42)
    result = compare_runs(baseline, candidate, out_dir=tmp_path / "out")
    assert result.undetectable == [] and result.gate_reason() == ""
    flicker = next(c for c in result.comparisons if c.metric == "flicker" and c.model == "seedance")
    # sd of the paired differences ≈ 0.003·√2; 80% power at n ≈ 285 pairs.
    assert flicker.can_detect and 0.0006 < flicker.detectable < 0.0009
    assert flicker.detectable < flicker.threshold  # 0.002 is detectable with these pairs
    assert 20 <= flicker.pairs_needed <= 60 and flicker.samples_per_prompt == 1
    failure = next(
        c for c in result.comparisons if c.metric == "failure_rate" and c.model == "seedance"
    )
    assert failure.test == "exact McNemar" and 0.02 < failure.detectable < 0.08


def test_a_metric_without_matched_pairs_is_listed_not_dropped(tmp_path: Path) -> None:
    baseline = _small_run(tmp_path / "base", 4, shift=0.0)
    candidate = _small_run(tmp_path / "cand", 4, shift=0.0)
    frame = pd.read_parquet(candidate / "results.parquet")
    frame["prompt_id"] = [f"other{p}" for p in range(4)]  # no prompt in common
    frame.to_parquet(candidate / "results.parquet", index=False)
    result = compare_runs(baseline, candidate, out_dir=tmp_path / "out")
    flicker = next(c for c in result.comparisons if c.metric == "flicker")
    assert flicker.n == 0 and not flicker.can_detect and np.isnan(flicker.difference)
    # Latency needs no pairing: 4 clips a side can reach p < 0.05 with Mann-Whitney U.
    latency = next(c for c in result.comparisons if c.metric == "latency_p50_s")
    assert latency.can_detect and latency.n == 4
