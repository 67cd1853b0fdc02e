"""Power of the tests `compare` actually runs: the signed-rank test by simulation, exact
McNemar exactly. `reports.power` turns these into detectable changes and pairs needed.

- Signed-rank: normal differences N(shift, 1) on n pairs, the p-value of the test as
  `reports.signed_rank` computes it (exact up to 25 non-zero differences, the normal
  approximation beyond), common random numbers across shifts so the power curve is
  monotone and a bisection finds the shift with the stated power.
- McNemar: with ψ the chance that a pair is discordant and δ the paired change, the number
  of discordant pairs k is Binomial(n, ψ) and the worse-side count given k is
  Binomial(k, (ψ + δ) / 2ψ); the conditional two-sided binomial test rejects at b ≤ c_k or
  b ≥ k − c_k. Summing both gives the exact power, no simulation.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import stats as scipy_stats

from vidbench.reports.signed_rank import EXACT_MAX_NONZERO, exact_p_values, null_counts

SIMULATION_DRAWS = 4_000  # lazily simulated settings (SE of a power ≈ 0.006)
SIMULATION_SEED = 24
BISECTION_STEPS = 30
FLOOR_PAIRS = 6  # below: a two-sided test at .05 on this many pairs never rejects


def _signed_rank_p_values(differences: np.ndarray) -> np.ndarray:
    """Per row: the two-sided signed-rank p-value of continuous (untied, non-zero) data."""
    n = differences.shape[1]
    ranks = np.argsort(np.argsort(np.abs(differences), axis=1), axis=1) + 1
    doubled = 2 * np.sum(ranks * (differences > 0), axis=1)
    if n <= EXACT_MAX_NONZERO:
        return exact_p_values(doubled, null_counts(2 * np.arange(1, n + 1)))
    mean = n * (n + 1) / 4.0
    spread = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    z = (doubled / 2.0 - mean) / spread
    return np.asarray(2 * scipy_stats.norm.sf(np.abs(z)))


def signed_rank_power(
    shift_sd: float,
    n: int,
    alpha: float,
    draws: int = SIMULATION_DRAWS,
    seed: int = SIMULATION_SEED,
) -> float:
    """Simulated power of the signed-rank test for a mean shift of `shift_sd` standard deviations."""
    noise = np.random.default_rng([seed, n]).standard_normal((draws, n))
    return float(np.mean(_signed_rank_p_values(noise + shift_sd) < alpha))


@lru_cache(maxsize=512)
def signed_rank_factor(
    n: int,
    alpha: float,
    power: float,
    draws: int = SIMULATION_DRAWS,
    seed: int = SIMULATION_SEED,
) -> float:
    """The shift (in sd of the differences) the signed-rank test detects with `power` on n pairs."""
    noise = np.random.default_rng([seed, n]).standard_normal((draws, n))
    if np.mean(_signed_rank_p_values(noise + 50.0) < alpha) < power:
        return math.inf
    low, high = 0.0, 1.0
    while np.mean(_signed_rank_p_values(noise + high) < alpha) < power:
        low, high = high, 2 * high
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        hit = np.mean(_signed_rank_p_values(noise + middle) < alpha) >= power
        low, high = (low, middle) if hit else (middle, high)
    return high


@lru_cache(maxsize=64)
def _mcnemar_critical(n: int, alpha: float) -> np.ndarray:
    """c_k for k = 0…n: the largest worse-side count the test rejects at (−1: none), i.e. the
    largest b with 2 · P(B ≤ b) < alpha for B ~ Binomial(k, ½)."""
    ks = np.arange(n + 1)
    critical = scipy_stats.binom.ppf(alpha / 2, ks, 0.5).astype(np.int64) - 1
    # ppf's floating point can land one off where P(B ≤ b) is within rounding of alpha/2.
    too_far = 2 * scipy_stats.binom.cdf(critical, ks, 0.5) >= alpha
    critical[too_far & (critical >= 0)] -= 1
    return np.maximum(critical, -1)


def mcnemar_power(n: int, discordant: float, change: float, alpha: float) -> float:
    """Exact power of the two-sided exact McNemar test on n pairs (ψ = max(discordant, change))."""
    if n <= 0 or not 0 < change <= 1:
        return 0.0
    psi = min(1.0, max(discordant, change))
    ks = np.arange(n + 1)
    critical = _mcnemar_critical(n, alpha)
    better = (psi - change) / (2 * psi)  # a discordant pair's chance of going the other way
    reject = scipy_stats.binom.cdf(critical, ks, better) + scipy_stats.binom.sf(
        ks - critical - 1, ks, better
    )
    reject = np.where(critical >= 0, reject, 0.0)
    return float(np.sum(scipy_stats.binom.pmf(ks, n, psi) * reject))


def mcnemar_detectable(n: int, discordant: float, alpha: float, power: float) -> float:
    """Smallest paired rate change the exact McNemar test detects with `power` (inf if none)."""
    if mcnemar_power(n, discordant, 1.0, alpha) < power:
        return math.inf
    low, high = 0.0, 1.0
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (
            (low, middle)
            if mcnemar_power(n, discordant, middle, alpha) >= power
            else (middle, high)
        )
    return high


TABLE_DRAWS = 20_000


def table_source(max_pairs: int, alpha: float, power: float) -> str:
    """The text of reports/power_table.py: signed-rank factors for n = 6…max_pairs."""
    factors = {
        n: signed_rank_factor(n, alpha, power, TABLE_DRAWS, SIMULATION_SEED)
        for n in range(FLOOR_PAIRS, max_pairs + 1)
    }
    rows = "".join(f"    {n}: {math.ceil(f * 10_000) / 10_000:.4f},\n" for n, f in factors.items())
    return (
        '"""Signed-rank detectable shifts, in sd of the paired differences (generated).\n\n'
        "`python benchmarks/validity.py --write-table` writes this file from\n"
        "`reports.power_exact.signed_rank_factor`: normal differences, "
        f"{TABLE_DRAWS:,} seeded draws per n\n(seed {SIMULATION_SEED}), "
        "common random numbers across shifts, bisection to the stated power.\n"
        '"""\n\n'
        f"TABLE_ALPHA = {alpha}\nTABLE_POWER = {power}\nTABLE_MAX_PAIRS = {max_pairs}\n"
        f"TABLE_DRAWS = {TABLE_DRAWS}\nTABLE_SEED = {SIMULATION_SEED}\n"
        "SIGNED_RANK_TABLE: dict[int, float] = {\n" + rows + "}\n"
    )
