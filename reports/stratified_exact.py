"""The exact stratified test of two windows of 0/1 outcomes: McNemar's test, for windows.

Per stratum i (a prompt × sample), the baseline window holds `before_n[i]` outcomes of which
`before_k[i]` are 1 and the candidate window `after_n[i]` with `after_k[i]`. Under no change
each stratum's ones are spread over its outcomes at random, so given its total ones the
candidate's count is hypergeometric; the statistic is the candidate's ones summed over the
strata, and its exact null distribution is the convolution of the strata's hypergeometric
distributions (the exact conditional test of the Cochran–Mantel–Haenszel setting). With one
run on each side a stratum carries information only when it is discordant, and each such
stratum is then 1 on the candidate side with probability ½: the test is exactly the exact
McNemar test `compare` uses. Two-sided p: 2 · min(P(S ≤ s), P(S ≥ s)), at most 1, as the
signed-rank test's.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def _hypergeometric_rows(total: np.ndarray, ones: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """P(x ones among `drawn` of `total` outcomes holding `ones` ones), x = 0 … max drawn."""
    x = np.arange(int(drawn.max()) + 1)[None, :]
    total, ones, drawn = total[:, None], ones[:, None], drawn[:, None]
    possible = (x <= drawn) & (x <= ones) & (drawn - x <= total - ones)
    with np.errstate(invalid="ignore"):
        log_p = (
            _log_choose(ones, np.where(possible, x, 0))
            + _log_choose(total - ones, np.where(possible, drawn - x, 0))
            - _log_choose(total, drawn)
        )
    return np.where(possible, np.exp(log_p), 0.0)


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return np.asarray(special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1))


def stratified_exact_p_value(
    before_k: np.ndarray, before_n: np.ndarray, after_k: np.ndarray, after_n: np.ndarray
) -> float:
    """Two-sided exact p-value of a change between the windows (module docstring); 1.0 when
    no stratum has both outcomes."""
    before_k, before_n = np.asarray(before_k, float), np.asarray(before_n, float)
    after_k, after_n = np.asarray(after_k, float), np.asarray(after_n, float)
    ones = before_k + after_k
    total = before_n + after_n
    informative = (before_n > 0) & (after_n > 0) & (ones > 0) & (ones < total)
    if not informative.any():
        return 1.0
    rows = _hypergeometric_rows(total[informative], ones[informative], after_n[informative])
    distribution = np.ones(1)
    for row in rows:
        distribution = np.convolve(distribution, row)
    observed = int(round(float(after_k[informative].sum())))
    at_most = float(distribution[: observed + 1].sum())
    at_least = float(distribution[observed:].sum())
    return float(min(1.0, 2.0 * min(at_most, at_least)))
