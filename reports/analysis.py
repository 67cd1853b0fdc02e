"""One pass of statistics over a run, shared by the HTML, Markdown and CSV outputs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vidbench.core.scorers.registry import headline_metrics
from vidbench.reports.data import RunData, metric_columns, normalise_results
from vidbench.reports.pairwise import paired_differences, win_rate_matrix
from vidbench.reports.stats import metric_summary, model_summary, rate_summary

# Metrics the CLI's after-run table shows when present (the rest are in the reports), as the
# scorers declare them (Output.headline).
HEADLINE_METRICS = tuple(headline_metrics())
# Job-level measurements compared pairwise alongside the scorer metrics.
JOB_METRICS = ("latency_s", "cost_usd")


def quality_label(metric: str) -> str:
    """Human label for the quality axis."""
    return "usable rate" if metric == "usable_rate" else metric.replace("_", " ")


def quality_table(df: pd.DataFrame, quality_metric: str, by: tuple[str, ...]) -> pd.DataFrame:
    """Per group: quality, quality_low, quality_high, quality_n (mean + bootstrap CI, or usable rate + Wilson)."""
    if quality_metric == "usable_rate":
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


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per model: n, success and usable rate, latency p50/p95, costs, headline metric means."""
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
    headline = [m for m in HEADLINE_METRICS if m in metric_columns(df, {})]
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
    quality_metric: str
    summary: pd.DataFrame  # one row per model: rates, latency, cost, quality
    metric_means: pd.DataFrame  # long: model, metric, n, mean, ci_low, ci_high
    categories: pd.DataFrame  # model x category: rates + quality
    pairwise: pd.DataFrame  # metric, model_a, model_b, n_pairs, mean_diff, CI, p_value
    win_rates: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def quality_label(self) -> str:
        """Human label for the quality metric."""
        return quality_label(self.quality_metric)

    def best_model(self) -> str | None:
        """The model with the highest quality (ties broken by lower cost per clip)."""
        ranked = self.ranked_summary()
        return (
            None
            if ranked.empty or pd.isna(ranked["quality"].iloc[0])
            else str(ranked["model"].iloc[0])
        )

    def ranked_summary(self) -> pd.DataFrame:
        """The summary sorted for a leaderboard: quality descending, then cost ascending."""
        if self.summary.empty:
            return self.summary
        return self.summary.sort_values(
            ["quality", "cost_per_clip_usd", "model"],
            ascending=[False, True, True],
            na_position="last",
        ).reset_index(drop=True)


def analyse(run: RunData) -> Analysis:
    """Compute every statistic the reports show for one run."""
    df = run.results
    if df.empty:
        raise ValueError(f"{run.path}: the results table has no rows; there is nothing to report")
    models = sorted(df["model"].unique().tolist())
    quality = run.quality_metric
    metrics = run.metrics
    directions = run.directions
    summary = model_summary(df).merge(
        quality_table(df, quality, ("model",)), on="model", how="left"
    )
    simulated = set(run.simulated_models)
    summary["simulated"] = summary["model"].isin(simulated)
    categories = rate_summary(df, ("model", "category")).merge(
        quality_table(df, quality, ("model", "category")), on=["model", "category"], how="left"
    )
    compared = [
        m for m in [*metrics, *JOB_METRICS] if directions.get(m, "none") in ("higher", "lower")
    ]
    compared = [m for m in compared if m in df.columns and df[m].notna().any()]
    pairwise = (
        paired_differences(df, compared, models, bounds=run.bounds)
        if len(models) > 1
        else paired_differences(df, [], models)
    )
    win_rates = (
        {m: win_rate_matrix(df, m, directions[m], models) for m in compared}
        if len(models) > 1
        else {}
    )
    win_rates = {m: w for m, w in win_rates.items() if not np.isnan(w.to_numpy()).all()}
    return Analysis(
        run=run,
        models=models,
        quality_metric=quality,
        summary=summary,
        metric_means=metric_summary(df, metrics, ("model",), bounds=run.bounds),
        categories=categories,
        pairwise=pairwise,
        win_rates=win_rates,
    )
