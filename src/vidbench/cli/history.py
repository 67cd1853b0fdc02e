"""`vidbench history` and `vidbench publish`: commands over many run directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from vidbench.cli import views
from vidbench.cli.gate_view import gate_lines
from vidbench.cli.stages import EXIT_REGRESSION, EXIT_USAGE, Exit
from vidbench.cli.views import console, err_console

RunsArg = Annotated[list[Path], typer.Argument(help="Run directories, or folders holding them.")]


def history(
    runs_dirs: RunsArg,
    suite: Annotated[str | None, typer.Option("--suite", help="Only this suite.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Only this model.")] = None,
    metric: Annotated[str | None, typer.Option("--metric", help="Only this metric.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only runs created on or after this date.")
    ] = None,
    pin: Annotated[
        str | None, typer.Option("--pin", help="Pin this run as its suite's baseline.")
    ] = None,
    fail_on_regression: Annotated[
        bool,
        typer.Option("--fail-on-regression", help="Exit 1 when the newest run regressed."),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default RUNS_DIR/history).")
    ] = None,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Trend plots.")] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout (docs/history.md).")
    ] = False,
) -> None:
    """Trends, change points and provider drift across runs; a pinned baseline for CI."""
    from vidbench.reports.gate_documents import history_document
    from vidbench.reports.history import load_history
    from vidbench.reports.history_changes import find_changes
    from vidbench.reports.history_gate import gate, pin_path, read_pins, write_pin
    from vidbench.reports.history_report import write_history

    try:
        loaded = load_history(runs_dirs, suite=suite, model=model, metric=metric, since=since)
    except FileNotFoundError as exc:
        raise Exit(EXIT_USAGE, str(exc)) from None
    if pin is not None:
        try:
            path, _ = write_pin(loaded, pin, runs_dirs)
        except ValueError as exc:
            raise Exit(EXIT_USAGE, str(exc)) from None
        (err_console if as_json else console).print(f"pinned {pin} as the baseline: {path}")
    changes, drifts = find_changes(loaded)
    gates = gate(loaded, read_pins(pin_path(runs_dirs)))
    target = out if out is not None else pin_path(runs_dirs).parent / "history"
    written = write_history(loaded, changes, drifts, gates, target, plots=plots)
    if as_json:
        views.print_json(history_document(loaded, changes, drifts, gates, written))
    else:
        console.print(
            f"{len(loaded.runs)} runs in {loaded.runs['group'].nunique()} configuration group(s), "
            f"{loaded.table['model'].nunique()} models: {len(changes)} change point(s), "
            f"{len(drifts)} provider drift(s); wrote {written[1]}",
            markup=False,
        )
        _print_findings(changes, drifts, gates)
    if fail_on_regression:
        _leave(gates, as_json)


def _leave(gates: list[Any], as_json: bool) -> None:
    """Exit as compare would on the worst gate: 1 collapse or regression, 2 cannot vouch."""
    codes = [g.exit_code() for g in gates]
    if EXIT_REGRESSION in codes:
        raise Exit(EXIT_REGRESSION)
    if EXIT_USAGE in codes:
        reasons = [g.result.gate_reason() for g in gates if g.result is not None]
        raise Exit(EXIT_USAGE, "" if as_json else "\n".join(r for r in reasons if r))


def _print_findings(changes: list[Any], drifts: list[Any], gates: list[Any]) -> None:
    """One line per change point and provider drift; per suite, its gate's summary."""
    for change in changes:
        c = change.comparison
        console.print(
            f"  {change.kind}: {change.model} {change.metric} {c.baseline:.4g} → "
            f"{c.candidate:.4g} ({change.before_run} → {change.after_run}, "
            f"adjusted p {change.p_adjusted:.2g})",
            markup=False,
        )
    for drift in drifts:
        console.print(
            f"  drift: {drift.model} {drift.kind} {drift.before} → {drift.after} "
            f"({drift.before_run} → {drift.after_run})",
            markup=False,
        )
    for g in gates:
        if g.result is None:
            console.print(f"suite {g.suite}: {g.candidate}: {g.note}; not gated", markup=False)
            continue
        label = "pinned" if g.pinned else "previous, no pin"
        note = f"; {g.note}" if g.note else ""
        console.print(
            f"suite {g.suite} (group {g.group}): {g.candidate} vs {g.baseline} ({label}{note}): "
            f"{len(g.collapses)} collapse(s), {len(g.regressions)} regression(s), "
            f"{len(g.result.undetectable)} comparison(s) cannot detect a change",
            markup=False,
        )
        for line in gate_lines(g.result, "  "):
            console.print(line, markup=False, highlight=False)


def publish(
    runs_dirs: RunsArg,
    out: Annotated[Path, typer.Option("--out", help="The site folder to write.")],
    link_originals: Annotated[
        bool, typer.Option("--link-originals", help="Also copy the full-size videos.")
    ] = False,
) -> None:
    """A static site of the runs: index, reports, comparisons, small video previews."""
    from vidbench.reports.publish import publish_site

    try:
        site = publish_site(runs_dirs, out, link_originals=link_originals)
    except FileNotFoundError as exc:
        raise Exit(EXIT_USAGE, str(exc)) from None
    console.print(
        f"wrote {site.index} — {site.runs} run(s), {site.videos} preview(s), "
        f"{site.size_bytes / 1e6:.1f} MB in all"
    )


def register(app: typer.Typer) -> None:
    """Add the commands to the vidbench app."""
    app.command()(history)
    app.command()(publish)
