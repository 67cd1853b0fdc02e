"""What `compare` and `history` print for a pair's gate: the summary line first, then the
collapses and regressions, the "cannot detect" items folded into one line per model."""

from __future__ import annotations

from typing import Any

from vidbench.cli import views
from vidbench.cli.stages import EXIT_REGRESSION, EXIT_USAGE, Exit


def gate_lines(result: Any, indent: str = "") -> list[str]:
    """Collapses, regressions and one 'cannot detect' line per model, as plain text."""
    lines = [f"{indent}collapse: {c.line()}" for c in result.collapses]
    lines += [
        f"{indent}regression: {c.model} · {c.metric}: {c.baseline:.4g} → {c.candidate:.4g} "
        f"(p {c.p_value:.2g})"
        for c in result.regressions[:20]
    ]
    if len(result.regressions) > 20:
        lines.append(f"{indent}… {len(result.regressions) - 20} more regressions in compare.md")
    lines += [
        f"{indent}cannot detect a regression (too few pairs): {line}"
        for line in result.undetectable_lines()
    ]
    return lines


def show_compare(result: Any, *, fail_on_regression: bool, as_json: bool) -> None:
    """Print compare's findings (or its JSON document) and leave with the gate's exit code."""
    from vidbench.reports.gate_documents import compare_document

    if as_json:
        views.print_json(compare_document(result))
    else:
        out = views.console
        out.print(result.summary_line(), markup=False, highlight=False)
        for line in gate_lines(result, "  "):
            out.print(line, markup=False, highlight=False)
        for path in result.paths:
            out.print(f"wrote {path}", markup=False, highlight=False)
    code = result.exit_code()
    if not fail_on_regression or code == 0:
        return
    if code == EXIT_REGRESSION:
        raise Exit(EXIT_REGRESSION)
    # Never a silent pass: the gate could not have seen a regression in some metric.
    raise Exit(EXIT_USAGE, "" if as_json else result.gate_reason())
