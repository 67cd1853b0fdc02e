"""Baseline vs candidate: what got worse, with statistical confidence.

Jobs are matched on (model, prompt_id, sample). For every model and metric the candidate's
paired difference from the baseline (candidate − baseline) gets a 95% bootstrap CI and a
p-value:

- scorer metrics and cost_usd: mean of paired differences, Wilcoxon signed-rank test;
- failure, rejection and usable rates: paired 0/1 outcomes on jobs attempted in both runs,
  exact McNemar test (binomial test on the discordant pairs);
- latency p50: difference of medians over delivered clips (the runs are resampled
  independently: latency is a property of the provider at run time, not of the prompt),
  Mann-Whitney U test.

A **regression** is a change in the metric's bad direction that is significant (p < alpha
and the CI excludes 0) and larger than its threshold. Default thresholds
(`DEFAULT_THRESHOLDS`): 2 percentage points for failure and rejection rates, 3 for the
usable rate; 10% of the baseline for latency p50; a scorer metric's declared
`regression_threshold` (absolute: 3 points for conformance and face identity/presence,
0.002 for flicker — see each scorer's outputs); and `threshold` (default 2%) of the baseline
mean for every other metric. Pass `thresholds` to override any of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from reports.analysis import JOB_METRICS
from reports.data import (
    FAILED_STATUSES,
    NOT_ATTEMPTED,
    RunData,
    declared_regression_thresholds,
    load_run,
)
from reports.intervals import (
    CONFIDENCE,
    N_RESAMPLES,
    SEED,
    bootstrap_column_means,
    bootstrap_resample_counts,
    percentile_interval,
)
from reports.pairwise import paired_test_p_value

MATCH_KEYS = ["model", "prompt_id", "sample"]
RATE_METRICS = {"failure_rate": "lower", "rejection_rate": "lower", "usable_rate": "higher"}


@dataclass(frozen=True)
class Threshold:
    """The smallest change that counts: `absolute` in the metric's units, or `relative` to the baseline."""

    kind: str  # "absolute" | "relative"
    value: float

    def absolute_for(self, baseline: float) -> float:
        """The threshold in the metric's own units."""
        return self.value if self.kind == "absolute" else self.value * abs(baseline)


DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    "failure_rate": Threshold("absolute", 0.02),
    "rejection_rate": Threshold("absolute", 0.02),
    "usable_rate": Threshold("absolute", 0.03),
    "latency_p50_s": Threshold("relative", 0.10),
}


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


@dataclass
class CompareResult:
    """Everything compare found, and where it wrote compare.html / compare.md."""

    baseline: str
    candidate: str
    comparisons: list[Comparison]
    paths: list[Path] = field(default_factory=list)
    alpha: float = 0.05

    @property
    def regressions(self) -> list[Comparison]:
        """The comparisons flagged as regressions."""
        return [c for c in self.comparisons if c.regression]

    @property
    def improvements(self) -> list[Comparison]:
        """Significant changes beyond the threshold in the good direction."""
        return [c for c in self.comparisons if c.improvement]

    def table(self) -> pd.DataFrame:
        """All comparisons as a DataFrame."""
        return pd.DataFrame([asdict(c) for c in self.comparisons])


def _judge(
    model: str,
    metric: str,
    kind: str,
    direction: str,
    base: float,
    cand: float,
    diff: float,
    bounds: tuple[float, float],
    p_value: float,
    n: int,
    test: str,
    threshold: Threshold,
    alpha: float,
) -> Comparison:
    low, high = bounds
    excludes_zero = bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))
    significant = bool(np.isfinite(p_value) and p_value < alpha and excludes_zero)
    limit = threshold.absolute_for(base) if np.isfinite(base) else np.inf
    beyond = bool(np.isfinite(diff) and abs(diff) > limit)
    worse = (diff < 0) if direction == "higher" else (diff > 0)
    return Comparison(
        model,
        metric,
        kind,
        direction,
        float(base),
        float(cand),
        float(diff),
        float(low),
        float(high),
        float(p_value),
        int(n),
        float(limit),
        test,
        significant,
        regression=significant and beyond and bool(worse),
        improvement=significant and beyond and not bool(worse),
    )


def _mcnemar_p(base: np.ndarray, cand: np.ndarray) -> float:
    only_base = int(np.sum(base & ~cand))
    only_cand = int(np.sum(cand & ~base))
    if only_base + only_cand == 0:
        return 1.0
    return float(scipy_stats.binomtest(only_cand, only_base + only_cand, 0.5).pvalue)


def _outcomes(df: pd.DataFrame) -> pd.DataFrame:
    status = df["status"].astype(str)
    usable = (
        df["usable"].astype("object").fillna(False).astype(bool) if "usable" in df.columns else None
    )
    out = df[MATCH_KEYS].copy()
    out["attempted"] = ~status.isin(NOT_ATTEMPTED)
    out["failure_rate"] = status.isin(FAILED_STATUSES)
    out["rejection_rate"] = status == "rejected"
    if usable is not None and df["usable"].notna().any():
        out["usable_rate"] = usable
    return out


def _median_difference_ci(
    base: np.ndarray, cand: np.ndarray, confidence: float, n_resamples: int, seed: int
) -> tuple[float, float]:
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
    return float(low[0]), float(high[0])


