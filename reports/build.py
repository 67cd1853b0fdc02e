"""The one entry point the CLI calls: regenerate a run's reports from its run directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from vidbench.reports.analysis import Analysis, analyse, summary_table
from vidbench.reports.data import load_run
from vidbench.reports.html import write_html_report
from vidbench.reports.markdown import summary_csv, write_markdown_report
from vidbench.reports.plots import Plot, category_bars, latency_cdf, model_colours, quality_scatter
from vidbench.reports.quality import choose_quality

FORMATS = ("html", "md", "csv")
PARETO = "pareto"  # the decision panel's plot: quality vs cost per usable clip

__all__ = ["FORMATS", "PARETO", "draw_plots", "run_summary_table", "summary_table", "write_reports"]


def draw_plots(analysis: Analysis, out_dir: Path) -> list[Plot]:
    """Write every figure the data supports to out_dir (PNG and SVG); return them."""
    colours = model_colours(analysis.models)
    label = analysis.quality_label
    simulated = frozenset(analysis.run.simulated_models)
    plots = [
        quality_scatter(
            analysis.ranked_summary(),
            "cost_per_usable_clip_usd",
            "cost per usable clip (USD)",
            label,
            colours,
            out_dir,
            PARETO,
            f"{label} vs cost per usable clip",
            simulated,
        ),
        quality_scatter(
            analysis.ranked_summary(),
            "cost_per_clip_usd",
            "cost per clip (USD)",
            label,
            colours,
            out_dir,
            "quality_vs_cost",
            f"{label} vs cost per clip",
            simulated,
        ),
        quality_scatter(
            analysis.ranked_summary(),
            "latency_p50_s",
            "latency p50 (s)",
            label,
            colours,
            out_dir,
            "quality_vs_latency",
            f"{label} vs latency p50",
            simulated,
        ),
        latency_cdf(analysis.run.results, colours, out_dir),
        category_bars(analysis.categories, label, colours, out_dir),
    ]
    return [p for p in plots if p is not None]


def run_summary_table(run_dir: Path) -> pd.DataFrame:
    """The console's per-model table for a run, with its ranking metric's mean (judge_score
    where CLIP is unavailable and the config falls back to it)."""
    run = load_run(run_dir)
    ranking = choose_quality(run.results, run.manifest, run.scorers).metric
    return summary_table(run.results, ranking)


def write_reports(run_dir: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write report.html, report.md (+ plots/) and summary.csv as asked; return the written paths."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(
            f"unknown report format(s) {', '.join(unknown)}; expected any of {', '.join(FORMATS)}"
        )
    run_dir = Path(run_dir)
    analysis = analyse(load_run(run_dir))
    written: list[Path] = []
    plots: list[Plot] = []
    if "html" in formats or "md" in formats:
        plots = draw_plots(analysis, run_dir / "plots")
        written += [path for p in plots for path in (p.png, p.svg)]
    if "html" in formats:
        written.append(write_html_report(analysis, plots, run_dir / "report.html"))
    if "md" in formats:
        written.append(write_markdown_report(analysis, plots, run_dir / "report.md"))
    if "csv" in formats:
        written.append(summary_csv(analysis, run_dir / "summary.csv"))
    return written
