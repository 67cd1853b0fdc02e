"""Power of the compare tests: exact floors against scipy, detectable changes by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from vidbench.reports.power import (
    detectable_mean_change,
    detectable_median_change,
    detectable_rate_change,
    min_observations,
    pairs_needed_mean,
    pairs_needed_rate,
    samples_per_prompt,
    smallest_p_value,
)


def test_exact_floors_match_the_tests_themselves() -> None:
    for n in range(1, 9):
        same_sign = np.arange(1.0, n + 1)  # the most extreme data n pairs can show
        p = scipy_stats.wilcoxon(same_sign, method="exact").pvalue if n > 1 else 1.0
        assert smallest_p_value("Wilcoxon signed-rank", n) == pytest.approx(p)
        assert smallest_p_value("exact McNemar", n) == pytest.approx(
            scipy_stats.binomtest(n, n, 0.5).pvalue
        )
    for n, m in ((3, 3), (4, 4), (3, 5), (2, 9)):
        separated = scipy_stats.mannwhitneyu(
            np.arange(n) + 100.0, np.arange(m, dtype=float), method="exact"
        ).pvalue
        assert smallest_p_value("Mann-Whitney U", n, m) == pytest.approx(separated)
    assert min_observations("Wilcoxon signed-rank") == 6
    assert min_observations("exact McNemar") == 6
    assert min_observations("Mann-Whitney U") == 4
    assert min_observations("Wilcoxon signed-rank", alpha=0.01) == 8


def test_below_the_floor_nothing_is_detectable() -> None:
    assert detectable_mean_change(1.0, 5) == math.inf
    assert detectable_rate_change(5, 0.5) == math.inf
    assert detectable_median_change(np.array([1.0, 2.0, 3.0]), 3, 3) == math.inf
    assert math.isfinite(detectable_mean_change(1.0, 6))
    assert math.isfinite(detectable_median_change(np.array([1.0, 2.0, 3.0]), 4, 4))


def test_detectable_mean_change_has_80_percent_power() -> None:
    rng = np.random.default_rng(0)
    for n in (10, 30):
        change = detectable_mean_change(1.0, n)
        hits = [scipy_stats.wilcoxon(rng.normal(change, 1.0, n)).pvalue < 0.05 for _ in range(500)]
        assert 0.72 <= np.mean(hits) <= 0.88
    # Closed form at n = 20: (t.975 + t.80 on 19 df) · sd / √(20 · 3/π).
    expected = (scipy_stats.t.ppf(0.975, 19) + scipy_stats.t.ppf(0.8, 19)) / math.sqrt(
        20 * 3 / math.pi
    )
    assert detectable_mean_change(1.0, 20) == pytest.approx(expected)
    assert detectable_mean_change(2.0, 20) == pytest.approx(2 * expected)


def test_detectable_rate_change_has_80_percent_power() -> None:
    rng = np.random.default_rng(1)
    n, discordant = 200, 0.1
    change = detectable_rate_change(n, discordant)
    worse, better = (discordant + change) / 2, (discordant - change) / 2
    hits = 0
    for _ in range(500):
        draw = rng.random(n)
        b, c = int((draw < worse).sum()), int(((draw >= worse) & (draw < worse + better)).sum())
        hits += b + c > 0 and scipy_stats.binomtest(b, b + c).pvalue < 0.05
    assert 0.70 <= hits / 500 <= 0.88
    # Connor (1987) at that change gives back n.
    assert pairs_needed_rate(discordant, change) == pytest.approx(n, abs=1)


def test_pairs_needed_invert_the_detectable_change() -> None:
    needed = pairs_needed_mean(1.0, 0.5)
    assert detectable_mean_change(1.0, int(needed)) <= 0.5 < detectable_mean_change(1.0, 34)
    assert needed == 35
    assert pairs_needed_mean(0.0, 0.5) == 6  # no spread: the test's floor
    assert math.isnan(pairs_needed_mean(1.0, 0.0)) and math.isnan(pairs_needed_mean(np.nan, 1))
    assert pairs_needed_rate(0.0, 1.0) == 6
    assert samples_per_prompt(35, 10) == 4 and samples_per_prompt(35, 35) == 1
    assert math.isnan(samples_per_prompt(math.nan, 10))


def test_detectable_median_change_scales_the_bootstrap_spread() -> None:
    resampled = np.random.default_rng(3).normal(0, 2.0, 4000)
    z = scipy_stats.norm.ppf(0.975) + scipy_stats.norm.ppf(0.8)
    expected = z * np.std(resampled, ddof=1)
    assert detectable_median_change(resampled, 30, 30) == pytest.approx(expected)
