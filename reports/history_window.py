"""Change points with power: each step tested against a pooled window of earlier runs.

One **series** is one model × metric within one configuration group, as a (runs × units)
array: a unit is a job key (prompt, sample), a value is what the job measured (0/1 for the
rates, seconds for latency, tested on their logs), NaN where a run has none. At every step t
(run t of the series, t ≥ 1) one paired test compares, per unit, the mean of the **baseline
window** (the up to `window` = 5 runs before t) with the mean of the **candidate window**,
the up to 5 runs from t on (`CONFIRMED`) — at the newest step that is the newest run alone
(`NEWEST`), what a nightly run can know about itself.

Against the previous run alone one unit's difference has variance 2σ²; against the window
1.2σ² (newest run) and 0.4σ² (5 and 5 runs), so a persistent drop of 3 standard errors of a
single compare is a 3.9 or 6.7 standard-error drop here. The tests: the exact signed-rank
test with midranks (`reports.signed_rank`) on the units' mean differences; for 0/1 values the
exact stratified test (`reports.stratified_exact`), which with one run a side is the exact
McNemar test `compare` uses (the signed-rank test on window means of 0/1 values, tied and
small-sample, gave half the power at 3 SE).

**False discovery rate**: every test of a family — all series and steps (and the caller's
other tests) whose step run falls in one block of `FAMILY_RUNS` (30) consecutive runs of the
history — is Benjamini-Hochberg corrected together; a test whose change is within the
metric's threshold is not computed and counts as p = 1 (still a valid p-value). A
whole-history family would not do: over 1,000 runs × 50 series a single rejection needs
p < 0.05 / 50,000, below what 20 prompts can give (2 / 2^20 = 1.9e-6). A change is flagged
when its adjusted p < alpha and its size exceeds the threshold; consecutive flagged steps
of one series in one direction are one change point, shown at the step with the smallest
adjusted p (then the largest change, then the earliest).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import stats as scipy_stats

from vidbench.reports.comparisons import Threshold
from vidbench.reports.signed_rank import EXACT_MAX_NONZERO, null_counts, signed_rank_p_value
from vidbench.reports.stratified_exact import stratified_exact_p_value

WINDOW_RUNS = 5
FAMILY_RUNS = 30
NEWEST = "newest run vs window"
CONFIRMED = "window vs window"
TEST_NAMES = {
    "binary": "exact stratified test (McNemar's, for windows)",
    "mean": "Wilcoxon signed-rank",
    "log": "Wilcoxon signed-rank on log latency",
}


@dataclass(frozen=True)
class StepTest:
    """One paired test of one series at one step (see the module docstring)."""

    series: int
    step: int  # index (in the series) of the first run on the candidate side
    test: str  # NEWEST | CONFIRMED
    test_kind: str  # "binary" (exact stratified) | "mean" | "log" (signed-rank)
    baseline: float  # mean over matched units of the baseline window's means
    candidate: float  # the same of the candidate side
    difference: float  # candidate − baseline
    ci_low: float  # 95% t interval of the mean unit difference (NaN when not tested)
    ci_high: float
    p_value: float  # 1.0 when screened out by the threshold
    limit: float  # the metric's threshold in the shown units, for this baseline
    n: int  # matched units
    before_runs: int
    after_runs: int


class Windows(NamedTuple):
    """Per step t and unit: sums and counts of the values in runs [t − w, t) and [t, t + w)."""

    before_sum: np.ndarray
    before_n: np.ndarray
    after_sum: np.ndarray
    after_n: np.ndarray

    def means(self) -> tuple[np.ndarray, np.ndarray]:
        """(before, after) means, NaN where a window holds no value."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.before_sum / self.before_n, self.after_sum / self.after_n


def windows(values: np.ndarray, window: int) -> Windows:
    """Each step's baseline and candidate windows of a (runs × units) array (NaN: none)."""
    runs = values.shape[0]
    present = np.isfinite(values)
    zero = np.zeros((1, values.shape[1]))
    sums = np.concatenate([zero, np.cumsum(np.where(present, values, 0.0), axis=0)])
    counts = np.concatenate([zero, np.cumsum(present, axis=0)])
    steps = np.arange(runs)
    low, high = np.maximum(steps - window, 0), np.minimum(steps + window, runs)
    return Windows(
        sums[steps] - sums[low],
        counts[steps] - counts[low],
        sums[high] - sums[steps],
        counts[high] - counts[steps],
    )


@functools.lru_cache(maxsize=64)
def _untied_tails(k: int) -> tuple[np.ndarray, np.ndarray]:
    """P(W ≤ w), P(W ≥ w) by doubled positive-rank sum w, for k untied differences."""
    counts = null_counts(2 * np.arange(1, k + 1, dtype=np.int64))
    probability = counts / counts.sum()
    return np.cumsum(probability), np.cumsum(probability[::-1])[::-1]


def paired_p_value(differences: np.ndarray) -> float:
    """`signed_rank_p_value`, faster for untied differences (their null is cached)."""
    finite = differences[np.isfinite(differences)]
    nonzero = finite[finite != 0]
    if finite.size < 2 or not 0 < nonzero.size <= EXACT_MAX_NONZERO:
        return signed_rank_p_value(finite)
    order = np.argsort(np.abs(nonzero))
    ordered = np.abs(nonzero)[order]
    if np.any(ordered[1:] == ordered[:-1]):  # ties: midranks, their own distribution
        return signed_rank_p_value(finite)
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = np.arange(1, order.size + 1)
    observed = 2 * int(ranks[nonzero > 0].sum())
    at_most, at_least = _untied_tails(int(nonzero.size))
    return float(min(1.0, 2 * min(at_most[observed], at_least[observed])))


