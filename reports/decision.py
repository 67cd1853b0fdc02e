"""The decision panel: per dimension the best model, whether the runner-up is behind it beyond
noise, and one line that says so.

A dimension's leader and runner-up are compared on matched jobs (same prompt and sample) with
`reports.comparisons.paired_comparison`: the Wilcoxon signed-rank test for scores, latency and
cost, exact McNemar for pass/fail metrics, with the smallest difference that test detects
with 80% power (`reports.power`). Two dimensions have no paired test: latency p95 and cost per
usable clip are compared by a bootstrap of their difference (clips, or prompts, resampled),
the smallest detectable difference from its spread. Only models with a delivered clip take part.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from vidbench.reports.comparisons import Comparison, Threshold, paired_comparison
from vidbench.reports.intervals import CONFIDENCE, SEED, percentile_interval
from vidbench.reports.judge_check import judge_check_verdict, judge_discrimination
from vidbench.reports.pairwise import matched_values
from vidbench.reports.power import ALPHA, detectable_median_change

N_RESAMPLES = 2000


@dataclass(frozen=True)
class Dimension:
    """One row of the panel: which columns measure it (first with values wins) and how."""

    label: str
    metrics: tuple[str, ...]
    direction: str  # "higher" | "lower"
    kind: str  # "mean" | "p50" | "p95" | "cost_per_usable"
    unit: str  # formatting: "num" | "pct" | "s" | "usd"


def dimensions(quality_metric: str) -> list[Dimension]:
    """The panel's rows; prompt following is measured by the ranking metric where it is one."""
    following = tuple(
        dict.fromkeys(
            [m for m in (quality_metric,) if m != "usable_rate"] + ["clip_score", "judge_score"]
        )
    )
    return [
        Dimension("Prompt following", following, "higher", "mean", "num"),
        Dimension(
            "Character consistency",
            ("face_identity", "subject_consistency"),
            "higher",
            "mean",
            "num",
        ),
        Dimension("Temporal quality", ("flicker",), "higher", "mean", "num"),
        Dimension("Conformance", ("conformance",), "higher", "mean", "pct"),
        Dimension("Latency p50", ("latency_s",), "lower", "p50", "s"),
        Dimension("Latency p95", ("latency_s",), "lower", "p95", "s"),
        Dimension("Cost per clip", ("cost_usd",), "lower", "mean", "usd"),
        Dimension("Cost per usable clip", ("cost_usd",), "lower", "cost_per_usable", "usd"),
    ]


@dataclass(frozen=True)
class Decision:
    """One dimension's leader, runner-up and the test between them."""

    dimension: str
    metric: str | None  # the column measured; None: nothing in this run measures it
    unit: str
    best: str | None
    best_value: float
    runner_up: str | None
    runner_up_value: float
    difference: float  # best − runner-up, in the metric's units
    p_value: float
    detectable: float  # smallest difference detected with 80% power (inf: none)
    n: int  # matched pairs (or clips, prompts) behind the test
    test: str
    separated: bool
    verdict: str


def _values(df: pd.DataFrame, dimension: Dimension, metric: str) -> pd.Series:
    """Each model's figure for the dimension (NaN where it has none)."""
    done = df[df["status"] == "succeeded"]
    if dimension.kind in ("p50", "p95"):
        quantile = 0.5 if dimension.kind == "p50" else 0.95
        return done.groupby("model")[metric].quantile(quantile)
    if dimension.kind == "cost_per_usable":
        usable = df["usable"].astype("object").fillna(False).astype(bool) & (
            df["status"] == "succeeded"
        )
        totals = df.assign(usable_flag=usable).groupby("model")
        count = totals["usable_flag"].sum()
        return (totals["cost_usd"].sum(min_count=1) / count.where(count > 0)).astype(float)
    if metric == "cost_usd":  # cost per clip = total cost ÷ delivered clips
        delivered = done.groupby("model").size()
        return df.groupby("model")["cost_usd"].sum(min_count=1) / delivered
    return done.groupby("model")[metric].apply(lambda s: pd.to_numeric(s, errors="coerce").mean())


def _ranked(values: pd.Series, direction: str) -> list[tuple[str, float]]:
    """(model, value) best first; ties by model name."""
    clean = [(str(m), float(v)) for m, v in values.items() if pd.notna(v)]
    sign = -1.0 if direction == "higher" else 1.0
    return sorted(clean, key=lambda mv: (sign * mv[1], mv[0]))


