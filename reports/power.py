"""What a comparison could have detected: exact floors of the tests and detectable changes.

A two-sided test on too few observations can never reach p < alpha whatever the data: the
signed-rank test and the exact McNemar test need 2 · 0.5^k < alpha (k ≥ 6 at 0.05), where k
counts the pairs that carry information — non-zero differences for the signed-rank test,
discordant pairs for McNemar — and the Mann-Whitney U test needs 2 / C(n + m, n) < alpha
(4 and 4 at 0.05). Above that floor the smallest change detected with the stated power
(default 80%) comes from the test actually used, not from a formula it approximates:

- paired means (Wilcoxon signed-rank, exact up to 25 non-zero differences): by simulation
  of that test on normal differences of the observed sd at the observed n (a table for
  n ≤ TABLE_MAX_PAIRS at alpha .05 and 80% power, seeded; other settings simulated once
  and cached); beyond the table, the paired t formula with the signed-rank test's
  efficiency 3/π (Lehmann 1975), scaled to meet the table's last entry;
- paired 0/1 outcomes (exact McNemar): the exact power of the conditional binomial test,
  summed over the binomial number of discordant pairs (share ψ = max(observed discordant
  share, change)), solved for the change; Connor's (1987) formula only seeds the search
  for pairs needed;
- latency medians of two independent runs: (z(1 − alpha/2) + z(power)) · the bootstrap
  standard error of the median difference (a normal approximation, stated as such).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as scipy_stats

from vidbench.reports.power_exact import mcnemar_detectable, mcnemar_power, signed_rank_factor
from vidbench.reports.power_table import (
    SIGNED_RANK_TABLE,
    TABLE_ALPHA,
    TABLE_MAX_PAIRS,
    TABLE_POWER,
)

POWER = TABLE_POWER
ALPHA = TABLE_ALPHA
SIGNED_RANK_EFFICIENCY = 3.0 / math.pi
MAX_PAIRS = 10_000_000
EXACT_SEARCH_MAX_PAIRS = 5_000  # beyond, Connor's formula (the normal limit) is the answer


def smallest_p_value(test: str, n: int, m: int | None = None) -> float:
    """The smallest two-sided p-value the exact test can give on n (and m) observations."""
    if test == "Mann-Whitney U":
        other = n if m is None else m
        return 2.0 / math.comb(n + other, n) if n > 0 and other > 0 else 1.0
    return min(1.0, 2.0 * 0.5**n) if n > 0 else 1.0


def min_observations(test: str, alpha: float = ALPHA) -> int:
    """Fewest pairs (or clips per run, for Mann-Whitney) with which p < alpha is reachable."""
    n = 1
    while smallest_p_value(test, n) >= alpha:
        n += 1
    return n


def can_detect(test: str, n_pairs: int, changed_pairs: int, alpha: float = ALPHA) -> bool:
    """Whether the paired test could reach p < alpha on these pairs.

    False below the test's floor of pairs, and when only 1 … floor − 1 pairs changed (non-zero
    differences for the signed-rank test, discordant pairs for McNemar): both tests condition
    on the changed pairs, so k of them give at best p = 2 · 0.5^k, however large the change.
    With no pair changed at all the comparison is conclusive on its pairs (nothing moved).
    """
    floor = min_observations(test, alpha)
    return n_pairs >= floor and (changed_pairs == 0 or changed_pairs >= floor)


def _t_formula_factor(n: int, alpha: float, power: float) -> float:
    """(t(1 − alpha/2) + t(power)) / √(n · 3/π): the paired t formula at the ARE 3/π."""
    freedom = n - 1
    factor = scipy_stats.t.ppf(1 - alpha / 2, freedom) + scipy_stats.t.ppf(power, freedom)
    return float(factor / math.sqrt(n * SIGNED_RANK_EFFICIENCY))


def signed_rank_shift(n: int, alpha: float = ALPHA, power: float = POWER) -> float:
    """Shift, in sd of the differences, the signed-rank test detects with `power` on n pairs."""
    if n < min_observations("Wilcoxon signed-rank", alpha):
        return math.inf
    tabled = alpha == TABLE_ALPHA and power == TABLE_POWER
    if n <= TABLE_MAX_PAIRS:
        return SIGNED_RANK_TABLE[n] if tabled else signed_rank_factor(n, alpha, power)
    last = (
        SIGNED_RANK_TABLE[TABLE_MAX_PAIRS]
        if tabled
        else signed_rank_factor(TABLE_MAX_PAIRS, alpha, power)
    )
    # The formula's error shrinks with n: carry its ratio to the simulation at the last entry.
    scale = last / _t_formula_factor(TABLE_MAX_PAIRS, alpha, power)
    return scale * _t_formula_factor(n, alpha, power)


def detectable_mean_change(sd: float, n: int, alpha: float = ALPHA, power: float = POWER) -> float:
    """Smallest mean paired difference the signed-rank test detects with `power` (inf if none)."""
    if n < min_observations("Wilcoxon signed-rank", alpha) or not np.isfinite(sd):
        return math.inf
    return float(signed_rank_shift(n, alpha, power) * sd)


def _mcnemar_pairs(change: float, discordant: float, alpha: float, power: float) -> float:
    """Connor's (1987) pairs for the McNemar test: the search's starting point."""
    psi = max(discordant, change)
    z_alpha, z_power = scipy_stats.norm.ppf(1 - alpha / 2), scipy_stats.norm.ppf(power)
    root = z_alpha * math.sqrt(psi) + z_power * math.sqrt(max(psi - change * change, 0.0))
    return root * root / (change * change)


def detectable_rate_change(
    n: int, discordant: float, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Smallest paired change of a 0/1 rate the exact McNemar test detects with `power`."""
    if n < min_observations("exact McNemar", alpha):
        return math.inf
    share = discordant if np.isfinite(discordant) else 0.0
    return mcnemar_detectable(n, share, alpha, power)