@functools.lru_cache(maxsize=256)
def _t_quantile(freedom: int) -> float:
    return float(scipy_stats.t.ppf(0.975, freedom))


def _t_interval(differences: np.ndarray) -> tuple[float, float]:
    n = differences.size
    if n < 2:
        return np.nan, np.nan
    half = _t_quantile(n - 1) * differences.std(ddof=1) / np.sqrt(n)
    mean = float(differences.mean())
    return mean - half, mean + half


def _one_test(
    key: tuple[int, int, str, int, int],
    found: Windows,
    threshold: Threshold,
    kind: str,
) -> StepTest:
    """One step's test (`found`: that step's windows, one row per unit)."""
    series, step, test, before_runs, after_runs = key
    base, cand = found.means()
    matched = np.isfinite(base) & np.isfinite(cand)
    base, cand = base[matched], cand[matched]
    differences = cand - base
    if base.size == 0:
        base_value = cand_value = np.nan
    elif kind == "log":  # latency: shown as the median over units of each side, in seconds
        base_value, cand_value = float(np.exp(np.median(base))), float(np.exp(np.median(cand)))
    else:
        base_value, cand_value = float(base.mean()), float(cand.mean())
    difference = cand_value - base_value
    limit = threshold.absolute_for(base_value) if np.isfinite(base_value) else np.inf
    p_value, low, high = 1.0, np.nan, np.nan
    if matched.sum() >= 2 and abs(difference) > limit:  # else it could never be flagged
        if kind == "binary":
            counts = [np.asarray(part)[matched] for part in found]
            p_value = stratified_exact_p_value(*counts)
        else:
            p_value = paired_p_value(differences)
        low, high = _t_interval(np.exp(cand) - np.exp(base) if kind == "log" else differences)
    p_value = 1.0 if not np.isfinite(p_value) else float(p_value)
    return StepTest(
        series,
        step,
        test,
        kind,
        base_value,
        cand_value,
        difference,
        low,
        high,
        p_value,
        limit,
        int(matched.sum()),
        before_runs,
        after_runs,
    )


def series_tests(
    values: np.ndarray,
    series: int,
    threshold: Threshold,
    window: int = WINDOW_RUNS,
    log: bool = False,
) -> list[StepTest]:
    """One test per step of one series (module docstring); a test whose change is within the
    metric's threshold is not computed and gets p = 1 (it could not be flagged)."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    kind = "binary" if finite.size and bool(np.isin(finite, (0.0, 1.0)).all()) else "mean"
    if log:
        kind = "log"
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(values > 0, np.log(values), np.nan)
    runs = values.shape[0]
    found = windows(values, window)
    out = []
    for step in range(1, runs):
        before_runs = step - max(step - window, 0)
        after_runs = min(step + window, runs) - step
        test = NEWEST if after_runs == 1 else CONFIRMED
        key = (series, step, test, before_runs, after_runs)
        at_step = Windows(*(part[step] for part in found))
        out.append(_one_test(key, at_step, threshold, kind))
    return out


def bh_adjusted(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN counts as 1)."""
    observed = np.asarray(p_values, dtype=np.float64)
    if observed.size == 0:
        return observed
    observed = np.where(np.isfinite(observed), observed, 1.0)
    return np.asarray(scipy_stats.false_discovery_control(observed, method="bh"))


def family_adjusted(p_values: np.ndarray, families: np.ndarray) -> np.ndarray:
    """BH adjusted p-values within each family (an integer label per test)."""
    adjusted = np.ones_like(np.asarray(p_values, dtype=np.float64))
    for family in np.unique(families):
        members = families == family
        adjusted[members] = bh_adjusted(p_values[members])
    return adjusted


def change_points(
    tests: Sequence[StepTest],
    adjusted: np.ndarray,
    alpha: float = 0.05,
) -> list[tuple[StepTest, float]]:
    """(test, adjusted p) of each change point: flagged tests, one per run of consecutive
    flagged steps of a series in one direction (module docstring)."""
    flagged: dict[tuple[int, bool], list[tuple[StepTest, float]]] = {}
    for found, p_adjusted in zip(tests, adjusted, strict=True):
        if p_adjusted < alpha and abs(found.difference) > found.limit:
            flagged.setdefault((found.series, found.difference > 0), []).append(
                (found, float(p_adjusted))
            )
    out = []
    for members in flagged.values():
        members.sort(key=lambda item: item[0].step)
        cluster: list[tuple[StepTest, float]] = []
        for item in members:
            if cluster and item[0].step > cluster[-1][0].step + 1:
                out.append(_best(cluster))
                cluster = []
            cluster.append(item)
        out.append(_best(cluster))
    return sorted(out, key=lambda item: (item[0].series, item[0].step))


def _best(cluster: list[tuple[StepTest, float]]) -> tuple[StepTest, float]:
    return min(cluster, key=lambda item: (item[1], -abs(item[0].difference), item[0].step))
