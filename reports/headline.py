"""The top of both reports: the ranking metric's banner, what "usable" means, the failure
causes per model, and the decision panel (or, when nothing succeeded, only the causes).

One module for both formats, so report.html and report.md open with the same facts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from vidbench.reports import formatting as fmt
from vidbench.reports.analysis import UNIT_FORMATS as FORMATS
from vidbench.reports.analysis import Analysis
from vidbench.reports.decision import Decision
from vidbench.reports.paths import scrub_text, suite_folder
from vidbench.reports.plots import Plot


def _scrubber(analysis: Analysis) -> Callable[[str], str]:
    run = analysis.run
    return lambda text: scrub_text(text, str(run.path.resolve()), suite_folder(run.manifest))


def decision_row(decision: Decision) -> dict[str, Any]:
    """One panel row as display strings (missing figures as '–')."""
    show = FORMATS[decision.unit]
    if not decision.runner_up or decision.detectable == 0:
        detectable = "–"
    else:
        detectable = show(decision.detectable) if math.isfinite(decision.detectable) else "none"
    difference = decision.difference
    sign = "−" if difference < 0 else "+" if difference > 0 else ""
    return {
        "dimension": decision.dimension,
        "metric": decision.metric or "–",
        "best": decision.best,
        "best_value": show(decision.best_value),
        "runner_up": decision.runner_up,
        "runner_up_value": show(decision.runner_up_value),
        "difference": f"{sign}{show(abs(difference))}" if decision.runner_up else "–",
        "p_value": fmt.fmt_p(decision.p_value),
        "detectable": detectable,
        "n": decision.n,
        "test": decision.test or "–",
        "separated": decision.separated,
        "verdict": decision.verdict,
    }


def failure_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """Per model that lost jobs: counts and its commonest causes, local paths scrubbed."""
    clean = _scrubber(analysis)
    return [
        {
            "model": f.model,
            "failed": f.failed,
            "attempted": f.attempted,
            "nothing": f.nothing_succeeded,
            "causes": [clean(c) for c in f.causes],
            "more_jobs": f.more_jobs,
        }
        for f in analysis.failures
    ]


def headline_view(analysis: Analysis) -> dict[str, Any]:
    """What the HTML template's top needs."""
    clean = _scrubber(analysis)
    banner = None if analysis.nothing_succeeded else analysis.quality.banner()
    return {
        "nothing_succeeded": analysis.nothing_succeeded,
        "quality_banner": clean(banner) if banner else None,
        "usable_sentence": clean(analysis.usable.sentence()),
        "failures": failure_rows(analysis),
        "failed_models": analysis.failed_models,
        "decisions": [decision_row(d) for d in analysis.decisions],
    }


def _failure_lines(analysis: Analysis) -> list[str]:
    rows = failure_rows(analysis)
    if not rows:
        return []
    title = "## No model delivered a clip" if analysis.nothing_succeeded else "## Failures"
    lines = [title, ""]
    if analysis.nothing_succeeded:
        lines += ["Every attempted job failed: nothing is ranked. The causes, per model:", ""]
    for row in rows:
        state = " — failed, not ranked" if row["nothing"] else ""
        lines.append(
            f"- **{fmt.md_escape(row['model'])}**: {row['failed']} of {row['attempted']} "
            f"attempted jobs did not succeed{state}"
        )
        lines += [f"  - {fmt.md_escape(cause, 300)}" for cause in row["causes"]]
        if row["more_jobs"]:
            lines.append(f"  - {row['more_jobs']} more jobs, other causes")
    return [*lines, ""]


def _decision_lines(analysis: Analysis, pareto: Plot | None) -> list[str]:
    if not analysis.decisions:
        return []
    lines = [
        "## Decision",
        "",
        "Best model per dimension against the runner-up on matched jobs (same prompt and "
        "sample); *detectable* is the smallest difference the test finds with 80% power.",
        "",
        "| Dimension | Best | Runner-up | Difference | p | Detectable | Verdict |",
        "| :--- | :--- | :--- | ---: | ---: | ---: | :--- |",
    ]
    for d in map(decision_row, analysis.decisions):
        best = f"{fmt.md_escape(d['best'])} ({d['best_value']})" if d["best"] else "–"
        runner = (
            f"{fmt.md_escape(d['runner_up'])} ({d['runner_up_value']})" if d["runner_up"] else "–"
        )
        lines.append(
            f"| {d['dimension']} ({fmt.md_escape(d['metric'])}) | {best} | {runner} | "
            f"{d['difference']} | {d['p_value']} | {d['detectable']} | {fmt.md_escape(d['verdict'])} |"
        )
    lines.append("")
    if pareto is not None:
        lines += [f"![{fmt.md_escape(pareto.title)}](plots/{pareto.png.name})", ""]
    return lines


def headline_markdown(analysis: Analysis, pareto: Plot | None) -> list[str]:
    """The top of report.md: banners, failures (first when nothing succeeded), decision."""
    view = headline_view(analysis)
    lines: list[str] = []
    if view["quality_banner"]:
        lines += [f"> **Ranking metric.** {fmt.md_escape(view['quality_banner'], 600)}", ""]
    lines += [f"> **Usable.** {fmt.md_escape(view['usable_sentence'], 600)}", ""]
    if analysis.nothing_succeeded:
        return lines + _failure_lines(analysis)
    return lines + _decision_lines(analysis, pareto) + _failure_lines(analysis)
