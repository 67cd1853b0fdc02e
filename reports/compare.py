"""Baseline vs candidate: what got worse, with statistical confidence.

Jobs are matched on (model, prompt_id, sample). For every model and metric the candidate's
paired difference from the baseline (candidate − baseline) gets a 95% CI and a p-value:

- scorer metrics and cost_usd: mean of paired differences (the mean interval of
  `reports.intervals`), Wilcoxon signed-rank test;
- failure, rejection and usable rates, and 0/1 metrics such as conformance: paired 0/1
  outcomes (on jobs attempted in both runs, for the rates), Newcombe's paired interval and
  the exact McNemar test (binomial test on the discordant pairs);
- latency p50: difference of medians over delivered clips (the runs are resampled
  independently: latency is a property of the provider at run time, not of the prompt),
  percentile bootstrap, Mann-Whitney U test.

Every comparison also states its power (`reports.power`): the smallest change it could
have detected with 80% power, the pairs (and samples per prompt) needed to detect a change
of its threshold, and `can_detect` = False when it has too few pairs for its test ever to
reach p < alpha — then a regression would be invisible, and `compare --fail-on-regression`
says so and exits 2 instead of passing.

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

import pandas as pd

from vidbench.reports.compare_format import fold_note
from vidbench.reports.comparisons import (
    MATCH_KEYS,
    Comparison,
    Threshold,
    latency_comparison,
    metric_pairs,
    paired_comparison,
)
from vidbench.reports.data import (
    FAILED_STATUSES,
    NOT_ATTEMPTED,
    RunData,
    declared_regression_thresholds,
)
from vidbench.reports.gate import Collapse, gate_regressions, is_worse, undetectable_by_model
from vidbench.reports.intervals import CONFIDENCE, N_RESAMPLES, SEED

RATE_METRICS = {"failure_rate": "lower", "rejection_rate": "lower", "usable_rate": "higher"}


DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    "failure_rate": Threshold("absolute", 0.02),
    "rejection_rate": Threshold("absolute", 0.02),
    "usable_rate": Threshold("absolute", 0.03),
    "latency_p50_s": Threshold("relative", 0.10),
}


@dataclass
class CompareResult:
    """Everything compare found, and where it wrote compare.html / compare.md.

    The gate (`reports.gate`): collapses whatever the power, then compare's regressions.
    """

    baseline: str
    candidate: str
    comparisons: list[Comparison]
    paths: list[Path] = field(default_factory=list)
    alpha: float = 0.05
    collapses: list[Collapse] = field(default_factory=list)

    @property
    def regressions(self) -> list[Comparison]:
        """The comparisons flagged as regressions."""
        return gate_regressions(self.comparisons)

    @property
    def improvements(self) -> list[Comparison]:
        """Significant changes beyond the threshold in the good direction."""
        return [c for c in self.comparisons if c.improvement]

    @property
    def undetectable(self) -> list[Comparison]:
        """Comparisons with too few pairs for their test ever to reach p < alpha."""
        return [c for c in self.comparisons if not c.can_detect]

    @property
    def unvouched(self) -> list[Comparison]:
        """Undetectable comparisons that moved the wrong way by more than the threshold: a
        change that would fail the gate with enough pairs. An undetectable metric that held
        or improved is no reason to refuse a verdict (two healthy runs pass)."""
        return [c for c in self.undetectable if is_worse(c) and abs(c.difference) > c.threshold]

    def exit_code(self) -> int:
        """What `--fail-on-regression` exits with: 1 collapse or regression, 2 cannot vouch
        (see `unvouched`), 0."""
        if self.collapses or self.regressions:
            return 1
        return 2 if self.unvouched else 0

    def summary_counts(self) -> str:
        """What was found, counted: collapses, regressions, improvements, undetectable."""
        models = len(undetectable_by_model(self.comparisons))
        return (
            f"{len(self.collapses)} collapse(s), {len(self.regressions)} regression(s), "
            f"{len(self.improvements)} improvement(s), {len(self.undetectable)} of "
            f"{len(self.comparisons)} comparison(s) cannot detect a change"
            + (f" ({models} model(s))" if models else "")
        )

    def summary_line(self) -> str:
        """The first line compare prints."""
        return f"{self.summary_counts()} — {self.candidate} vs baseline {self.baseline}"

    def undetectable_lines(self) -> list[str]:
        """One line per model: the metrics with too few pairs, and what it would take."""
        return [
            f"{model}: {', '.join(c.metric for c in found)} — {fold_note(found, self.alpha)}"
            for model, found in undetectable_by_model(self.comparisons).items()
        ]

    def gate_reason(self) -> str:
        """Why `--fail-on-regression` cannot vouch for this comparison ('' when it can)."""
        if not self.unvouched:
            return ""
        lines = [
            f"cannot detect a regression in {len(self.unvouched)} comparison(s) that moved "
            "for the worse (too few matched pairs; exit 2): "
            + ", ".join(f"{c.model} {c.metric}" for c in self.unvouched)
        ]
        return "\n".join(lines + [f"  - {line}" for line in self.undetectable_lines()])

    def table(self) -> pd.DataFrame:
        """All comparisons as a DataFrame."""
        return pd.DataFrame([asdict(c) for c in self.comparisons])


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
    keep_unpaired: bool = False,
) -> list[Comparison]:
    """Every model × metric comparison between two results tables (see the module docstring).

    With `keep_unpaired`, a metric measured in both runs on fewer than 2 matched jobs is
    listed too (as undetectable) instead of being left out.
    """
    declared = {m: Threshold("absolute", v) for m, v in declared_regression_thresholds().items()}
    limits = {**DEFAULT_THRESHOLDS, **declared, **(thresholds or {})}
    default = Threshold("relative", threshold)
    settings = (confidence, n_resamples, seed)
    least = 0 if keep_unpaired else 2
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
            pair = metric_pairs(base_m, cand_m, metric)
            if pair is not None and len(pair) >= least:
                key = (model, metric, "mean", directions[metric])
                out.append(
                    paired_comparison(key, pair, limits.get(metric, default), alpha, settings)
                )
        outcomes = base_out[base_out["model"] == model].merge(
            cand_out[cand_out["model"] == model], on=MATCH_KEYS, suffixes=("_b", "_c")
        )
        outcomes = outcomes[outcomes["attempted_b"] & outcomes["attempted_c"]]
        for metric, direction in RATE_METRICS.items():
            if f"{metric}_b" not in outcomes or f"{metric}_c" not in outcomes:
                continue
            if len(outcomes) < least or (len(outcomes) == 0 and not keep_unpaired):
                continue
            pair = outcomes[["prompt_id"]].assign(
                b=outcomes[f"{metric}_b"].astype(float), c=outcomes[f"{metric}_c"].astype(float)
            )
            key = (model, metric, "rate", direction)
            out.append(paired_comparison(key, pair, limits.get(metric, default), alpha, settings))
        latency = latency_comparison(
            model, base_m, cand_m, limits.get("latency_p50_s", default), alpha, settings
        )
        if latency is not None:
            out.append(latency)
    return out


def default_out_dir(baseline: RunData, candidate_dir: Path) -> Path:
    """`<candidate>/compare-<baseline run name>/` with the name made filesystem-safe."""
    safe = (
        re.sub(r"[^A-Za-z0-9._-]+", "_", baseline.path.resolve().name or baseline.name).strip("._")
        or "baseline"
    )
    return candidate_dir / f"compare-{safe}"
