"""One comparison of a metric between two runs: its test, interval, verdict and power.

`reports.compare` matches the runs' jobs and calls these per model and metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from vidbench.reports.intervals import (
    bootstrap_resample_counts,
    is_binary,
    paired_difference_ci,
    percentile_interval,
)
from vidbench.reports.pairwise import paired_test_p_value
from vidbench.reports.power import (
    can_detect,
    detectable_mean_change,
    detectable_median_change,
    detectable_rate_change,
    pairs_needed_mean,
    pairs_needed_rate,
    samples_per_prompt,
    smallest_p_value,
)

MATCH_KEYS = ["model", "prompt_id", "sample"]


@dataclass(frozen=True)
class Threshold:
    """The smallest change that counts: `absolute` in the metric's units, or `relative` to the baseline."""

    kind: str  # "absolute" | "relative"
    value: float

    def absolute_for(self, baseline: float) -> float:
        """The threshold in the metric's own units."""
        return self.value if self.kind == "absolute" else self.value * abs(baseline)


@dataclass(frozen=True)
class Comparison:
    """One model × metric: baseline and candidate values and the change between them."""

    model: str
    metric: str
    kind: str  # "mean" | "rate" | "p50"
    direction: str
    baseline: float
    candidate: float
    difference: float  # candidate − baseline
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    threshold: float  # absolute, in the metric's units
    test: str
    significant: bool
    regression: bool
    improvement: bool
    detectable: float = (
        math.inf
    )  # smallest change detectable with 80% power (vidbench.reports.power)
    pairs_needed: float = math.nan  # pairs to detect a change of `threshold`
    samples_per_prompt: float = math.nan  # samples per prompt giving those pairs
    can_detect: bool = True  # False: too few pairs for the test ever to reach p < alpha
    changed_pairs: int = -1  # non-zero differences / discordant pairs (-1: not paired)


class Power(NamedTuple):
    """What a comparison could detect: see vidbench.reports.power."""

    detectable: float  # smallest change detected with 80% power, metric units (inf: none)
    pairs_needed: float  # pairs (or clips per run, for latency) to detect the threshold
    samples_per_prompt: float  # the same as samples per prompt over these prompts
    can_detect: bool  # False: no data could have reached p < alpha with this many pairs
    changed_pairs: int = -1  # pairs that differ (paired tests; -1: not a paired test)


@dataclass(frozen=True)
class Measured:
    """One metric of one model measured in both runs."""

    model: str
    metric: str
    kind: str  # "mean" | "rate" | "p50"
    direction: str
    baseline: float
    candidate: float
    bounds: tuple[float, float]  # CI of candidate − baseline
    p_value: float
    n: int
    test: str
    power: Power


def _judge(found: Measured, threshold: Threshold, alpha: float) -> Comparison:
    low, high = found.bounds
    diff = found.candidate - found.baseline
    excludes_zero = bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))
    significant = bool(np.isfinite(found.p_value) and found.p_value < alpha and excludes_zero)
    limit = threshold.absolute_for(found.baseline) if np.isfinite(found.baseline) else np.inf
    beyond = bool(np.isfinite(diff) and abs(diff) > limit)
    worse = (diff < 0) if found.direction == "higher" else (diff > 0)
    return Comparison(
        found.model,
        found.metric,
        found.kind,
        found.direction,
        float(found.baseline),
        float(found.candidate),
        float(diff),
        float(low),
        float(high),
        float(found.p_value),
        int(found.n),
        float(limit),
        found.test,
        significant,
        regression=significant and beyond and bool(worse),
        improvement=significant and beyond and not bool(worse),
        detectable=found.power.detectable,
        pairs_needed=found.power.pairs_needed,
        samples_per_prompt=found.power.samples_per_prompt,
        can_detect=found.power.can_detect,
        changed_pairs=found.power.changed_pairs,
    )


def _mcnemar_p(base: np.ndarray, cand: np.ndarray) -> float:
    only_base = int(np.sum(base & ~cand))
    only_cand = int(np.sum(cand & ~base))
    if only_base + only_cand == 0:
        return 1.0
    return float(scipy_stats.binomtest(only_cand, only_base + only_cand, 0.5).pvalue)


def _median_difference_ci(
    base: np.ndarray, cand: np.ndarray, confidence: float, n_resamples: int, seed: int
) -> tuple[float, float, np.ndarray]:
    rng = np.random.default_rng(seed)
    medians = []
    for values in (base, cand):
        counts = bootstrap_resample_counts(values.size, n_resamples, rng)
        # A weighted median per resample: sort once, cumulative weights cross one half.
        order = np.argsort(values)
        cumulative = np.cumsum(counts[:, order], axis=1)
        index = (cumulative >= values.size / 2.0).argmax(axis=1)
        medians.append(values[order][index])
    low, high = percentile_interval((medians[1] - medians[0])[:, None], confidence)
    return float(low[0]), float(high[0]), medians[1] - medians[0]


