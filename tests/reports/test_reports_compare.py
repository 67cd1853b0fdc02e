"""compare_runs: a clearly worse candidate is flagged; the same distribution twice is not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from reports.compare import Threshold, compare_runs

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
