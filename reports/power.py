"""What a comparison could have detected: exact floors of the tests and minimum detectable changes.

A two-sided test on too few observations can never reach p < alpha whatever the data: the
signed-rank test and the exact McNemar test need 2 · 0.5^n < alpha (n ≥ 6 at 0.05), and the
Mann-Whitney U test needs 2 / C(n + m, n) < alpha (4 and 4 at 0.05). Above that floor the
smallest change detected with the stated power (default 80%) is:

- paired means (Wilcoxon signed-rank): (t(1 − alpha/2) + t(power)) · sd / √(n · 3/π), the
  paired t formula with the signed-rank test's asymptotic relative efficiency 3/π
  (Lehmann 1975);
- paired 0/1 outcomes (exact McNemar): Connor's (1987) sample size formula
  n = [z(1 − alpha/2) √ψ + z(power) √(ψ − δ²)]² / δ², ψ the discordant share (at least δ),
  solved for δ;
- latency medians of two independent runs: (z(1 − alpha/2) + z(power)) · the bootstrap
  standard error of the median difference.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as scipy_stats

POWER = 0.80
ALPHA = 0.05
SIGNED_RANK_EFFICIENCY = 3.0 / math.pi
MAX_PAIRS = 10_000_000


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


def detectable_mean_change(sd: float, n: int, alpha: float = ALPHA, power: float = POWER) -> float:
    """Smallest mean paired difference the signed-rank test detects with `power` (inf if none)."""
    if n < min_observations("Wilcoxon signed-rank", alpha) or not np.isfinite(sd):
        return math.inf
    freedom = n - 1
    factor = scipy_stats.t.ppf(1 - alpha / 2, freedom) + scipy_stats.t.ppf(power, freedom)
    return float(factor * sd / math.sqrt(n * SIGNED_RANK_EFFICIENCY))


def _mcnemar_pairs(change: float, discordant: float, alpha: float, power: float) -> float:
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
    if _mcnemar_pairs(1.0, share, alpha, power) > n:
        return math.inf
    low, high = 1e-9, 1.0  # pairs needed fall as the change grows: bisect
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (
            (middle, high) if _mcnemar_pairs(middle, share, alpha, power) > n else (low, middle)
        )
    return high


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
    n = max(n, math.ceil((z * sd / change) ** 2 / SIGNED_RANK_EFFICIENCY))
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
    needed = math.ceil(_mcnemar_pairs(change, share, alpha, power))
    return float(min(max(needed, min_observations("exact McNemar", alpha)), MAX_PAIRS))


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
