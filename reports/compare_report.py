"""compare.html and compare.md for a baseline-vs-candidate comparison."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reports.data import RunData
from reports.formatting import fmt_ci, fmt_num, fmt_p, fmt_pct, fmt_s, md_escape
from reports.html import environment

if TYPE_CHECKING:
    from reports.compare import CompareResult, Comparison


def fmt_value(metric: str, value: object) -> str:
    """A compared value in its metric's units."""
    if metric.endswith("_rate"):
        return fmt_pct(value)
    if metric.endswith("_s"):
        return fmt_s(value)
    return fmt_num(value, 4)


def fmt_change(c: Comparison) -> tuple[str, str]:
    """(difference, CI) formatted in the metric's units (rates in percentage points)."""
    if c.metric.endswith("_rate"):
        sign = "+" if c.difference >= 0 else "−"
        return f"{sign}{100 * abs(c.difference):.1f} pp", fmt_ci(
            100 * c.ci_low, 100 * c.ci_high
        ) + " pp"
    kind = "s" if c.metric.endswith("_s") else "num"
    sign = "+" if c.difference >= 0 else "−"
    body = fmt_s(abs(c.difference)) if kind == "s" else fmt_num(abs(c.difference), 4)
    return f"{sign}{body}", fmt_ci(c.ci_low, c.ci_high, kind)


def verdict(c: Comparison) -> str:
    """'regression', 'improvement', 'changed (below threshold)' or 'no significant change'."""
    if c.regression:
        return "regression"
    if c.improvement:
        return "improvement"
    return "changed (below threshold)" if c.significant else "no significant change"


def _rows(result: CompareResult) -> list[dict[str, object]]:
    rows = []
    for c in sorted(
        result.comparisons, key=lambda c: (not c.regression, not c.improvement, c.model, c.metric)
    ):
        change, bounds = fmt_change(c)
        rows.append(
            {
                "model": c.model,
                "metric": c.metric,
                "direction": c.direction,
                "baseline": fmt_value(c.metric, c.baseline),
                "candidate": fmt_value(c.metric, c.candidate),
                "change": change,
                "ci": bounds,
                "p": fmt_p(c.p_value),
                "n": c.n,
                "threshold": fmt_value(c.metric, c.threshold)
                if not c.metric.endswith("_rate")
                else f"{100 * c.threshold:.1f} pp",
                "test": c.test,
                "verdict": verdict(c),
            }
        )
    return rows


def render_compare_markdown(result: CompareResult) -> str:
    """compare.md as a string."""
    lines = [
        f"# vidbench compare: {md_escape(result.candidate)} vs baseline {md_escape(result.baseline)}",
        "",
    ]
    if result.regressions:
        lines.append(
            f"**{len(result.regressions)} regression(s)** (significant at α = {result.alpha:g} and beyond threshold):"
        )
        lines += [
            f"- {md_escape(c.model)} · {md_escape(c.metric)}: {fmt_value(c.metric, c.baseline)} → "
            f"{fmt_value(c.metric, c.candidate)} (p {fmt_p(c.p_value)})"
            for c in result.regressions
        ]
    else:
        lines.append(
            f"**No regressions** (significant at α = {result.alpha:g} and beyond threshold)."
        )
    lines += [
        "",
        "| Model | Metric | Baseline | Candidate | Change | 95% CI | p | n | Threshold | Verdict |",
        "| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- |",
    ]
    for r in _rows(result):
        arrow = "▲" if r["direction"] == "higher" else "▼"
        lines.append(
            f"| {md_escape(r['model'])} | {md_escape(r['metric'])} {arrow} | {r['baseline']} | {r['candidate']} | {r['change']} "
            f"| {r['ci']} | {r['p']} | {r['n']} | {r['threshold']} | {r['verdict']} |"
        )
    lines += [
        "",
        "Change = candidate − baseline on jobs matched by model, prompt and sample. ▲ higher is better, ▼ lower is better.",
        "Tests: Wilcoxon signed-rank (metric means), exact McNemar (rates), Mann-Whitney U (latency p50).",
    ]
    return "\n".join(lines) + "\n"


def write_compare_reports(
    result: CompareResult, baseline: RunData, candidate: RunData, out_dir: Path
) -> list[Path]:
    """Write compare.html and compare.md into out_dir; return their paths."""
    html = (
        environment()
        .get_template("compare.html")
        .render(
            title=f"vidbench compare — {candidate.name} vs {baseline.name}",
            baseline=baseline.name,
            candidate=candidate.name,
            alpha=result.alpha,
            rows=_rows(result),
            n_regressions=len(result.regressions),
            n_improvements=len(result.improvements),
            simulated=sorted(set(baseline.simulated_models) | set(candidate.simulated_models)),
        )
    )
    html_path, md_path = out_dir / "compare.html", out_dir / "compare.md"
    html_path.write_text(html, encoding="utf-8")
    md_path.write_text(render_compare_markdown(result), encoding="utf-8")
    return [html_path, md_path]