def pairs_needed_mean(
    sd: float, change: float, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Fewest pairs with which the signed-rank test detects a mean change of `change`."""
    if not (np.isfinite(sd) and np.isfinite(change)) or change <= 0:
        return math.nan
    n = min_observations("Wilcoxon signed-rank", alpha)
    if sd == 0:
        return float(n)
    z = scipy_stats.norm.ppf(1 - alpha / 2) + scipy_stats.norm.ppf(power)
    start = math.ceil((z * sd / change) ** 2 / SIGNED_RANK_EFFICIENCY)
    n = max(n, int(0.8 * start)) if start > TABLE_MAX_PAIRS else n  # the formula, less 20%
    while n < MAX_PAIRS and detectable_mean_change(sd, n, alpha, power) > change:
        n += max(1, n // 50)
    return float(min(n, MAX_PAIRS))


def pairs_needed_rate(
    discordant: float, change: float, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Fewest pairs with which the exact McNemar test detects a rate change of `change`."""
    if not np.isfinite(change) or change <= 0 or change > 1:
        return math.nan
    share = discordant if np.isfinite(discordant) else 0.0
    floor = min_observations("exact McNemar", alpha)
    start = math.ceil(_mcnemar_pairs(change, share, alpha, power))
    if start > EXACT_SEARCH_MAX_PAIRS:
        return float(min(start, MAX_PAIRS))
    low = high = max(floor, int(0.7 * start))
    while high < EXACT_SEARCH_MAX_PAIRS and mcnemar_power(high, share, change, alpha) < power:
        low, high = high, high + max(1, high // 20)
    while high - low > 1:  # the power saw-tooths with n: the first crossing, about
        middle = (low + high) // 2
        low, high = (
            (low, middle)
            if mcnemar_power(middle, share, change, alpha) >= power
            else (middle, high)
        )
    return float(high if mcnemar_power(low, share, change, alpha) < power else low)


def detectable_median_change(
    resampled_differences: np.ndarray, n: int, m: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Smallest median change the runs' latency comparison detects, from its bootstrap spread."""
    if smallest_p_value("Mann-Whitney U", n, m) >= alpha:
        return math.inf
    spread = float(np.nanstd(resampled_differences, ddof=1))
    z = scipy_stats.norm.ppf(1 - alpha / 2) + scipy_stats.norm.ppf(power)
    return z * spread


def samples_per_prompt(pairs_needed: float, n_prompts: int) -> float:
    """Samples per prompt that give `pairs_needed` pairs over the same prompts (a lower bound:
    samples of one prompt are correlated, so they are worth less than new prompts)."""
    if not np.isfinite(pairs_needed) or n_prompts <= 0:
        return math.nan
    return float(math.ceil(pairs_needed / n_prompts))
