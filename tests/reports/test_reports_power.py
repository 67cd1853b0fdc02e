"""Power of the compare tests: exact floors against scipy, detectable changes by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from vidbench.reports.power import (
    can_detect,
    detectable_mean_change,
    detectable_median_change,
    detectable_rate_change,
    min_observations,
    pairs_needed_mean,
    pairs_needed_rate,
    samples_per_prompt,
    signed_rank_shift,
    smallest_p_value,
)
from vidbench.reports.power_exact import mcnemar_detectable, mcnemar_power, signed_rank_factor
from vidbench.reports.power_table import (
    SIGNED_RANK_TABLE,
    TABLE_DRAWS,
    TABLE_MAX_PAIRS,
    TABLE_SEED,
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


def test_detectable_mean_change_has_80_percent_power_for_6_to_50_pairs() -> None:
    # scipy's own test (exact without ties up to 25, its normal approximation beyond) on
    # normal differences at the stated change: the power the table promises. The paired t
    # formula with efficiency 3/π gave .62 at n = 6 (1.46 sd; it takes 1.79).
    rng = np.random.default_rng(0)
    for n in (6, 7, 8, 10, 13, 16, 20, 25, 26, 30, 40, 50):
        change = detectable_mean_change(1.0, n)
        method = "exact" if n <= 25 else "approx"
        p = scipy_stats.wilcoxon(rng.normal(change, 1.0, (2000, n)), axis=1, method=method).pvalue
        assert 0.75 <= np.mean(p < 0.05) <= 0.85, n
    assert detectable_mean_change(1.0, 6) == pytest.approx(1.79, abs=0.01)
    assert detectable_mean_change(2.0, 20) == pytest.approx(2 * detectable_mean_change(1.0, 20))


def test_beyond_the_table_the_formula_meets_its_last_entry() -> None:
    last = detectable_mean_change(1.0, TABLE_MAX_PAIRS)
    beyond = detectable_mean_change(1.0, TABLE_MAX_PAIRS + 1)
    assert beyond < last and beyond == pytest.approx(last, rel=0.02)
    rng = np.random.default_rng(5)
    for n in (80, 150):
        change = detectable_mean_change(1.0, n)
        p = scipy_stats.wilcoxon(rng.normal(change, 1.0, (2000, n)), axis=1).pvalue
        assert 0.75 <= np.mean(p < 0.05) <= 0.85, n


def test_the_table_is_what_its_seeded_simulation_gives() -> None:
    for n in (6, 11):
        simulated = signed_rank_factor(n, 0.05, 0.8, TABLE_DRAWS, TABLE_SEED)
        assert SIGNED_RANK_TABLE[n] == pytest.approx(math.ceil(simulated * 1e4) / 1e4)
    # Other settings are simulated on demand, not read from the .05 table.
    assert signed_rank_shift(10, alpha=0.01) > signed_rank_shift(10) * 1.2


def _mcnemar_simulated_power(n: int, discordant: float, change: float, draws: int) -> float:
    rng = np.random.default_rng(n)
    psi = max(
        discordant, change
    )  # as the power is stated: the discordant share is at least the change
    worse, better = (psi + change) / 2, (psi - change) / 2
    draw = rng.random((draws, n))
    b = (draw < worse).sum(axis=1)
    c = ((draw >= worse) & (draw < worse + better)).sum(axis=1)
    p = np.minimum(1.0, 2 * scipy_stats.binom.cdf(np.minimum(b, c), b + c, 0.5))
    return float(np.mean((b + c > 0) & (p < 0.05)))


def test_detectable_rate_change_has_80_percent_power_for_6_to_200_pairs() -> None:
    # Connor's formula gave .67 / .75 / .77 at n = 6 / 10 / 20; the exact power gives .80.
    for n, discordant in ((6, 0.3), (10, 0.3), (20, 0.2), (50, 0.1), (200, 0.1)):
        change = detectable_rate_change(n, discordant)
        assert 0.75 <= _mcnemar_simulated_power(n, discordant, change, 4000) <= 0.85, n
        assert mcnemar_power(n, discordant, change, 0.05) == pytest.approx(0.8, abs=1e-6)
    assert detectable_rate_change(200, 0.1) == pytest.approx(
        mcnemar_detectable(200, 0.1, 0.05, 0.8)
    )
    # Pairs needed at that change give back about n (the power saw-tooths with n).
    change = detectable_rate_change(200, 0.1)
    assert 190 <= pairs_needed_rate(0.1, change) <= 200


def test_pairs_needed_invert_the_detectable_change() -> None:
    needed = pairs_needed_mean(1.0, 0.5)
    assert (
        detectable_mean_change(1.0, int(needed))
        <= 0.5
        < detectable_mean_change(1.0, int(needed) - 1)
    )
    assert pairs_needed_mean(0.0, 0.5) == 6  # no spread: the test's floor
    assert math.isnan(pairs_needed_mean(1.0, 0.0)) and math.isnan(pairs_needed_mean(np.nan, 1))
    assert pairs_needed_rate(0.0, 1.0) == 6
    far = pairs_needed_mean(1.0, 0.01)
    assert (
        detectable_mean_change(1.0, int(far)) <= 0.01 < detectable_mean_change(1.0, int(far * 0.97))
    )
    assert samples_per_prompt(35, 10) == 4 and samples_per_prompt(35, 35) == 1
    assert math.isnan(samples_per_prompt(math.nan, 10))


def test_can_detect_counts_the_pairs_that_changed() -> None:
    assert can_detect("Wilcoxon signed-rank", 20, 6)
    assert not can_detect("Wilcoxon signed-rank", 20, 4)  # 4 moved: p ≥ 2/16 whatever they did
    assert not can_detect("exact McNemar", 20, 5)
    assert can_detect("exact McNemar", 20, 0)  # nothing changed on 20 pairs: conclusive
    assert not can_detect("exact McNemar", 5, 0)  # below the floor of pairs


def test_detectable_median_change_scales_the_bootstrap_spread() -> None:
    resampled = np.random.default_rng(3).normal(0, 2.0, 4000)
    z = scipy_stats.norm.ppf(0.975) + scipy_stats.norm.ppf(0.8)
    expected = z * np.std(resampled, ddof=1)
    assert detectable_median_change(resampled, 30, 30) == pytest.approx(expected)
