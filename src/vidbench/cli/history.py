"""`vidbench history` and `vidbench publish`: commands over many run directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from vidbench.cli.stages import EXIT_REGRESSION, EXIT_USAGE, Exit
from vidbench.cli.views import console

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
) -> None:
    """Trends, change points and provider drift across runs; a pinned baseline for CI."""
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
        console.print(f"pinned {pin} as the baseline: {path}")
    changes, drifts = find_changes(loaded)
    gates = gate(loaded, read_pins(pin_path(runs_dirs)))
    target = out if out is not None else pin_path(runs_dirs).parent / "history"
    written = write_history(loaded, changes, drifts, gates, target, plots=plots)
    console.print(
        f"{len(loaded.runs)} runs, {loaded.table['model'].nunique()} models: "
        f"{len(changes)} change point(s), {len(drifts)} provider drift(s); wrote {written[1]}"
    )
    _print_findings(changes, drifts, gates)
    regressions = [(g, c) for g in gates for c, _ in g.regressions]
    if regressions and fail_on_regression:
        raise Exit(EXIT_REGRESSION)


def _print_findings(changes: list[Any], drifts: list[Any], gates: list[Any]) -> None:
    """One line per change point, provider drift and suite gate."""
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
        label = "pinned" if g.pinned else "previous, no pin"
        console.print(
            f"suite {g.suite}: {g.candidate} vs {g.baseline} ({label}): "
            f"{len(g.regressions)} regression(s)",
            markup=False,
        )


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
