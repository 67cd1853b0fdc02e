"""What `vidbench history` writes: history.csv, history.md and a trend plot per metric."""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from vidbench.core.store.safe_files import write_atomic, write_via  # noqa: E402
from vidbench.reports.formatting import fmt_num, md_escape  # noqa: E402
from vidbench.reports.history import History  # noqa: E402
from vidbench.reports.history_changes import ChangePoint, Drift  # noqa: E402
from vidbench.reports.history_gate import GateResult  # noqa: E402
from vidbench.reports.markdown import md_table  # noqa: E402
from vidbench.reports.plots import STYLE, model_colours  # noqa: E402

MAX_PLOTTED_METRICS = 24


def trend_plots(history: History, out_dir: Path) -> list[Path]:
    """One SVG per suite × metric: each model's mean per run with its 95% CI band."""
    out_dir.mkdir(parents=True, exist_ok=True)
    colours = model_colours(sorted(history.table["model"].unique()))
    written = []
    table = history.table
    for (suite, metric), group in list(table.groupby(["suite", "metric"]))[:MAX_PLOTTED_METRICS]:
        with plt.rc_context(STYLE):  # type: ignore[arg-type]
            figure, axes = plt.subplots(figsize=(7.5, 3.2))
            for model, rows in group.sort_values("order").groupby("model"):
                x = pd.to_datetime(rows["created_at"], errors="coerce", utc=True)
                x_values = x if x.notna().all() else rows["order"]
                colour = colours[str(model)]
                axes.plot(
                    x_values, rows["mean"], marker="o", markersize=3, color=colour, label=str(model)
                )
                axes.fill_between(
                    x_values, rows["ci_low"], rows["ci_high"], color=colour, alpha=0.18, linewidth=0
                )
            axes.set_title(f"{metric} · suite {suite}")
            axes.set_ylabel(str(metric))
            axes.legend(loc="best", fontsize=8)
            figure.autofmt_xdate()
            figure.tight_layout()
            path = out_dir / f"trend-{_safe(str(suite))}-{_safe(str(metric))}.svg"
            write_via(path, functools.partial(figure.savefig, format="svg"))
            plt.close(figure)
        written.append(path)
    return written


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def change_rows(changes: list[ChangePoint]) -> list[list[str]]:
    """Escaped Markdown rows for the change points."""
    return [
        [
            md_escape(c.suite),
            md_escape(c.model),
            md_escape(c.metric),
            md_escape(c.before_run),
            md_escape(c.after_run),
            f"{fmt_num(c.comparison.baseline)} → {fmt_num(c.comparison.candidate)}",
            f"{fmt_num(c.p_adjusted)} ({md_escape(c.comparison.test)})",
            c.kind,
        ]
        for c in changes
    ]


def render_history_markdown(
    history: History,
    changes: list[ChangePoint],
    drifts: list[Drift],
    gates: list[GateResult],
    plots: list[Path],
) -> str:
    """history.md: runs, change points, drift, the gate and the trend plots."""
    lines = [
        "# vidbench history",
        "",
        f"{len(history.runs)} runs · {history.runs['suite'].nunique()} suite(s) · "
        f"{history.table['model'].nunique()} models · {len(history.metrics)} metric columns",
        "",
        "## Change points",
        "",
        "Consecutive runs of the same suite and model; compare's paired tests on matched prompts, "
        "Benjamini-Hochberg corrected over each step's tests (p shown is the adjusted one).",
        "",
    ]
    header = ["Suite", "Model", "Metric", "Before", "After", "Mean", "p (adjusted)", "Kind"]
    lines += md_table(header, change_rows(changes), "llllll") if changes else ["None found."]
    lines += ["", "## Provider drift", ""]
    drift_rows = [
        [
            md_escape(d.suite),
            md_escape(d.model),
            d.kind,
            md_escape(d.before_run),
            md_escape(d.after_run),
            md_escape(d.before, 120),
            md_escape(d.after, 120),
        ]
        for d in drifts
    ]
    lines += (
        md_table(["Suite", "Model", "Kind", "Before", "After", "Was", "Now"], drift_rows, "lllllll")
        if drifts
        else ["None found."]
    )
    lines += ["", "## Newest run vs baseline", ""]
    lines += [
        "Each suite's newest run against its pinned run, else the previous run, of the same "
        "configuration group: the comparison `vidbench compare` makes (docs/history.md).",
        "",
    ]
    for g in gates:
        lines += _gate_lines(g)
    lines += ["", "## Trends", ""] + [f"![{md_escape(p.stem)}](plots/{p.name})" for p in plots]
    return "\n".join(lines).rstrip() + "\n"


def _gate_lines(g: GateResult) -> list[str]:
    """One suite's gate as Markdown list items."""
    head = f"- suite {md_escape(g.suite)} (group {md_escape(g.group)}): {md_escape(g.candidate)}"
    if g.result is None:
        return [f"{head}: {md_escape(g.note)}; not gated"]
    source = "pinned" if g.pinned else "previous run (no pin)"
    note = f"; {md_escape(g.note)}" if g.note else ""
    lines = [
        f"{head} vs {md_escape(g.baseline)} ({source}{note}): "
        f"{md_escape(g.result.summary_counts())}"
    ]
    lines += [f"  - collapse: {md_escape(c.line())}" for c in g.collapses]
    lines += [
        f"  - {md_escape(c.model)} {md_escape(c.metric)}: {fmt_num(c.baseline)} → "
        f"{fmt_num(c.candidate)}, p {fmt_num(p)}"
        for c, p in g.regressions
    ]
    lines += [f"  - cannot detect: {md_escape(x)}" for x in g.result.undetectable_lines()]
    return lines


def write_history(
    history: History,
    changes: list[ChangePoint],
    drifts: list[Drift],
    gates: list[GateResult],
    out_dir: Path,
    plots: bool = True,
) -> list[Path]:
    """Write history.csv, history.md and (when `plots`) plots/trend-*.svg into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "history.csv"
    table = history.table.drop(columns=["path", "order"])
    write_via(csv_path, lambda tmp: table.to_csv(tmp, index=False))
    drawn = trend_plots(history, out_dir / "plots") if plots else []
    md_path = out_dir / "history.md"
    write_atomic(md_path, render_history_markdown(history, changes, drifts, gates, drawn))
    return [csv_path, md_path, *drawn]
