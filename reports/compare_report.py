"""compare.html and compare.md for a baseline-vs-candidate comparison."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reports.arena import Preference, preference_markdown, preference_view, run_preference
from reports.data import RunData
from reports.formatting import fmt_ci, fmt_num, fmt_p, fmt_pct, fmt_s, md_escape
from reports.html import environment
from reports.power import min_observations

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


def _count_unit(c: Comparison) -> str:
    return "delivered clips per run" if c.kind == "p50" else "matched pairs"


def fmt_detectable(c: Comparison, alpha: float) -> str:
    """The smallest change the comparison could detect (80% power), or why it could detect none."""
    if not c.can_detect:
        return f"none: needs ≥ {min_observations(c.test, alpha)} {_count_unit(c)}"
    if not np.isfinite(c.detectable):
        return "–"
    if c.metric.endswith("_rate"):
        return f"{100 * c.detectable:.1f} pp"
    return fmt_s(c.detectable) if c.metric.endswith("_s") else fmt_num(c.detectable, 4)


def fmt_needed(c: Comparison) -> str:
    """Pairs (and samples per prompt) that would detect a change of the threshold."""
    if not np.isfinite(c.pairs_needed):
        return "–"
    per_prompt = (
        f" ({c.samples_per_prompt:.0f}/prompt)" if np.isfinite(c.samples_per_prompt) else ""
    )
    return f"{c.pairs_needed:,.0f}{per_prompt}"


def power_note(c: Comparison, alpha: float) -> str:
    """A sentence on what the comparison could not detect and what it would take."""
    unit = _count_unit(c)
    note = (
        f"{c.n} {unit}; the two-sided {c.test} test needs ≥ {min_observations(c.test, alpha)} "
        f"for p < {alpha:g}"
    )
    if np.isfinite(c.pairs_needed):
        threshold = (
            f"{100 * c.threshold:.1f} pp"
            if c.metric.endswith("_rate")
            else fmt_value(c.metric, c.threshold)
        )
        note += f"; detecting a change of {threshold} would take about {c.pairs_needed:,.0f} {unit}"
        if np.isfinite(c.samples_per_prompt):
            note += f" ({c.samples_per_prompt:.0f} samples per prompt)"
    return note


def verdict(c: Comparison) -> str:
    """'regression', 'improvement', 'cannot detect (too few pairs)', 'changed (below
    threshold)' or 'no significant change'."""
    if not c.can_detect:
        return "cannot detect (too few pairs)"
    if c.regression:
        return "regression"
    if c.improvement:
        return "improvement"
    return "changed (below threshold)" if c.significant else "no significant change"


def _rows(result: CompareResult) -> list[dict[str, object]]:
    rows = []
    for c in sorted(
        result.comparisons,
        key=lambda c: (not c.regression, c.can_detect, not c.improvement, c.model, c.metric),
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
                "detectable": fmt_detectable(c, result.alpha),
                "needed": fmt_needed(c),
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
    if result.undetectable:
        lines += [
            "",
            f"**Cannot detect a regression** in {len(result.undetectable)} comparison(s):",
        ]
        lines += [
            f"- {md_escape(c.model)} · {md_escape(c.metric)}: {power_note(c, result.alpha)}"
            for c in result.undetectable
        ]
    lines += [
        "",
        "| Model | Metric | Baseline | Candidate | Change | 95% CI | p | n | Threshold "
        "| Detectable | n for threshold | Verdict |",
        "| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- |",
    ]
    for r in _rows(result):
        arrow = "▲" if r["direction"] == "higher" else "▼"
        lines.append(
            f"| {md_escape(r['model'])} | {md_escape(r['metric'])} {arrow} | {r['baseline']} | {r['candidate']} | {r['change']} "
            f"| {r['ci']} | {r['p']} | {r['n']} | {r['threshold']} | {r['detectable']} "
            f"| {r['needed']} | {r['verdict']} |"
        )
    lines += [
        "",
        "Change = candidate − baseline on jobs matched by model, prompt and sample. ▲ higher is better, ▼ lower is better.",
        "Tests: Wilcoxon signed-rank (metric means), exact McNemar (rates and 0/1 metrics), "
        "Mann-Whitney U (latency p50).",
        "Detectable = the smallest change the comparison detects with 80% power at this α; "
        "n for threshold = matched pairs (delivered clips for latency) that would detect a "
        "change of the threshold, with the samples per prompt that give them (a lower bound: "
        "samples of one prompt are correlated). See docs/scorers.md, statistics.",
    ]
    return "\n".join(lines) + "\n"


def write_compare_reports(
    result: CompareResult, baseline: RunData, candidate: RunData, out_dir: Path
) -> list[Path]:
    """Write compare.html and compare.md into out_dir; return their paths."""
    prefs: list[tuple[str, Preference]] = []  # the runs with arena votes
    for run in (baseline, candidate):
        pref = run_preference(run.path, run.results)
        if pref is not None:
            prefs.append((run.name, pref))
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
            undetectable=[
                (c.model, c.metric, power_note(c, result.alpha)) for c in result.undetectable
            ],
            simulated=sorted(set(baseline.simulated_models) | set(candidate.simulated_models)),
            preferences=[(name, preference_view(p)) for name, p in prefs],
        )
    )
    html_path, md_path = out_dir / "compare.html", out_dir / "compare.md"
    html_path.write_text(html, encoding="utf-8")
    votes_md = [
        line for name, p in prefs for line in ["", f"Votes in {name}:", "", *preference_markdown(p)]
    ]
    md_path.write_text(render_compare_markdown(result) + "\n".join(votes_md), encoding="utf-8")
    return [html_path, md_path]