def compare_frames(
    base_df: pd.DataFrame,
    cand_df: pd.DataFrame,
    directions: Mapping[str, str],
    metrics: list[str],
    threshold: float = 0.02,
    alpha: float = 0.05,
    thresholds: Mapping[str, Threshold] | None = None,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> list[Comparison]:
    """Every model × metric comparison between two results tables (see the module docstring)."""
    declared = {m: Threshold("absolute", v) for m, v in declared_regression_thresholds().items()}
    limits = {**DEFAULT_THRESHOLDS, **declared, **(thresholds or {})}
    default = Threshold("relative", threshold)
    out: list[Comparison] = []
    models = sorted(set(base_df["model"]) & set(cand_df["model"]))
    metrics = [
        m
        for m in metrics
        if directions.get(m) in ("higher", "lower") and m in base_df and m in cand_df
    ]
    base_out, cand_out = _outcomes(base_df), _outcomes(cand_df)
    for model in models:
        base_m, cand_m = base_df[base_df["model"] == model], cand_df[cand_df["model"] == model]
        for metric in metrics:
            pair = base_m[[*MATCH_KEYS, metric]].merge(
                cand_m[[*MATCH_KEYS, metric]], on=MATCH_KEYS, suffixes=("_b", "_c")
            )
            for column in (f"{metric}_b", f"{metric}_c"):
                # Boolean metrics (conformance, decodable, …) compare as 0/1.
                numeric = pd.to_numeric(pair[column], errors="coerce")
                pair[column] = pd.array(numeric, dtype="Float64").to_numpy(
                    dtype=float, na_value=np.nan
                )
            pair = pair.dropna(subset=[f"{metric}_b", f"{metric}_c"])
            if len(pair) < 2:
                continue
            diffs = (pair[f"{metric}_c"] - pair[f"{metric}_b"]).to_numpy(dtype=float)
            bounds = percentile_interval(
                bootstrap_column_means(diffs, n_resamples, seed), confidence
            )
            out.append(
                _judge(
                    model,
                    metric,
                    "mean",
                    directions[metric],
                    pair[f"{metric}_b"].mean(),
                    pair[f"{metric}_c"].mean(),
                    float(diffs.mean()),
                    (bounds[0][0], bounds[1][0]),
                    paired_test_p_value(diffs),
                    len(pair),
                    "Wilcoxon signed-rank",
                    limits.get(metric, default),
                    alpha,
                )
            )
        pair = base_out[base_out["model"] == model].merge(
            cand_out[cand_out["model"] == model], on=MATCH_KEYS, suffixes=("_b", "_c")
        )
        pair = pair[pair["attempted_b"] & pair["attempted_c"]]
        for metric, direction in RATE_METRICS.items():
            if f"{metric}_b" not in pair or f"{metric}_c" not in pair or len(pair) < 2:
                continue
            base_flags = pair[f"{metric}_b"].to_numpy(dtype=bool)
            cand_flags = pair[f"{metric}_c"].to_numpy(dtype=bool)
            diffs = cand_flags.astype(float) - base_flags.astype(float)
            bounds = percentile_interval(
                bootstrap_column_means(diffs, n_resamples, seed), confidence
            )
            out.append(
                _judge(
                    model,
                    metric,
                    "rate",
                    direction,
                    base_flags.mean(),
                    cand_flags.mean(),
                    float(diffs.mean()),
                    (bounds[0][0], bounds[1][0]),
                    _mcnemar_p(base_flags, cand_flags),
                    len(pair),
                    "exact McNemar",
                    limits.get(metric, default),
                    alpha,
                )
            )
        base_lat = (
            base_m.loc[base_m["status"] == "succeeded", "latency_s"].dropna().to_numpy(dtype=float)
        )
        cand_lat = (
            cand_m.loc[cand_m["status"] == "succeeded", "latency_s"].dropna().to_numpy(dtype=float)
        )
        if base_lat.size >= 2 and cand_lat.size >= 2:
            base_p50, cand_p50 = float(np.median(base_lat)), float(np.median(cand_lat))
            p_value = float(
                scipy_stats.mannwhitneyu(cand_lat, base_lat, alternative="two-sided").pvalue
            )
            out.append(
                _judge(
                    model,
                    "latency_p50_s",
                    "p50",
                    "lower",
                    base_p50,
                    cand_p50,
                    cand_p50 - base_p50,
                    _median_difference_ci(base_lat, cand_lat, confidence, n_resamples, seed),
                    p_value,
                    min(base_lat.size, cand_lat.size),
                    "Mann-Whitney U",
                    limits.get("latency_p50_s", default),
                    alpha,
                )
            )
    return out


def default_out_dir(baseline: RunData, candidate_dir: Path) -> Path:
    """`<candidate>/compare-<baseline run name>/` with the name made filesystem-safe."""
    safe = (
        re.sub(r"[^A-Za-z0-9._-]+", "_", baseline.path.resolve().name or baseline.name).strip("._")
        or "baseline"
    )
    return candidate_dir / f"compare-{safe}"


def compare_runs(
    baseline: Path,
    candidate: Path,
    out_dir: Path | None = None,
    threshold: float = 0.02,
    alpha: float = 0.05,
    thresholds: Mapping[str, Threshold] | None = None,
) -> CompareResult:
    """Compare two run directories, write compare.html and compare.md, return what was found."""
    from reports.compare_report import write_compare_reports

    base_run, cand_run = load_run(baseline), load_run(candidate)
    directions = {**base_run.directions, **cand_run.directions}
    metrics = list(
        dict.fromkeys([*base_run.metrics, *[m for m in JOB_METRICS if m != "latency_s"]])
    )
    comparisons = compare_frames(
        base_run.results, cand_run.results, directions, metrics, threshold, alpha, thresholds
    )
    result = CompareResult(base_run.name, cand_run.name, comparisons, alpha=alpha)
    target = Path(out_dir) if out_dir is not None else default_out_dir(base_run, Path(candidate))
    target.mkdir(parents=True, exist_ok=True)
    result.paths = write_compare_reports(result, base_run, cand_run, target)
    return result
