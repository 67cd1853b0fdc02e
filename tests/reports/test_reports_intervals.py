"""Confidence intervals against references: coverage, closed forms and independent bootstraps."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from vidbench.reports.intervals import (
    MIN_STUDENTIZED_N,
    bootstrap_mean_ci,
    interval_method,
    mean_intervals,
    paired_difference_ci,
    paired_rate_difference_ci,
    percentile_interval,
    wilson_ci,
)

TRUE_MEANS = {"normal": 3.0, "beta(8,2)": 0.8}


def _samples(name: str, n: int, draws: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if name == "normal":
        return rng.normal(3.0, 2.0, (n, draws))
    return rng.beta(8.0, 2.0, (n, draws))


@pytest.mark.parametrize("name", sorted(TRUE_MEANS))
def test_mean_interval_reaches_its_coverage_at_n_20(name: str) -> None:
    # 1,500 samples of 20 (one column each); the standard error of the coverage is 0.006.
    found = mean_intervals(_samples(name, 20, 1500, seed=1), seed=1)
    covered = (found.low <= TRUE_MEANS[name]) & (TRUE_MEANS[name] <= found.high)
    assert set(found.method) == {"studentized bootstrap"}
    assert 0.94 <= covered.mean() <= 0.965


def _reference_studentized(values: np.ndarray, resamples: int, seed: int) -> tuple[float, float]:
    """Bootstrap-t written out plainly (Efron & Tibshirani 1993, §12.5), one resample at a time."""
    rng = np.random.default_rng(seed)
    n, mean = values.size, values.mean()
    se = values.std(ddof=1) / np.sqrt(n)
    pivots = []
    for _ in range(resamples):
        drawn = values[rng.integers(0, n, n)]
        pivots.append((drawn.mean() - mean) / (drawn.std(ddof=1) / np.sqrt(n)))
    low_q, high_q = np.quantile(pivots, [0.025, 0.975])
    return mean - high_q * se, mean - low_q * se


def test_studentized_bounds_match_an_independent_bootstrap_and_are_skewed() -> None:
    values = np.random.default_rng(5).exponential(1.0, 30)
    mean, low, high = bootstrap_mean_ci(values, n_resamples=20_000, seed=3)
    ref_low, ref_high = _reference_studentized(values, 20_000, seed=99)
    se = values.std(ddof=1) / np.sqrt(values.size)
    assert mean == pytest.approx(values.mean())
    assert low == pytest.approx(ref_low, abs=0.06 * se)
    assert high == pytest.approx(ref_high, abs=0.06 * se)
    # Skewed data: the upper arm is longer, which mean ± 2·SE (symmetric) cannot reproduce.
    assert high - mean > 1.15 * (mean - low)
    assert high - mean > 2.2 * se  # mean + 2·SE would be 2.0


def test_small_samples_get_student_t_exactly() -> None:
    values = np.array([0.91, 0.97, 0.88, 0.95, 0.99, 0.93])
    mean, low, high = bootstrap_mean_ci(values)
    ref = scipy_stats.t.interval(
        0.95, values.size - 1, loc=values.mean(), scale=scipy_stats.sem(values)
    )
    assert (mean, low, high) == pytest.approx((values.mean(), *ref), abs=1e-12)
    ninety = bootstrap_mean_ci(values, confidence=0.90)
    ref90 = scipy_stats.t.interval(
        0.90, values.size - 1, loc=values.mean(), scale=scipy_stats.sem(values)
    )
    assert ninety[1:] == pytest.approx(ref90, abs=1e-12)


def test_the_interval_is_chosen_by_kind_and_n() -> None:
    assert interval_method(1, 1.0, False) == "none (n < 2)"
    assert interval_method(2, 1.0, False) == "t"
    assert interval_method(MIN_STUDENTIZED_N - 1, 1.0, False) == "t"
    assert interval_method(MIN_STUDENTIZED_N, 1.0, False) == "studentized bootstrap"
    assert interval_method(50, 0.0, False) == "none (no spread)"
    assert interval_method(50, 0.0, True) == "Wilson"
    assert interval_method(2, 0.5, True) == "Wilson"
    assert MIN_STUDENTIZED_N == 10


def test_boolean_metrics_get_wilson_never_a_zero_width_interval() -> None:
    ten_of_ten = np.ones(10)
    found = mean_intervals(np.column_stack([ten_of_ten, [1, 0, 1, 1, 1, 1, 0, 1, 1, 1]]))
    assert found.method == ["Wilson", "Wilson"]
    z = scipy_stats.norm.ppf(0.975)
    # Closed form for k = n: the lower Wilson bound is n / (n + z²).
    assert found.low[0] == pytest.approx(10 / (10 + z * z), abs=1e-12)
    assert found.low[0] == pytest.approx(0.7225, abs=1e-4)
    assert found.high[0] == pytest.approx(1.0)
    expected = scipy_stats.binomtest(8, 10).proportion_ci(0.95, method="wilson")
    assert (found.low[1], found.high[1]) == pytest.approx((expected.low, expected.high))
    # Continuous metrics without spread, or with one value, get no interval at all.
    flat = mean_intervals(np.column_stack([np.full(12, 0.97), [0.5] + [np.nan] * 11]))
    assert flat.method == ["none (no spread)", "none (n < 2)"]
    assert np.isnan(flat.low).all() and np.isnan(flat.high).all()
    assert flat.n.tolist() == [12, 1] and flat.mean.tolist() == pytest.approx([0.97, 0.5])


def test_wilson_bounds_match_scipy_over_many_counts() -> None:
    for n in (1, 3, 20, 97):
        for k in range(n + 1):
            low, high = wilson_ci(k, n, confidence=0.9)
            ref = scipy_stats.binomtest(k, n).proportion_ci(0.9, method="wilson")
            assert (float(low), float(high)) == pytest.approx((ref.low, ref.high), abs=1e-12)
    assert np.isnan(wilson_ci(0, 0)[0])


def test_missing_values_are_ignored_per_column() -> None:
    column = np.array([0.2, 0.4, np.nan, 0.9, 0.5, np.nan, 0.3])
    found = mean_intervals(column)
    clean = column[~np.isnan(column)]
    ref = scipy_stats.t.interval(
        0.95, clean.size - 1, loc=clean.mean(), scale=scipy_stats.sem(clean)
    )
    assert found.n[0] == 5 and found.mean[0] == pytest.approx(clean.mean())
    assert (found.low[0], found.high[0]) == pytest.approx(ref)
    assert np.isnan(bootstrap_mean_ci([np.nan, np.nan])[0])


def test_percentile_interval_takes_half_the_tail_on_each_side() -> None:
    resampled = np.arange(1001, dtype=np.float64)[:, None]
    low, high = percentile_interval(resampled, 0.95)
    assert (low[0], high[0]) == pytest.approx((25.0, 975.0))
    low, high = percentile_interval(resampled, 0.90)
    assert (low[0], high[0]) == pytest.approx((50.0, 950.0))


def _reference_newcombe(both: int, only_a: int, only_b: int, neither: int) -> tuple[float, float]:
    """Newcombe (1998) method 10 as written in biostatUZH's confIntPairedProportion (R)."""
    n = both + only_a + only_b + neither
    p1, p2 = (both + only_a) / n, (both + only_b) / n
    ci1 = scipy_stats.binomtest(both + only_a, n).proportion_ci(0.95, method="wilson")
    ci2 = scipy_stats.binomtest(both + only_b, n).proportion_ci(0.95, method="wilson")
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    cross = both * neither - only_a * only_b
    c = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0)
    phi = c / np.sqrt(margins) if margins else 0.0
    d1 = (p1 - ci1.low) ** 2 - 2 * phi * (p1 - ci1.low) * (ci2.high - p2) + (ci2.high - p2) ** 2
    d2 = (p2 - ci2.low) ** 2 - 2 * phi * (p2 - ci2.low) * (ci1.high - p1) + (ci1.high - p1) ** 2
    return p1 - p2 - np.sqrt(d1), p1 - p2 + np.sqrt(d2)


