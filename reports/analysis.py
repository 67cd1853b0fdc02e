"""One pass of statistics over a run, shared by the HTML, Markdown and CSV outputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vidbench.core.scorers.registry import headline_metrics
from vidbench.reports import formatting as fmt
from vidbench.reports.data import RunData, metric_columns, normalise_results
from vidbench.reports.decision import Decision, decision_panel
from vidbench.reports.failures import ModelFailures, model_failures, run_causes
from vidbench.reports.pairwise import MatchedTable, paired_differences, win_rate_matrix
from vidbench.reports.quality import (
    USABLE_RATE,
    QualityChoice,
    UsableDefinition,
    choose_quality,
    quality_label,
    usable_definition,
)
from vidbench.reports.stats import metric_summary, model_summary, rate_summary

# Metrics the CLI's after-run table shows when present (the rest are in the reports), as the
# scorers declare them (Output.headline).
HEADLINE_METRICS = tuple(headline_metrics())
# Job-level measurements compared pairwise alongside the scorer metrics.
JOB_METRICS = ("latency_s", "cost_usd")


__all__ = ["HEADLINE_METRICS", "JOB_METRICS", "Analysis", "analyse", "quality_label"]
# How each unit of the decision panel is written.
UNIT_FORMATS: dict[str, Callable[[Any], str]] = {
    "num": fmt.fmt_num,
    "pct": fmt.fmt_pct,
    "s": fmt.fmt_s,
    "usd": fmt.fmt_usd,
}
# Two per-model means closer than this are the same figure (float noise of one computation).
EQUAL_TOLERANCE = 1e-9


def quality_table(df: pd.DataFrame, quality_metric: str, by: tuple[str, ...]) -> pd.DataFrame:
    """Per group: quality, quality_low, quality_high, quality_n (mean + bootstrap CI, or usable rate + Wilson)."""
    if quality_metric == USABLE_RATE:
        rates = rate_summary(df, by)
        out = rates[[*by]].copy()
        out["quality"] = rates["usable_rate"]
        out["quality_low"] = rates["usable_rate_low"]
        out["quality_high"] = rates["usable_rate_high"]
        out["quality_n"] = rates["n_attempted"]
        return out
    long = metric_summary(df, [quality_metric], by)
    out = long[[*by]].copy()
    out["quality"], out["quality_low"], out["quality_high"], out["quality_n"] = (
        long["mean"],
        long["ci_low"],
        long["ci_high"],
        long["n"],
    )
    return out


def summary_table(df: pd.DataFrame, quality_metric: str | None = None) -> pd.DataFrame:
    """One row per model: n, success and usable rate, latency p50/p95, costs, headline metric
    means, and the ranking metric's mean when it is not a headline one (judge_score offline)."""
    df = normalise_results(df)
    summary = model_summary(df)
    columns = [
        "model",
        "n_jobs",
        "success_rate",
        "usable_rate",
        "latency_p50_s",
        "latency_p95_s",
        "cost_per_clip_usd",
        "cost_per_usable_clip_usd",
    ]
    out = summary.reindex(columns=columns).rename(columns={"n_jobs": "n"})
    present = metric_columns(df, {})
    headline = [m for m in HEADLINE_METRICS if m in present]
    if quality_metric in present and quality_metric not in headline:
        headline.insert(0, quality_metric)
    if headline:
        # Plain means: this table is printed after every run, CIs live in the reports.
        means = df.groupby("model")[headline].apply(
            lambda g: g.apply(pd.to_numeric, errors="coerce").mean()
        )
        out = out.merge(means.reset_index(), on="model", how="left")
    return out.reset_index(drop=True)


