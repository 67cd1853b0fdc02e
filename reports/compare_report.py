"""compare.html and compare.md for a baseline-vs-candidate comparison."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from vidbench.core.store.safe_files import write_atomic
from vidbench.reports.analysis import JOB_METRICS
from vidbench.reports.arena import Preference, preference_markdown, preference_view, run_preference
from vidbench.reports.compare import CompareResult, compare_frames, default_out_dir
from vidbench.reports.compare_format import (
    fmt_change,
    fmt_detectable,
    fmt_needed,
    fmt_value,
    power_note,
    verdict,
)
from vidbench.reports.comparisons import Threshold
from vidbench.reports.data import RunData, load_run
from vidbench.reports.formatting import fmt_p, md_escape
from vidbench.reports.gate import collapses
from vidbench.reports.html import environment


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


def _headline(result: CompareResult) -> list[str]:
    """The summary line, collapses, regressions and the folded 'cannot detect' lines."""
    lines = [f"**Summary:** {result.summary_counts()}.", ""]
    if result.collapses:
        lines.append(f"**{len(result.collapses)} collapse(s)** (whatever the power):")
        lines += [f"- {md_escape(c.line())}" for c in result.collapses]
        lines.append("")
    if result.regressions:
        lines.append(
            f"**{len(result.regressions)} regression(s)** (significant at α = {result.alpha:g} "
            "and beyond threshold):"
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
        lines += [f"- {md_escape(line)}" for line in result.undetectable_lines()]
    return lines


def render_compare_markdown(result: CompareResult) -> str:
    """compare.md as a string."""
    lines = [
        f"# vidbench compare: {md_escape(result.candidate)} vs baseline {md_escape(result.baseline)}",
        "",
        *_headline(result),
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
        "Mann-Whitney U (latency p50). A collapse (a success or usable rate "
        "that was ≥ 1 and is now 0, or fell by ≥ 50 points) is flagged whatever the power.",
        "Detectable = the smallest change the comparison detects with 80% power at this α; "
        "n for threshold = matched pairs (delivered clips for latency) that would detect a "
        "change of the threshold, with the samples per prompt that give them (a lower bound: "
        "samples of one prompt are correlated). See docs/scorers.md, statistics, and "
        "docs/history.md for the gate.",
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
            collapses=[c.line() for c in result.collapses],
            simulated=sorted(set(baseline.simulated_models) | set(candidate.simulated_models)),
            preferences=[(name, preference_view(p)) for name, p in prefs],
        )
    )
    html_path, md_path = out_dir / "compare.html", out_dir / "compare.md"
    write_atomic(html_path, html)
    votes_md = [
        line for name, p in prefs for line in ["", f"Votes in {name}:", "", *preference_markdown(p)]
    ]
    write_atomic(md_path, render_compare_markdown(result) + "\n".join(votes_md))
    return [html_path, md_path]


def compare_run_data(
    base_run: RunData,
    cand_run: RunData,
    threshold: float = 0.02,
    alpha: float = 0.05,
    thresholds: Mapping[str, Threshold] | None = None,
) -> CompareResult:
    """Compare two loaded runs (the comparison both `compare` and the history gate make)."""
    directions = {**base_run.directions, **cand_run.directions}
    metrics = list(
        dict.fromkeys([*base_run.metrics, *[m for m in JOB_METRICS if m != "latency_s"]])
    )
    comparisons = compare_frames(
        base_run.results,
        cand_run.results,
        directions,
        metrics,
        threshold,
        alpha,
        thresholds,
        keep_unpaired=True,
    )
    return CompareResult(
        base_run.name,
        cand_run.name,
        comparisons,
        alpha=alpha,
        collapses=collapses(base_run.results, cand_run.results),
    )


def compare_runs(
    baseline: Path,
    candidate: Path,
    out_dir: Path | None = None,
    threshold: float = 0.02,
    alpha: float = 0.05,
    thresholds: Mapping[str, Threshold] | None = None,
) -> CompareResult:
    """Compare two run directories, write compare.html and compare.md, return what was found."""
    base_run, cand_run = load_run(baseline), load_run(candidate)
    result = compare_run_data(base_run, cand_run, threshold, alpha, thresholds)
    target = Path(out_dir) if out_dir is not None else default_out_dir(base_run, Path(candidate))
    target.mkdir(parents=True, exist_ok=True)
    result.paths = write_compare_reports(result, base_run, cand_run, target)
    return result
