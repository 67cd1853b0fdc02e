"""What the CLI shows: tables, progress bars and summaries (rich), kept apart from the commands."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vidbench.cli.progress_lines import Both, ProgressLines
from vidbench.core.scorers.registry import declared_labels

# Piped output (CI logs, `make demo | tee`) gets a wide fixed width instead of rich's 80
# columns, so the tables stay readable.
_PIPED_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "140"))
console = Console(width=_PIPED_WIDTH)
_ERR_WIDTH = None if sys.stderr.isatty() else int(os.environ.get("COLUMNS", "140"))
err_console = Console(stderr=True, width=_ERR_WIDTH)

# Plain click help with `-h`: rich's help panels print a `<bool>` metavar after every flag.
PLAIN_HELP: dict[str, Any] = {
    "context_settings": {"help_option_names": ["-h", "--help"]},
    "rich_markup_mode": None,
}
VERSION_HELP = "Print vidbench's version and exit."


def print_json(document: dict[str, Any]) -> None:
    """One JSON document on stdout, nothing else (no rich markup, wrapping or colour)."""
    import json

    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    sys.stdout.flush()


def print_duration_findings(console: Console, loaded: Any, suite: Any) -> None:
    """Durations the models cannot do: strict prompts become `unsupported`, others are snapped."""
    from vidbench.core.plan.adapter_factory import planning_adapter
    from vidbench.core.suites.suite import Note, check_durations

    cny = loaded.config.currency.cny_per_usd
    caps = {
        m.id: planning_adapter(m, cny).capabilities(m.model, m.params) for m in loaded.config.models
    }
    findings = check_durations(suite, caps)
    strict = [f for f in findings if not isinstance(f, Note)]
    notes = [f for f in findings if isinstance(f, Note)]
    for finding in strict:
        console.print(f"[yellow]unsupported[/yellow] {finding}", highlight=False)
    for finding in notes[:5]:
        console.print(f"[dim]snapped: {finding}[/dim]", highlight=False)
    if len(notes) > 5:
        console.print(
            f"[dim]… {len(notes) - 5} more durations will be snapped to the nearest supported value[/dim]"
        )


def plan_table(plan: Any) -> Table:
    """Jobs, unsupported jobs and estimated cost per model."""
    table = Table(title="Plan")
    for column in (
        "model",
        "adapter",
        "provider model",
        "jobs",
        "unsupported",
        "est. cost (USD)",
        "per clip",
    ):
        table.add_column(
            column,
            justify="right" if column not in ("model", "adapter", "provider model") else "left",
            no_wrap=column == "model",
        )
    for mp in plan.models:
        runnable = len(mp.runnable)
        table.add_row(
            mp.model.id + (" (sim)" if mp.model.simulate else ""),
            mp.model.adapter,
            mp.model.model,
            str(len(mp.jobs)),
            str(len(mp.jobs) - runnable),
            f"{mp.estimated_cost_usd:,.2f}",
            f"{mp.estimated_cost_usd / runnable:,.3f}" if runnable else "-",
        )
    table.add_row("total", "", "", str(len(plan.jobs)), "", f"{plan.estimated_cost_usd:,.2f}", "")
    return table


def generation_progress(err_console: Console) -> tuple[Both, Callable[[Any], None]]:
    """A progress bar for the generate stage (plain lines when not on a terminal) and the
    callback the runner calls."""
    progress = Progress(
        TextColumn("[bold]generate[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal,
    )
    task = progress.add_task("generate", total=1, detail="")
    lines = ProgressLines(err_console, "generate")

    def update(c: Any) -> None:
        detail = (
            f"submitted {c.submitted} · running {c.running} · done {c.done} · failed {c.failed}"
        )
        progress.update(task, total=max(1, c.total), completed=c.done, detail=detail)
        lines.set(c.done, c.total, detail)

    return Both(progress, lines), update


def scoring_progress(err_console: Console) -> tuple[Both, Callable[[int, int], None]]:
    """A progress bar for the score stage (plain lines when not on a terminal) and its
    (done, total) callback."""
    progress = Progress(
        TextColumn("[bold]score[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
    )
    task = progress.add_task("score", total=None)
    lines = ProgressLines(err_console, "score")

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)
        lines.set(done, total, f"{done} of {total} videos scored")

    return Both(progress, lines), update


def summary_view(summary: Any, simulated: bool) -> Table:
    """The per-model summary as a terminal table."""
    title = "Summary" + (" (simulated models: numbers describe the simulator)" if simulated else "")
    table = Table(title=title)
    formats = {
        "success_rate": lambda v: f"{v:.0%}",
        "usable_rate": lambda v: f"{v:.0%}",
        "latency_p50_s": lambda v: f"{v:.1f} s",
        "latency_p95_s": lambda v: f"{v:.1f} s",
        "cost_per_clip_usd": lambda v: f"${v:.3f}",
        "cost_per_usable_clip_usd": lambda v: f"${v:.3f}",
    }
    labels = {
        "success_rate": "success",
        "usable_rate": "usable",
        "latency_p50_s": "p50",
        "latency_p95_s": "p95",
        "cost_per_clip_usd": "$/clip",
        "cost_per_usable_clip_usd": "$/usable",
        **declared_labels(),
    }
    for column in summary.columns:
        table.add_column(
            labels.get(column, column),
            justify="left" if column == "model" else "right",
            no_wrap=column == "model",
        )
    for row in summary.itertuples(index=False):
        cells = []
        for column, value in zip(summary.columns, row, strict=True):
            if isinstance(value, float) and math.isnan(value):
                cells.append("–")
            elif column in formats:
                cells.append(formats[column](value))
            elif isinstance(value, float):
                cells.append(f"{value:.3f}")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


def print_models(console: Console, document: dict[str, Any]) -> None:
    """Every adapter with its model ids, capabilities, list prices and the comparable price
    (`vidbench.cli.catalogue`'s document)."""
    clip = document["comparable_clip"]
    console.print(
        f"comparable: USD for one {clip['duration_s']} s {clip['resolution']} {clip['ratio']} "
        f"clip without audio, by each model's own pricing rule (CNY at {clip['cny_per_usd']}/USD)",
        highlight=False,
    )
    console.print()
    for adapter in document["adapters"]:
        name = adapter["name"]
        console.print(
            f"[bold]{name}[/bold]  default base URL {adapter['default_base_url']}", highlight=False
        )
        if adapter["note"]:
            console.print(f"  [yellow]note[/yellow]: {adapter['note']}", highlight=False)
        for entry in (m for m in document["models"] if m["adapter"] == name):
            _print_model(console, entry)
        console.print()


def _print_model(console: Console, entry: dict[str, Any]) -> None:
    durations = entry["durations_s"]
    dur = (
        f"{durations[0]}–{durations[-1]}" if len(durations) > 3 else ", ".join(map(str, durations))
    )
    inputs = ", ".join(entry["inputs"]) or "text only"
    colour = {"live": "green", "preview": "yellow", "deprecated": "yellow"}.get(
        entry["status"], "red"
    )
    console.print(
        f"  [cyan]{entry['model']}[/cyan]  [{colour}]{entry['lifecycle']}[/{colour}]  "
        f"comparable {entry['comparable_text']}",
        highlight=False,
        soft_wrap=True,
    )
    if entry["status_source"]:
        console.print(f"    status source: {entry['status_source']}", highlight=False)
    console.print(
        f"    durations {dur} s · ratios {', '.join(entry['ratios'])} · resolutions "
        f"{', '.join(entry['resolutions'])} · inputs {inputs} · audio "
        f"{'yes' if entry['audio'] else 'no'}",
        highlight=False,
    )
    console.print(
        f"    list price: {entry['list_price']}  [dim](source: {entry['price_source']})[/dim]",
        highlight=False,
    )


CAUSES_PER_MODEL = 5


def failure_cause_lines(causes: list[Any]) -> list[str]:
    """Failure causes grouped and counted per model (rich markup, provider text escaped):
    "  seedance-2.0 — 20 not succeeded" then "    20 × ConnectError: … — ark at host"."""
    from rich.markup import escape

    from vidbench.core.store.failure_causes import format_cause

    lines: list[str] = []
    models = list(dict.fromkeys(c.model for c in causes))
    for model in models:
        own = [c for c in causes if c.model == model]
        lines.append(f"  [bold]{escape(model)}[/bold] — {sum(c.count for c in own)} not succeeded")
        lines += [f"    {escape(format_cause(c))}" for c in own[:CAUSES_PER_MODEL]]
        rest = own[CAUSES_PER_MODEL:]
        if rest:
            jobs = sum(c.count for c in rest)
            lines.append(f"    … {jobs} more in {len(rest)} other causes (records.jsonl)")
    return lines