@dataclass
class Analysis:
    """The statistics every report format draws on."""

    run: RunData
    models: list[str]
    quality: QualityChoice
    summary: pd.DataFrame  # one row per model: rates, latency, cost, quality
    metric_means: pd.DataFrame  # long: model, metric, n, mean, ci_low, ci_high
    categories: pd.DataFrame  # model x category: rates + quality
    pairwise: pd.DataFrame  # metric, model_a, model_b, n_pairs, mean_diff, CI, p_value
    win_rates: dict[str, pd.DataFrame] = field(default_factory=dict)
    usable: UsableDefinition = field(default_factory=lambda: UsableDefinition((), ()))
    failures: list[ModelFailures] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    equal_metrics: list[str] = field(default_factory=list)  # the same mean for every model

    @property
    def quality_metric(self) -> str:
        """The column (or "usable_rate") that ranks the models."""
        return self.quality.metric

    @property
    def quality_label(self) -> str:
        """Human label for the quality metric."""
        return quality_label(self.quality_metric)

    @property
    def failed_models(self) -> list[str]:
        """Models that attempted jobs and delivered none: shown as failed, never ranked."""
        return [f.model for f in self.failures if f.nothing_succeeded]

    @property
    def nothing_succeeded(self) -> bool:
        """True when jobs were attempted and not one succeeded: no leaderboard, no winner."""
        attempted = self.summary["n_attempted"].sum() if "n_attempted" in self.summary else 0
        return bool(attempted > 0 and self.summary["n_succeeded"].sum() == 0)

    @property
    def ranked_models(self) -> list[str]:
        """Models with at least one delivered clip, leaderboard order."""
        return [str(m) for m in self.ranked_summary()["model"]] if not self.summary.empty else []

    def best_model(self) -> str | None:
        """The model with the highest quality (ties broken by lower cost per clip)."""
        ranked = self.ranked_summary()
        return (
            None
            if ranked.empty or pd.isna(ranked["quality"].iloc[0])
            else str(ranked["model"].iloc[0])
        )

    def ranked_summary(self) -> pd.DataFrame:
        """The leaderboard: models with a delivered clip, quality descending, then cost."""
        if self.summary.empty:
            return self.summary
        delivered = self.summary[self.summary["n_succeeded"] > 0]
        return delivered.sort_values(
            ["quality", "cost_per_clip_usd", "model"],
            ascending=[False, True, True],
            na_position="last",
        ).reset_index(drop=True)

    def significant_metrics(self, alpha: float = 0.05) -> list[str]:
        """Metrics with at least one model pair separated (p < alpha, CI excluding 0)."""
        rows = self.pairwise
        if rows.empty:
            return []
        hit = (rows["p_value"] < alpha) & ((rows["ci_low"] > 0) | (rows["ci_high"] < 0))
        return list(dict.fromkeys(rows.loc[hit, "metric"].astype(str)))


def equal_for_every_model(metric_means: pd.DataFrame, models: list[str]) -> list[str]:
    """Metrics whose mean is the same for every model that has one (at least two models)."""
    out = []
    for metric, rows in metric_means.groupby("metric", sort=False):
        means = pd.to_numeric(rows["mean"], errors="coerce").dropna()
        if len(models) > 1 and len(means) > 1 and means.max() - means.min() <= EQUAL_TOLERANCE:
            out.append(str(metric))
    return out


def _pairwise(run: RunData, models: list[str]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Paired differences and win rates for every directed metric with values."""
    df, directions = run.results, run.directions
    compared = [
        m for m in [*run.metrics, *JOB_METRICS] if directions.get(m, "none") in ("higher", "lower")
    ]
    compared = [m for m in compared if m in df.columns and df[m].notna().any()]
    if len(models) < 2:
        return paired_differences(df, [], models), {}
    table = MatchedTable.of(df, compared)  # every metric's matched jobs, built once
    pairwise = paired_differences(df, compared, models, bounds=run.bounds, table=table)
    win_rates = {m: win_rate_matrix(df, m, directions[m], models, table) for m in compared}
    return pairwise, {m: w for m, w in win_rates.items() if not np.isnan(w.to_numpy()).all()}


def analyse(run: RunData) -> Analysis:
    """Compute every statistic the reports show for one run."""
    df = run.results
    if df.empty:
        raise ValueError(f"{run.path}: the results table has no rows; there is nothing to report")
    models = sorted(df["model"].unique().tolist())
    choice = choose_quality(df, run.manifest, run.scorers)
    quality = choice.metric
    summary = model_summary(df).merge(
        quality_table(df, quality, ("model",)), on="model", how="left"
    )
    summary["simulated"] = summary["model"].isin(set(run.simulated_models))
    categories = rate_summary(df, ("model", "category")).merge(
        quality_table(df, quality, ("model", "category")), on=["model", "category"], how="left"
    )
    pairwise, win_rates = _pairwise(run, models)
    metric_means = metric_summary(df, run.metrics, ("model",), bounds=run.bounds)
    analysis = Analysis(
        run=run,
        models=models,
        quality=choice,
        summary=summary,
        metric_means=metric_means,
        categories=categories,
        pairwise=pairwise,
        win_rates=win_rates,
        usable=usable_definition(df, run.manifest, run.scorers),
        failures=model_failures(df, run_causes(run.path)),
        equal_metrics=equal_for_every_model(metric_means, models),
    )
    if not analysis.nothing_succeeded:
        analysis.decisions = decision_panel(df, quality, analysis.ranked_models, UNIT_FORMATS)
    return analysis