def _paired(
    df: pd.DataFrame, metric: str, best: str, runner: str, dimension: Dimension
) -> Comparison:
    """The paired test between two models' matched values (b = runner-up, c = best)."""
    source = df if metric == "cost_usd" else df[df["status"] == "succeeded"]
    wide = matched_values(source, metric)
    pair = pd.DataFrame({"b": wide.get(runner), "c": wide.get(best)}).dropna()
    pair = pair.reset_index()
    key = (best, metric, dimension.kind, dimension.direction)
    return paired_comparison(
        key, pair, Threshold("absolute", 0.0), ALPHA, (CONFIDENCE, N_RESAMPLES, SEED)
    )


def _bootstrap(
    statistic: Callable[[np.ndarray], float], n: int, rng: np.random.Generator
) -> np.ndarray:
    """The statistic over N_RESAMPLES resamples (with replacement) of n row indices."""
    picks = rng.integers(0, n, size=(N_RESAMPLES, n))
    return np.array([statistic(p) for p in picks], dtype=float)


def _separated_by_bootstrap(resampled: np.ndarray, n: int, m: int) -> tuple[bool, float]:
    """(CI of the difference excludes 0, smallest detectable difference) from resamples."""
    finite = resampled[np.isfinite(resampled)]
    if finite.size < N_RESAMPLES // 2:
        return False, math.inf
    low, high = percentile_interval(finite[:, None], CONFIDENCE)
    separated = bool(low[0] > 0 or high[0] < 0)
    return separated, detectable_median_change(finite, n, m)


def _p95_test(df: pd.DataFrame, best: str, runner: str) -> tuple[bool, float, int]:
    """Bootstrap of the p95 difference of delivered clips' latency (independent samples)."""
    done = df[(df["status"] == "succeeded") & df["latency_s"].notna()]
    a = done.loc[done["model"] == best, "latency_s"].to_numpy(dtype=float)
    b = done.loc[done["model"] == runner, "latency_s"].to_numpy(dtype=float)
    if a.size < 2 or b.size < 2:
        return False, math.inf, int(min(a.size, b.size))
    rng = np.random.default_rng(SEED)
    first = _bootstrap(lambda p: float(np.quantile(a[p], 0.95)), a.size, rng)
    second = _bootstrap(lambda p: float(np.quantile(b[p], 0.95)), b.size, rng)
    separated, detectable = _separated_by_bootstrap(first - second, a.size, b.size)
    return separated, detectable, int(min(a.size, b.size))


def _cost_per_usable_test(df: pd.DataFrame, best: str, runner: str) -> tuple[bool, float, int]:
    """Paired bootstrap over prompts of the cost-per-usable-clip difference."""
    usable = df["usable"].astype("object").fillna(False).astype(bool) & (
        df["status"] == "succeeded"
    )
    frame = df.assign(usable_flag=usable.astype(float), cost=df["cost_usd"].fillna(0.0))
    per_prompt = frame.pivot_table(
        index="prompt_id", columns="model", values=["cost", "usable_flag"], aggfunc="sum"
    )
    per_prompt = per_prompt.dropna()
    if len(per_prompt) < 2:
        return False, math.inf, len(per_prompt)
    cost = per_prompt["cost"][[best, runner]].to_numpy(dtype=float)
    good = per_prompt["usable_flag"][[best, runner]].to_numpy(dtype=float)

    def difference(p: np.ndarray) -> float:
        counts = good[p].sum(axis=0)
        if (counts == 0).any():
            return math.nan
        ratio = cost[p].sum(axis=0) / counts
        return float(ratio[0] - ratio[1])

    resampled = _bootstrap(difference, len(per_prompt), np.random.default_rng(SEED))
    separated, detectable = _separated_by_bootstrap(resampled, len(per_prompt), len(per_prompt))
    return separated, detectable, len(per_prompt)


def _verdict(
    best: str, runner: str, separated: bool, found: dict[str, float], fmt: Callable[[float], str]
) -> str:
    """One line: separated, within noise, or not testable with this many observations."""
    difference, p_value, detectable, n = (found[k] for k in ("difference", "p", "detectable", "n"))
    if detectable == 0:  # every matched difference is zero
        return f"{best} and {runner} tie on their {int(n)} matched jobs"
    p_text = (
        ""
        if math.isnan(p_value)
        else (", p < 0.001" if p_value < 0.001 else f", p = {p_value:.3f}")
    )
    if separated:
        return f"{best} leads {runner} by {fmt(abs(difference))}{p_text}"
    if not math.isfinite(detectable):
        return f"{best} ahead of {runner} by {fmt(abs(difference))}, but {int(n)} matched observations cannot separate them"
    return (
        f"{best} and {runner} not separated{p_text}: differences under {fmt(detectable)} "
        f"are not detectable with {int(n)} observations"
    )


