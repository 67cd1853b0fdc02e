"""Statistics with known answers: bootstrap coverage, percentiles, Wilson, paired test, win rates."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from vidbench.reports.intervals import bootstrap_mean_ci, wilson_ci
from vidbench.reports.pairwise import paired_differences, paired_test_p_value, win_rate_matrix
from vidbench.reports.stats import (
    cost_summary,
    latency_percentiles,
    latency_summary,
    metric_summary,
    rate_summary,
)


def test_bootstrap_ci_covers_true_mean_at_about_the_stated_rate() -> None:
    rng = np.random.default_rng(20260101)
    true_mean = 3.0
    covered = 0
    draws = 200
    for i in range(draws):
        sample = rng.normal(true_mean, 2.0, size=60)
        _, low, high = bootstrap_mean_ci(sample, confidence=0.95, n_resamples=1000, seed=i)
        covered += low <= true_mean <= high
    assert 0.90 <= covered / draws <= 0.99


def test_bootstrap_ci_brackets_the_mean_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(1)
    small = rng.normal(0, 1, 20)
    large = rng.normal(0, 1, 2000)
    mean_s, low_s, high_s = bootstrap_mean_ci(small)
    mean_l, low_l, high_l = bootstrap_mean_ci(large)
    assert low_s < mean_s < high_s and low_l < mean_l < high_l
    assert (high_l - low_l) < (high_s - low_s) / 5
    # Seeded: the same input gives the same interval.
    assert bootstrap_mean_ci(small) == (mean_s, low_s, high_s)
    # NaNs are dropped, not propagated.
    assert bootstrap_mean_ci(np.append(small, np.nan))[0] == pytest.approx(mean_s)
    assert np.isnan(bootstrap_mean_ci([np.nan])[0])


def test_latency_percentiles_equal_numpy() -> None:
    values = np.array([12.0, 3.5, 7.25, 40.0, 18.0, 9.0, 22.5, 5.0, np.nan, 31.0])
    found = latency_percentiles(values)
    clean = values[~np.isnan(values)]
    for q in (50, 90, 95):
        assert found[f"p{q}"] == np.percentile(clean, q)


def test_wilson_interval_matches_scipy() -> None:
    low, high = wilson_ci(7, 40)
    expected = scipy_stats.binomtest(7, 40).proportion_ci(confidence_level=0.95, method="wilson")
    assert float(low) == pytest.approx(expected.low, abs=1e-9)
    assert float(high) == pytest.approx(expected.high, abs=1e-9)


def test_paired_test_detects_a_shift_and_not_zero_shift() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 1, 80)
    assert paired_test_p_value(noise + 0.8) < 0.001
    assert paired_test_p_value(noise - noise.mean()) > 0.05
    assert paired_test_p_value(np.zeros(10)) == 1.0


def _pair_frame(a: np.ndarray, b: np.ndarray, metric: str) -> pd.DataFrame:
    n = len(a)
    return pd.DataFrame(
        {
            "model": ["a"] * n + ["b"] * n,
            "prompt_id": [f"p{i}" for i in range(n)] * 2,
            "sample": [0] * (2 * n),
            metric: np.concatenate([a, b]),
        }
    )


def test_paired_differences_on_constructed_shift() -> None:
    rng = np.random.default_rng(4)
    base = rng.normal(25, 3, 100)
    df = _pair_frame(base + 1.0 + rng.normal(0, 0.3, 100), base, "clip_score")
    row = paired_differences(df, ["clip_score"]).iloc[0]
    assert row["n_pairs"] == 100
    assert row["mean_diff"] == pytest.approx(1.0, abs=0.1)
    assert row["ci_low"] > 0 and row["p_value"] < 0.001


def test_win_rate_matrix_honours_direction() -> None:
    fast = np.array([10.0, 12.0, 9.0, 11.0, 30.0])
    slow = np.array([20.0, 25.0, 19.0, 22.0, 20.0])
    df = _pair_frame(fast, slow, "latency_s")
    wins = win_rate_matrix(df, "latency_s", "lower")
    assert wins.loc["a", "b"] == pytest.approx(0.8)  # lower latency wins 4 of 5
    assert wins.loc["b", "a"] == pytest.approx(0.2)
    assert np.isnan(wins.loc["a", "a"])
    assert win_rate_matrix(df, "latency_s", "higher").loc["a", "b"] == pytest.approx(0.2)
    ties = win_rate_matrix(_pair_frame(np.ones(4), np.ones(4), "x"), "x", "higher")
    assert ties.loc["a", "b"] == 0.5


def test_rates_costs_and_grouped_means() -> None:
    df = pd.DataFrame(
        {
            "model": ["m"] * 6,
            "category": ["c1", "c1", "c1", "c2", "c2", "c2"],
            "status": ["succeeded", "succeeded", "failed", "rejected", "skipped", "succeeded"],
            "usable": [True, False, False, False, False, True],
            "cost_usd": [1.0, 1.0, 0.5, 0.0, np.nan, 1.0],
            "duration_s": [5.0, 5.0, np.nan, np.nan, np.nan, 10.0],
            "clip_score": [20.0, 30.0, np.nan, np.nan, np.nan, 40.0],
        }
    )
    rates = rate_summary(df).iloc[0]
    assert rates["n_attempted"] == 5 and rates["n_skipped"] == 1
    assert rates["success_rate"] == pytest.approx(3 / 5)
    assert rates["failure_rate"] == pytest.approx(1 / 5)
    assert rates["rejection_rate"] == pytest.approx(1 / 5)
    assert rates["usable_rate"] == pytest.approx(2 / 5)
    cost = cost_summary(df).iloc[0]
    assert cost["cost_per_clip_usd"] == pytest.approx(3.5 / 3)
    assert cost["cost_per_video_second_usd"] == pytest.approx(3.5 / 20)
    assert cost["cost_per_usable_clip_usd"] == pytest.approx(3.5 / 2)
    means = metric_summary(df, ["clip_score"], ("model", "category")).set_index("category")
    assert means.loc["c1", "mean"] == pytest.approx(25.0) and means.loc["c1", "n"] == 2
    assert means.loc["c2", "n"] == 1 and np.isnan(means.loc["c2", "ci_low"])


def _asymmetric() -> pd.DataFrame:
    """Seven jobs: 4 succeeded, 1 failed, 1 errored, 1 skipped — no status holds half the rows,
    and the jobs that did not succeed carry values that must not be counted."""
    return pd.DataFrame(
        {
            "model": ["m"] * 7,
            "status": ["succeeded", "failed", "succeeded", "errored", "succeeded", "skipped"]
            + ["succeeded"],
            "usable": [True, True, False, False, True, True, True],
            "latency_s": [10.0, 500.0, 20.0, 700.0, 30.0, 900.0, 40.0],
            "cost_usd": [1.0, 0.25, 1.0, 0.0, 1.0, np.nan, 1.0],
            "duration_s": [5.0, 50.0, 5.0, 50.0, 5.0, 50.0, 10.0],
        }
    )


def test_status_filters_on_an_asymmetric_fixture() -> None:
    df = _asymmetric()
    rates = rate_summary(df).iloc[0]
    assert (rates["n_jobs"], rates["n_attempted"], rates["n_skipped"]) == (7, 6, 1)
    assert (rates["n_succeeded"], rates["n_failed"], rates["n_usable"]) == (4, 2, 4)
    assert rates["success_rate"] == pytest.approx(4 / 6)
    assert rates["failure_rate"] == pytest.approx(2 / 6)
    assert rates["usable_rate"] == pytest.approx(4 / 6)  # the skipped row's True is not counted
    expected = scipy_stats.binomtest(4, 6).proportion_ci(0.95, method="wilson")
    assert (rates["usable_rate_low"], rates["usable_rate_high"]) == pytest.approx(
        (expected.low, expected.high)
    )
    latency = latency_summary(df).iloc[0]
    assert latency["n_latency"] == 4 and latency["latency_mean_s"] == pytest.approx(25.0)
    assert latency["latency_p50_s"] == pytest.approx(25.0)
    assert latency["latency_p95_s"] == pytest.approx(np.percentile([10, 20, 30, 40], 95))
    cost = cost_summary(df).iloc[0]
    assert cost["total_cost_usd"] == pytest.approx(4.25)  # a charged failure counts
    assert cost["cost_per_clip_usd"] == pytest.approx(4.25 / 4)
    assert cost["cost_per_video_second_usd"] == pytest.approx(4.25 / 25)
    assert cost["cost_per_usable_clip_usd"] == pytest.approx(4.25 / 3)  # usable and succeeded


def test_metric_summary_reports_the_interval_it_used() -> None:
    df = pd.DataFrame(
        {
            "model": ["a"] * 12 + ["b"] * 3,
            "conformance": [1.0] * 10 + [0.0, 1.0] + [1.0, 1.0, 1.0],
            "clip_score": list(np.linspace(20, 31, 12)) + [25.0, 26.0, 28.0],
        }
    )
    out = metric_summary(df, ["conformance", "clip_score"]).set_index(["model", "metric"])
    assert out.loc[("a", "conformance"), "interval"] == "Wilson"
    assert out.loc[("a", "clip_score"), "interval"] == "studentized bootstrap"
    assert out.loc[("b", "clip_score"), "interval"] == "t"
    low, high = wilson_ci(3, 3)
    assert out.loc[("b", "conformance"), "ci_low"] == pytest.approx(float(low))
    assert out.loc[("b", "conformance"), "ci_high"] == pytest.approx(float(high))
    ref = scipy_stats.t.interval(0.95, 2, loc=79 / 3, scale=scipy_stats.sem([25, 26, 28]))
    assert (out.loc[("b", "clip_score"), "ci_low"], out.loc[("b", "clip_score"), "ci_high"]) == (
        pytest.approx(ref)
    )


def _sign_flip_p_value(diffs: np.ndarray) -> float:
    """The signed-rank permutation p-value by listing every sign pattern (zeros dropped,
    tied ranks averaged): the definition, written out, for sizes where scipy's permutation
    test takes seconds per call."""
    nonzero = diffs[diffs != 0]
    ranks = scipy_stats.rankdata(np.abs(nonzero))
    observed = ranks[nonzero > 0].sum()
    signs = np.array(list(itertools.product((0.0, 1.0), repeat=len(nonzero))))
    totals = signs @ ranks
    low, high = np.mean(totals <= observed + 1e-9), np.mean(totals >= observed - 1e-9)
    return float(min(1.0, 2 * min(low, high)))


def test_the_exact_signed_rank_p_value_matches_scipy_with_ties_and_zeros() -> None:
    """The vectorised enumeration gives scipy's permutation p-value (its reference) on
    differences with ties and zeros, n = 2..10, and the written-out sign-flip definition —
    itself checked against scipy there — at n = 11..13 (scipy needs ~1 s a call at 13),
    and on the edge where all signs agree."""
    from vidbench.reports.pairwise import exact_signed_rank_p_value

    rng = np.random.default_rng(7)
    checked = 0
    for n in range(2, 14):
        for _ in range(12):
            diffs = rng.integers(-3, 4, size=n).astype(np.float64) * 0.05
            if not np.any(diffs != 0):
                continue
            expected = _sign_flip_p_value(diffs)
            if n <= 10:
                scipy_p = scipy_stats.wilcoxon(diffs, zero_method="wilcox").pvalue
                assert expected == pytest.approx(scipy_p, abs=1e-12), diffs
            assert paired_test_p_value(diffs) == pytest.approx(expected, abs=1e-12), diffs
            assert exact_signed_rank_p_value(diffs) == pytest.approx(expected, abs=1e-12)
            checked += 1
    assert checked > 100
    ones = np.array([0.1, 0.1, 0.2, 0.0, 0.3])  # ties, a zero, every sign positive
    assert exact_signed_rank_p_value(ones) == pytest.approx(
        scipy_stats.wilcoxon(ones, zero_method="wilcox").pvalue, abs=1e-12
    )
    assert exact_signed_rank_p_value(ones) == pytest.approx(2 / 16)