def _paired_power(
    base: np.ndarray, cand: np.ndarray, binary: bool, change: float, prompts: int, alpha: float
) -> Power:
    n = base.size
    if binary:
        discordant = float(np.mean(base != cand)) if n else np.nan
        detectable = detectable_rate_change(n, discordant, alpha)
        needed = pairs_needed_rate(discordant, change, alpha)
    else:
        sd = float(np.std(cand - base, ddof=1)) if n >= 2 else np.nan
        detectable = detectable_mean_change(sd, n, alpha)
        needed = pairs_needed_mean(sd, change, alpha)
    test = "exact McNemar" if binary else "Wilcoxon signed-rank"
    changed = int(np.count_nonzero(cand != base))  # non-zero differences / discordant pairs
    return Power(
        detectable,
        needed,
        samples_per_prompt(needed, prompts),
        can_detect(test, n, changed, alpha),
        changed,
    )


def paired_comparison(
    key: tuple[str, str, str, str],
    pair: pd.DataFrame,
    threshold: Threshold,
    alpha: float,
    settings: tuple[float, int, int],
) -> Comparison:
    """A paired comparison (columns `b` and `c`): 0/1 values as rates, others as means."""
    model, metric, kind, direction = key
    base, cand = pair["b"].to_numpy(dtype=float), pair["c"].to_numpy(dtype=float)
    binary = base.size > 0 and is_binary(base) and is_binary(cand)
    if base.size >= 2:
        low, high, _ = paired_difference_ci(cand, base, *settings)
        p_value = _mcnemar_p(base == 1, cand == 1) if binary else paired_test_p_value(cand - base)
    else:
        low = high = p_value = np.nan
    base_mean = float(base.mean()) if base.size else np.nan
    change = threshold.absolute_for(base_mean) if np.isfinite(base_mean) else np.nan
    power = _paired_power(base, cand, binary, change, pair["prompt_id"].nunique(), alpha)
    test = "exact McNemar" if binary else "Wilcoxon signed-rank"
    mean_c = float(cand.mean()) if cand.size else np.nan
    found = Measured(
        model,
        metric,
        kind,
        direction,
        base_mean,
        mean_c,
        (low, high),
        p_value,
        base.size,
        test,
        power,
    )
    return _judge(found, threshold, alpha)


def latency_comparison(
    model: str,
    base_m: pd.DataFrame,
    cand_m: pd.DataFrame,
    threshold: Threshold,
    alpha: float,
    settings: tuple[float, int, int],
) -> Comparison | None:
    """Latency p50 of delivered clips: two independent samples (Mann-Whitney U)."""
    latencies = [
        frame.loc[frame["status"] == "succeeded", "latency_s"].dropna().to_numpy(dtype=float)
        for frame in (base_m, cand_m)
    ]
    base_lat, cand_lat = latencies
    if base_lat.size < 2 or cand_lat.size < 2:
        return None
    base_p50, cand_p50 = float(np.median(base_lat)), float(np.median(cand_lat))
    p_value = float(scipy_stats.mannwhitneyu(cand_lat, base_lat, alternative="two-sided").pvalue)
    low, high, resampled = _median_difference_ci(base_lat, cand_lat, *settings)
    n = min(base_lat.size, cand_lat.size)
    detectable = detectable_median_change(resampled, base_lat.size, cand_lat.size, alpha)
    change = threshold.absolute_for(base_p50)
    # The bootstrap spread of a median difference shrinks as 1/√n.
    needed = float(np.ceil(n * (detectable / change) ** 2)) if np.isfinite(detectable) else np.nan
    prompts = int(cand_m.loc[cand_m["status"] == "succeeded", "prompt_id"].nunique())
    can_detect = smallest_p_value("Mann-Whitney U", base_lat.size, cand_lat.size) < alpha
    power = Power(detectable, needed, samples_per_prompt(needed, prompts), can_detect)
    found = Measured(
        model,
        "latency_p50_s",
        "p50",
        "lower",
        base_p50,
        cand_p50,
        (low, high),
        p_value,
        n,
        "Mann-Whitney U",
        power,
    )
    return _judge(found, threshold, alpha)


def metric_pairs(base_m: pd.DataFrame, cand_m: pd.DataFrame, metric: str) -> pd.DataFrame | None:
    """Matched jobs with the metric in both runs (columns b, c), None if a run has no value."""
    pair = base_m[[*MATCH_KEYS, metric]].merge(
        cand_m[[*MATCH_KEYS, metric]], on=MATCH_KEYS, suffixes=("_b", "_c")
    )
    pair = pair.rename(columns={f"{metric}_b": "b", f"{metric}_c": "c"})
    for column, frame in (("b", base_m), ("c", cand_m)):
        # Boolean metrics (conformance, decodable, …) compare as 0/1.
        if not pd.to_numeric(frame[metric], errors="coerce").notna().any():
            return None
        numeric = pd.to_numeric(pair[column], errors="coerce")
        pair[column] = pd.array(numeric, dtype="Float64").to_numpy(dtype=float, na_value=np.nan)
    return pair.dropna(subset=["b", "c"])
