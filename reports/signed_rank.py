"""The Wilcoxon signed-rank test, exact where the non-zero differences are few.

Zero differences are dropped (Wilcoxon's original procedure) and the test is chosen by the
number k of non-zero differences that remain, not by the number of pairs: with 20 pairs of
which 4 moved, the normal approximation on those 4 gives p = .046 where the exact p is .125.

- k ≤ EXACT_MAX_NONZERO (25): the exact permutation distribution of the positive-rank sum
  under random signs, with tied |d| given their average rank (midranks), by a convolution
  over the ranks (doubled midranks are integers, so the distribution is a count vector of at
  most k(k+1) + 1 entries): exact with ties, as scipy's `permutation_test` would be, without
  its 2^k enumeration.
- k > 25: scipy's normal approximation with its tie correction (zero_method "wilcox").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as scipy_stats

EXACT_MAX_NONZERO = 25


def doubled_ranks(nonzero: np.ndarray) -> np.ndarray:
    """2 × the midranks of |d| (integers: a midrank is a multiple of ½)."""
    ranks = scipy_stats.rankdata(np.abs(nonzero), method="average")
    return np.rint(2 * ranks).astype(np.int64)


def null_counts(ranks_doubled: np.ndarray) -> np.ndarray:
    """counts[s]: sign assignments whose doubled positive-rank sum is s (2^k in all)."""
    total = int(ranks_doubled.sum())
    counts = np.zeros(total + 1, dtype=np.float64)  # 2^25 < 2^53: exact in float64
    counts[0] = 1.0
    reached = 0
    for rank in ranks_doubled.tolist():
        counts[rank : reached + rank + 1] += counts[: reached + 1].copy()
        reached += rank
    return counts


def exact_p_values(statistics_doubled: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Two-sided exact p-values, 2 · min(P(W ≤ w), P(W ≥ w)), of doubled positive-rank sums."""
    probability = counts / counts.sum()
    at_most = np.cumsum(probability)
    at_least = np.cumsum(probability[::-1])[::-1]
    index = np.asarray(statistics_doubled, dtype=np.int64)
    return np.clip(2 * np.minimum(at_most[index], at_least[index]), 0.0, 1.0)


def exact_signed_rank_p_value(diffs: np.ndarray) -> float:
    """Exact two-sided signed-rank p-value of the non-zero differences (midranks for ties)."""
    nonzero = np.asarray(diffs, dtype=np.float64)
    nonzero = nonzero[nonzero != 0]
    if nonzero.size == 0:
        return 1.0
    ranks = doubled_ranks(nonzero)
    observed = int(ranks[nonzero > 0].sum())
    return float(exact_p_values(np.array([observed]), null_counts(ranks))[0])


def signed_rank_method(differences: Sequence[float] | np.ndarray) -> str:
    """'exact' or 'asymptotic': what `signed_rank_p_value` uses for these differences."""
    diffs = np.asarray(differences, dtype=np.float64)
    nonzero = np.count_nonzero(diffs[~np.isnan(diffs)])
    return "exact" if nonzero <= EXACT_MAX_NONZERO else "asymptotic"


def signed_rank_p_value(differences: Sequence[float] | np.ndarray) -> float:
    """Two-sided signed-rank p-value; 1.0 when every difference is zero, NaN if < 2 pairs."""
    diffs = np.asarray(differences, dtype=np.float64)
    diffs = diffs[~np.isnan(diffs)]
    if diffs.size < 2:
        return np.nan
    nonzero = diffs[diffs != 0]
    if nonzero.size == 0:
        return 1.0
    if nonzero.size <= EXACT_MAX_NONZERO:
        return exact_signed_rank_p_value(nonzero)
    found = scipy_stats.wilcoxon(
        nonzero, zero_method="wilcox", alternative="two-sided", method="approx"
    )
    return float(found.pvalue)


def nonzero_count(differences: Sequence[float] | np.ndarray) -> int:
    """Pairs that carry information for the signed-rank test: non-missing, non-zero."""
    diffs = np.asarray(differences, dtype=np.float64)
    return int(np.count_nonzero(diffs[~np.isnan(diffs)]))
