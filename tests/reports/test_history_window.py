"""History with power: window tests, the exact stratified test, FDR families, change points."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from vidbench.reports.comparisons import Threshold
from vidbench.reports.history import load_history
from vidbench.reports.history_changes import find_changes
from vidbench.reports.history_window import (
    CONFIRMED,
    NEWEST,
    change_points,
    family_adjusted,
    paired_p_value,
    series_tests,
    windows,
)
from vidbench.reports.signed_rank import signed_rank_p_value
from vidbench.reports.stratified_exact import stratified_exact_p_value

RELATIVE = Threshold("relative", 0.02)


def noisy_series(rng: np.random.Generator, drop_se: float, runs: int = 30) -> np.ndarray:
    """30 runs x 20 prompts of 0.8 + prompt effect + noise (sd .08), dropped from run 15."""
    se = 0.08 * np.sqrt(2 / 20)
    values = 0.8 + rng.normal(0, 0.05, 20) + rng.normal(0, 0.08, (runs, 20))
    return np.asarray(values - (np.arange(runs)[:, None] >= 15) * drop_se * se)


def found_in(history: list[np.ndarray]) -> list[tuple[int, int, float]]:
    tests = [t for n, v in enumerate(history) for t in series_tests(v, n, RELATIVE)]
    adjusted = family_adjusted(np.array([t.p_value for t in tests]), np.zeros(len(tests)))
    return [(t.series, t.step, t.difference) for t, _ in change_points(tests, adjusted)]


def test_windows_pool_the_runs_before_and_from_each_step() -> None:
    values = np.arange(8.0)[:, None] * np.ones((1, 2))
    values[3, 1] = np.nan
    before, after = windows(values, 5).means()
    assert np.isnan(before[0]).all()
    assert before[6, 0] == pytest.approx(np.mean([1, 2, 3, 4, 5]))
    assert before[6, 1] == pytest.approx(np.mean([1, 2, 4, 5]))  # the missing run skipped
    assert after[5, 0] == pytest.approx(6.0) and after[7, 0] == 7.0
    tests = series_tests(values, 0, Threshold("absolute", 0.0))
    assert [t.step for t in tests] == list(range(1, 8))
    assert [t.test for t in tests][-2:] == [CONFIRMED, NEWEST]
    assert (tests[-1].before_runs, tests[-1].after_runs) == (5, 1)


def test_fast_signed_rank_equals_the_reference() -> None:
    rng = np.random.default_rng(4)
    for row in range(300):
        differences = rng.normal(size=20)
        if row % 3 == 1:
            differences[:6] = 0.0
        if row % 3 == 2:
            differences = np.round(differences)
        assert paired_p_value(differences) == pytest.approx(signed_rank_p_value(differences))


def test_stratified_exact_is_mcnemar_with_one_run_a_side() -> None:
    rng = np.random.default_rng(5)
    ones = np.ones(20)
    for _ in range(200):
        before = (rng.random(20) < 0.8).astype(float)
        after = (rng.random(20) < 0.6).astype(float)
        lost, gained = int((before > after).sum()), int((after > before).sum())
        expected = (
            1.0 if lost + gained == 0 else scipy_stats.binomtest(gained, lost + gained).pvalue
        )
        got = stratified_exact_p_value(before, ones, after, ones)
        assert got == pytest.approx(expected, abs=1e-12)


def test_stratified_exact_holds_its_level_on_windows_of_five() -> None:
    rng = np.random.default_rng(6)
    rates = rng.uniform(0.6, 0.98, 20)  # prompts differ; nothing changes between windows
    fives = np.full(20, 5.0)
    p_values = [
        stratified_exact_p_value(rng.binomial(5, rates), fives, rng.binomial(5, rates), fives)
        for _ in range(2000)
    ]
    assert np.mean(np.array(p_values) < 0.05) <= 0.05


def test_family_adjusted_corrects_within_each_block_only() -> None:
    p_values = np.array([0.01, 0.04, 0.01, 0.5])
    adjusted = family_adjusted(p_values, np.array([0, 0, 1, 1]))
    assert list(adjusted) == pytest.approx([0.02, 0.04, 0.02, 0.5])


def test_a_persistent_three_se_drop_is_found_at_its_run_and_noise_is_quiet() -> None:
    rng = np.random.default_rng(11)
    detected = noisy = 0
    for _ in range(20):
        history = [noisy_series(rng, 3.0 if s == 0 else 0.0) for s in range(10)]
        found = found_in(history)
        detected += any(s == 0 and abs(step - 15) <= 1 and d < 0 for s, step, d in found)
        noisy += bool(found_in([noisy_series(rng, 0.0) for _ in range(10)]))
    # benchmarks/history.py measures .95 and .05 on 200 histories each.
    assert detected >= 16 and noisy <= 3, (detected, noisy)


def test_a_drop_shows_as_one_change_point_not_one_per_step() -> None:
    rng = np.random.default_rng(12)
    values = noisy_series(rng, 30.0)  # far beyond noise: every window step straddling it flags
    tests = series_tests(values, 0, RELATIVE)
    adjusted = family_adjusted(np.array([t.p_value for t in tests]), np.zeros(len(tests)))
    flagged = [t.step for t, p in zip(tests, adjusted, strict=True) if p < 0.05]
    assert len(flagged) >= 5
    ((change, _),) = change_points(tests, adjusted)
    assert change.step == 15 and change.difference < 0


def write_runs(root: Path, drop_se: float, n_runs: int = 16, drop_at: int = 8) -> None:
    """One model, 30 prompts, clip_score noise sd 1.5 per job (SE of one compare 0.39)."""
    rng = np.random.default_rng(21)
    effect = rng.normal(0, 2.0, 30)
    se = 1.5 * np.sqrt(2 / 30)
    for index in range(n_runs):
        run = root / f"nightly-{index:03d}"
        run.mkdir(parents=True)
        clip = 25 + effect + rng.normal(0, 1.5, 30) - (index >= drop_at) * drop_se * se
        pd.DataFrame(
            {
                "model": "m",
                "prompt_id": [f"p{i}" for i in range(30)],
                "sample": 0,
                "status": "succeeded",
                "latency_s": 40.0,
                "clip_score": clip,
                "usable": True,
            }
        ).to_parquet(run / "results.parquet", index=False)
        manifest = {
            "run_id": run.name,
            "created_at": f"2026-11-{index + 1:02d}T02:00:00Z",
            "suite": {"name": "core", "sha256": "c" * 64},
        }
        (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_history_finds_a_four_se_drop_once_at_its_run(tmp_path: Path) -> None:
    write_runs(tmp_path, drop_se=4.0)
    changes, drifts = find_changes(load_history([tmp_path]))
    assert [(c.metric, c.after_run, c.kind) for c in changes] == [
        ("clip_score", "nightly-008", "regression")
    ]
    assert "5 run(s) vs the 5 before" in changes[0].comparison.test and drifts == []
