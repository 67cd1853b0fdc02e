"""report.md: the summary and leaderboard for a README, a pull request or a blog post."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from vidbench.core.store.safe_files import write_atomic, write_via
from vidbench.reports.analysis import Analysis
from vidbench.reports.arena import preference_markdown, run_preference
from vidbench.reports.data import as_dict, unavailable_scorers
from vidbench.reports.draws_section import draws_columns, draws_markdown
from vidbench.reports.formatting import fmt_ci, fmt_num, fmt_pct, fmt_s, fmt_usd, md_code, md_escape
from vidbench.reports.headline import headline_markdown
from vidbench.reports.judge_check import judge_check_line, judge_discrimination
from vidbench.reports.paths import publishable_path, scrub_text, suite_folder
from vidbench.reports.plots import Plot
from vidbench.reports.routes import routes_markdown


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    """A GitHub-flavoured Markdown table; cells must already be escaped."""
    marks = [("---:" if (align[i : i + 1] or "r") == "r" else ":---") for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _quality(analysis: Analysis, value: object, low: object, high: object) -> str:
    kind = "pct" if analysis.quality_metric == "usable_rate" else "num"
    shown = fmt_pct(value) if kind == "pct" else fmt_num(value)
    bounds = fmt_ci(low, high, kind)
    return f"{shown} {bounds}".strip()


def render_markdown(analysis: Analysis, plots: Sequence[Plot]) -> str:
    """The Markdown report as a string (plots linked as plots/*.png, relative to the run dir)."""
    simulated = set(analysis.run.simulated_models)
    lines = [f"# vidbench report: {md_escape(analysis.run.name)}", ""]
    pareto = next((p for p in plots if p.key == "pareto"), None)
    lines += headline_markdown(analysis, pareto)
    lines += _header_lines(analysis, simulated)
    if not analysis.nothing_succeeded:
        lines += _leaderboard_lines(analysis, simulated)
        lines += routes_markdown(analysis.run.results, simulated)
    lines += _metric_lines(analysis)
    lines += draws_markdown(analysis.run.results)
    pref = run_preference(analysis.run.path, analysis.run.results)
    lines += preference_markdown(pref) if pref is not None else []
    others = [p for p in plots if p.key != "pareto"]
    if others:
        lines += ["## Plots", ""]
        lines += [f"![{md_escape(p.title)}](plots/{p.png.name})" for p in others] + [""]
    lines += _manifest_lines(analysis)
    return "\n".join(lines).rstrip() + "\n"


def _header_lines(analysis: Analysis, simulated: set[str]) -> list[str]:
    """Run facts (sizes, suite, version), then the simulated and unavailable-scorer notes."""
    run = analysis.run
    lines: list[str] = []
    suite = as_dict(run.manifest.get("suite"))
    facts = [
        f"{len(analysis.models)} models",
        f"{run.results['prompt_id'].nunique()} prompts",
        f"{len(run.results)} jobs",
    ]
    if suite.get("name"):
        facts.append(
            f"suite {md_escape(suite.get('name'))}"
            + (f" v{md_escape(suite.get('version'))}" if suite.get("version") else "")
        )
    if suite.get("sha256"):
        facts.append(f"sha256 {md_code(str(suite.get('sha256'))[:12])}")
    if run.manifest.get("vidbench_version"):
        facts.append(f"vidbench {md_escape(run.manifest.get('vidbench_version'))}")
    lines += [" · ".join(facts), ""]
    if simulated:
        names = ", ".join(md_escape(m) for m in sorted(simulated))
        lines += [
            f"> **Simulated results.** {names} ran on vidbench's built-in simulator; these numbers describe the simulator, not the provider's model. Marked (sim) below.",
            "",
        ]
    unavailable = unavailable_scorers(run.scorers)
    if unavailable:
        root, suite_dir = str(run.path.resolve()), suite_folder(run.manifest)
        listed = "; ".join(
            f"{md_code(n)} ({md_escape(scrub_text(r, root, suite_dir), 160)})"
            for n, r in unavailable
        )
        lines += [f"> **Unavailable scorers:** {listed}.", ""]
    return lines


def _leaderboard_lines(analysis: Analysis, simulated: set[str]) -> list[str]:
    """The leaderboard: models ranked by quality with rates, latency and cost."""
    by_rate = analysis.quality_metric == "usable_rate"
    ties = " (ties broken by the lower cost per clip)" if by_rate else ""
    lines = [
        "## Leaderboard",
        "",
        f"Ranked by {md_escape(analysis.quality_label)}{ties}; brackets are 95% confidence intervals (bootstrap for means, Wilson for rates). Models without a delivered clip are listed as failed, not ranked.",
        "",
    ]
    header = [
        "#",
        "Model",
        md_escape(analysis.quality_label),
        *([] if by_rate else ["Usable"]),
        "Success",
        "Failed",
        "Latency p50",
        "p95",
        "Cost / clip",
        "/ usable clip",
        "Jobs",
    ]
    rows = []
    for i, r in enumerate(analysis.ranked_summary().to_dict("records"), start=1):
        name = md_escape(r["model"]) + (" (sim)" if r["model"] in simulated else "")
        rows.append(
            [
                str(i),
                name,
                _quality(analysis, r["quality"], r["quality_low"], r["quality_high"]),
                *(
                    []
                    if by_rate
                    else [
                        f"{fmt_pct(r['usable_rate'])} {fmt_ci(r['usable_rate_low'], r['usable_rate_high'], 'pct')}".strip()
                    ]
                ),
                fmt_pct(r["success_rate"]),
                fmt_pct(r["failure_rate"]),
                fmt_s(r["latency_p50_s"]),
                fmt_s(r["latency_p95_s"]),
                fmt_usd(r["cost_per_clip_usd"]),
                fmt_usd(r["cost_per_usable_clip_usd"]),
                str(r["n_jobs"]),
            ]
        )
    for model in analysis.failed_models:
        name = md_escape(model) + (" (sim)" if model in simulated else "")
        rows.append(["–", name, "**failed, not ranked**", *["–"] * (len(header) - 3)])
    lines += md_table(header, rows, "rl") + [""]
    return lines


def _metric_lines(analysis: Analysis) -> list[str]:
    """Mean of every metric per model with its 95% interval (nothing without metrics)."""
    if analysis.metric_means.empty:
        return []
    lines = ["## Metrics", "", "Mean per model with 95% bootstrap CI.", ""]
    wide = analysis.metric_means.pivot(index="metric", columns="model")
    metric_rows = []
    equal = analysis.equal_metrics
    for metric in analysis.metric_means["metric"].unique():
        if metric in equal:
            continue
        cells = []
        for model in analysis.models:
            if ("mean", model) not in wide.columns:
                cells.append("–")
                continue
            mean = wide.loc[metric, ("mean", model)]
            bounds = fmt_ci(
                wide.loc[metric, ("ci_low", model)], wide.loc[metric, ("ci_high", model)]
            )
            cells.append(f"{fmt_num(mean)} {bounds}".strip())
        metric_rows.append([md_escape(metric), *cells])
    if metric_rows:
        header = ["Metric", *(md_escape(m) for m in analysis.models)]
        lines += md_table(header, metric_rows, "l") + [""]
    check = judge_discrimination(analysis.run.results)
    if check is not None:
        warning = "> **Warning.** " if check.cannot_tell else ""
        lines += [f"{warning}{md_escape(judge_check_line(analysis.run.results, check))}", ""]
    if equal:
        same = wide.loc[equal, "mean"].apply(lambda row: row.dropna().iloc[0], axis=1)
        listed = ", ".join(f"{md_code(m)} {fmt_num(same[m])}" for m in equal)
        lines += [
            f"**No difference between models** (the same mean for every model): {listed}.",
            "",
        ]
    return lines


def _manifest_lines(analysis: Analysis) -> list[str]:
    manifest = analysis.run.manifest
    root, suite_dir = str(analysis.run.path.resolve()), suite_folder(manifest)
    manifest = {
        **manifest,
        "config_path": publishable_path(str(manifest.get("config_path") or ""), root, suite_dir),
    }
    lines = ["## Reproducing", ""]
    for label, key in (
        ("Run", "run_id"),
        ("Created", "created_at"),
        ("Git commit", "git_commit"),
        ("Python", "python"),
        ("Config", "config_path"),
    ):
        if manifest.get(key):
            lines.append(f"- {label}: {md_escape(manifest.get(key))}")
    suite = as_dict(manifest.get("suite"))
    if suite.get("sha256"):
        lines.append(f"- Suite sha256: {md_code(suite.get('sha256'))}")
    prices = manifest.get("prices")
    if isinstance(prices, dict) and prices:
        lines.append(
            "- Prices: "
            + "; ".join(
                f"{md_escape(k)}: {md_code(json.dumps(v, default=str), 120)}"
                for k, v in prices.items()
            )
        )
    lines.append("- Full details (versions, config, per-prompt videos): report.html")
    return [*lines, ""]


def write_markdown_report(analysis: Analysis, plots: Sequence[Plot], out_path: Path) -> Path:
    """Write report.md."""
    write_atomic(out_path, render_markdown(analysis, plots))
    return out_path


def summary_csv(analysis: Analysis, out_path: Path) -> Path:
    """Write summary.csv: one row per model with rates, latency, costs, metric means and the
    two draw figures (`draws_section.CSV_COLUMNS`)."""
    summary = analysis.summary.copy()
    if not analysis.metric_means.empty:
        wide = analysis.metric_means.pivot(index="model", columns="metric", values="mean")
        wide.columns = [f"{c}_mean" for c in wide.columns]
        summary = summary.merge(wide.reset_index(), on="model", how="left")
    draws = draws_columns(analysis.run.results)
    if not draws.empty:
        summary = summary.merge(draws, on="model", how="left")
    summary.insert(0, "quality_metric", analysis.quality_metric)
    write_via(out_path, lambda tmp: pd.DataFrame(summary).to_csv(tmp, index=False))
    return out_path