def _test(
    df: pd.DataFrame, dimension: Dimension, metric: str, best: str, runner: str
) -> tuple[bool, dict[str, float], str]:
    """(separated, {p, detectable, n}, the test's name) between the leader and the runner-up."""
    if dimension.kind == "p95":
        separated, detectable, n = _p95_test(df, best, runner)
        return (
            separated,
            {"p": math.nan, "detectable": detectable, "n": n},
            "bootstrap of the p95 difference",
        )
    if dimension.kind == "cost_per_usable":
        separated, detectable, n = _cost_per_usable_test(df, best, runner)
        return (
            separated,
            {"p": math.nan, "detectable": detectable, "n": n},
            "paired bootstrap over prompts",
        )
    found = _paired(df, metric, best, runner, dimension)
    detectable = found.detectable if found.can_detect else math.inf
    return (
        found.significant,
        {"p": found.p_value, "detectable": detectable, "n": found.n},
        found.test,
    )


def _measured_by(df: pd.DataFrame, dimension: Dimension) -> str | None:
    """The first of the dimension's columns with a value in this run."""
    present = (m for m in dimension.metrics if m in df.columns)
    return next((m for m in present if pd.to_numeric(df[m], errors="coerce").notna().any()), None)


def decide(
    df: pd.DataFrame, dimension: Dimension, models: Sequence[str], fmt: Callable[[float], str]
) -> Decision:
    """The dimension's leader among `models` (those with a delivered clip) and its verdict."""
    metric = _measured_by(df, dimension)
    empty = Decision(
        dimension.label, metric, dimension.unit, None, math.nan, None, math.nan, math.nan,
        math.nan, math.inf, 0, "", False, "not measured in this run",
    )  # fmt: skip
    if metric is None or (dimension.kind == "cost_per_usable" and "usable" not in df.columns):
        return empty
    values = _ranked(_values(df, dimension, metric), dimension.direction)
    ranked = [(model, value) for model, value in values if model in models]
    if not ranked:
        return replace(empty, verdict="no model has a value")
    best, best_value = ranked[0]
    if len(ranked) == 1:
        return replace(empty, best=best, best_value=best_value, verdict=f"only {best} has a value")
    runner, runner_value = ranked[1]
    if all(value == best_value for _, value in ranked):
        return replace(
            empty, best_value=best_value, difference=0.0, verdict="no difference between models"
        )
    tied = [model for model, value in ranked if value == best_value]
    if len(tied) > 1:
        names = ", ".join(tied[:3]) + (f" and {len(tied) - 3} more" if len(tied) > 3 else "")
        verdict = f"{len(tied)} models tie at {fmt(best_value)}: {names}"
        return replace(empty, best_value=best_value, difference=0.0, verdict=verdict)
    separated, found, test = _test(df, dimension, metric, best, runner)
    found["difference"] = best_value - runner_value
    return Decision(
        dimension.label, metric, dimension.unit, best, best_value, runner, runner_value,
        best_value - runner_value, found["p"], found["detectable"], int(found["n"]), test,
        separated, _verdict(best, runner, separated, found, fmt),
    )  # fmt: skip


def with_judge_check(decision: Decision, df: pd.DataFrame) -> Decision:
    """A judge_score verdict carries the judge's self-check; a judge that cannot tell prompts
    apart separates nothing on prompt following."""
    if decision.metric != "judge_score":
        return decision
    check = judge_discrimination(df)
    if check is None:
        return decision
    verdict = f"{decision.verdict}; {judge_check_verdict(check)}"
    return replace(
        decision, verdict=verdict, separated=decision.separated and not check.cannot_tell
    )


def decision_panel(
    df: pd.DataFrame,
    quality_metric: str,
    models: Sequence[str],
    formatters: Mapping[str, Callable[[float], str]],
) -> list[Decision]:
    """Every dimension's decision, in panel order."""
    return [
        with_judge_check(decide(df, d, models, formatters[d.unit]), df)
        for d in dimensions(quality_metric)
    ]