def _flags(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = [1] * both + [1] * only_a + [0] * only_b + [0] * neither
    b = [1] * both + [0] * only_a + [1] * only_b + [0] * neither
    return np.array(a, dtype=bool), np.array(b, dtype=bool)


@pytest.mark.parametrize(
    "table", [(14, 5, 0, 22), (30, 2, 9, 4), (0, 3, 1, 0), (10, 0, 0, 10), (2, 7, 1, 40)]
)
def test_paired_rate_difference_matches_newcombe(table: tuple[int, int, int, int]) -> None:
    first, second = _flags(*table)
    low, high = paired_rate_difference_ci(first, second)
    assert (low, high) == pytest.approx(_reference_newcombe(*table), abs=1e-12)
    assert low < high  # never zero-width, even with no discordant pair
    assert paired_difference_ci(first.astype(float), second.astype(float))[2] == "Newcombe paired"


def test_paired_rate_difference_covers_at_about_95_percent() -> None:
    rng = np.random.default_rng(8)
    covered, draws = 0, 600
    for _ in range(draws):
        latent = rng.random(40)
        first, second = latent < 0.7, (latent + rng.normal(0, 0.15, 40)) < 0.6
        low, high = paired_rate_difference_ci(first, second)
        covered += low <= 0.1 <= high  # true difference of the marginal rates ≈ 0.1
    assert covered / draws >= 0.93


def test_paired_difference_of_continuous_values_is_a_mean_interval() -> None:
    rng = np.random.default_rng(2)
    first = rng.normal(0.95, 0.01, 7)
    second = first - 0.005 + rng.normal(0, 0.002, 7)
    low, high, method = paired_difference_ci(first, second)
    diffs = first - second
    ref = scipy_stats.t.interval(0.95, 6, loc=diffs.mean(), scale=scipy_stats.sem(diffs))
    assert method == "t" and (low, high) == pytest.approx(ref)


def test_a_difference_equal_in_every_pair_is_that_difference_not_unknown() -> None:
    """A flat change (every pair +0.10, e.g. a price change) must stay visible to compare."""
    from vidbench.reports.intervals import paired_difference_ci

    base = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    low, high, method = paired_difference_ci(base + 0.1, base)
    assert (low, high) == pytest.approx((0.1, 0.1)) and method == "all pairs equal"
    low, high, _ = paired_difference_ci(base, base)
    assert (low, high) == (0.0, 0.0)
