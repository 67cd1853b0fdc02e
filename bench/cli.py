"""The `vidbench` command line. Exit codes: 0 ok, 1 regression, 2 usage/validation,
3 budget, 4 interrupted (resumable), 5 internal error."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bench import errors

EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, EXIT_BUDGET, EXIT_INTERRUPTED, EXIT_INTERNAL = (
    0,
    1,
    2,
    3,
    4,
    5,
)
REPO_ROOT = Path(__file__).resolve().parent.parent

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Benchmark video-generation models."
)
suites_app = typer.Typer(no_args_is_help=True, help="Prompt suite tools.")
app.add_typer(suites_app, name="suites")
console = Console()
err_console = Console(stderr=True)


class Exit(Exception):
    """Leave with an exit code after printing a message."""

    def __init__(self, code: int, message: str = ""):
        self.code = code
        self.message = message


# ----- validate / plan ---------------------------------------------------------------------


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="A suite (prompts:) or a config (models:).")],
) -> None:
    """Check a suite or a config file and list every problem."""
    from bench.yamlfile import load_yaml

    data, _ = load_yaml(file)
    if isinstance(data, dict) and "models" in data:
        from bench.config import load_config

        loaded = load_config(file)
        from bench.suite import load_suite

        suite = load_suite(loaded.suite_path)
        _report_durations(loaded, suite)
        console.print(
            f"[green]ok[/green] config {file}: {len(loaded.config.models)} model(s), "
            f"suite {suite.suite.suite} ({len(suite.prompts)} prompts)"
        )
    elif isinstance(data, dict) and "prompts" in data:
        from bench.suite import load_suite

        suite = load_suite(file)
        console.print(
            f"[green]ok[/green] suite {suite.suite.suite} v{suite.suite.version}: "
            f"{len(suite.prompts)} prompts in {len({p.category for p in suite.prompts})} categories"
        )
    else:
        raise Exit(
            EXIT_USAGE, f"{file}: neither a suite (has `prompts:`) nor a config (has `models:`)"
        )


def _report_durations(loaded: Any, suite: Any) -> None:
    """Durations the models cannot do: strict prompts become `unsupported`, others are snapped."""
    from bench.plan import planning_adapter
    from bench.suite import Note, check_durations

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


def _plan_table(plan: Any) -> Table:
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


SampleOpt = Annotated[int | None, typer.Option("--sample", help="Run a sample of N prompts.")]
StratifyOpt = Annotated[str, typer.Option("--stratify", help="category, lang or none.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed for the sample.")]


def _stratify(value: str) -> str | None:
    return None if value.lower() == "none" else value


@app.command()
def plan(
    config: Path, sample: SampleOpt = None, stratify: StratifyOpt = "category", seed: SeedOpt = None
) -> None:
    """Show the jobs and the estimated cost per model, and check the budget."""
    from bench.config import load_config
    from bench.pipeline import prepare

    loaded = load_config(config)
    suite, the_plan = prepare(loaded, sample=sample, stratify=_stratify(stratify), seed=seed)
    console.print(_plan_table(the_plan))
    for note in the_plan.notes[:10]:
        console.print(f"[dim]adjusted: {note}[/dim]")
    if len(the_plan.notes) > 10:
        console.print(f"[dim]… and {len(the_plan.notes) - 10} more adjustments[/dim]")
    budget = loaded.config.budget.max_cost_usd
    if budget is not None:
        verdict = (
            "[green]within[/green]" if the_plan.estimated_cost_usd <= budget else "[red]OVER[/red]"
        )
        console.print(
            f"budget ${budget:,.2f}: estimate ${the_plan.estimated_cost_usd:,.2f} {verdict}"
        )


# ----- run ---------------------------------------------------------------------------------


def _progress_printer() -> tuple[Any, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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

    def update(c: Any) -> None:
        progress.update(
            task,
            total=max(1, c.total),
            completed=c.done,
            detail=f"submitted {c.submitted} · running {c.running} · done {c.done} · failed {c.failed}",
        )

    return progress, update


def execute_run(
    loaded: Any,
    *,
    resume: Path | None,
    max_cost: float | None,
    yes: bool,
    sample: int | None,
    stratify: str | None,
    seed: int | None,
    score: bool = True,
    report: bool = True,
) -> Path:
    """Generate → score → report; returns the run directory."""
    from bench.pipeline import check_secrets, create_run, new_run_id, prepare, run_generation
    from bench.store import RunDir

    if resume is not None:
        run = RunDir(resume)
        if not run.exists():
            raise Exit(EXIT_USAGE, f"{resume}: not a run directory (no manifest.json)")
        check_secrets(loaded)
        console.print(f"resuming {run.path}")
    else:
        check_secrets(loaded)
        run_id = new_run_id(loaded.config.name)
        suite, the_plan = prepare(
            loaded, sample=sample, stratify=stratify, seed=seed, run_id=run_id
        )
        console.print(_plan_table(the_plan))
        budget = max_cost if max_cost is not None else loaded.config.budget.max_cost_usd
        if budget is not None and the_plan.estimated_cost_usd > budget:
            raise Exit(
                EXIT_BUDGET,
                f"[red]budget refused[/red]: estimated ${the_plan.estimated_cost_usd:,.2f} > "
                f"max ${budget:,.2f}; nothing was sent. Lower --sample or raise the budget.",
            )
        paid = [m for m in the_plan.models if not m.model.simulate and m.runnable]
        if paid and not yes and sys.stdin.isatty():
            cost = sum(m.estimated_cost_usd for m in paid)
            if not typer.confirm(
                f"This run may spend about ${cost:,.2f} on real providers. Continue?"
            ):
                raise Exit(EXIT_USAGE, "cancelled; nothing was sent")
        run = create_run(
            loaded,
            suite,
            the_plan,
            run_id,
            loaded.output_dir,
            {"sample": sample, "stratify": stratify, "seed": seed},
        )
        console.print(f"run directory: {run.path}")
    progress, update = _progress_printer()
    try:
        with progress:
            counters = run_generation(run, loaded, max_cost_usd=max_cost, progress=update)
    except KeyboardInterrupt:
        raise Exit(
            EXIT_INTERRUPTED, f"interrupted; resume with: vidbench run --resume {run.path}"
        ) from None
    console.print(
        f"generation: {counters.done} finished, {counters.failed} not succeeded, "
        f"{counters.creates} create requests, {counters.polls} polls"
    )
    if score:
        _score(run.path, None)
    else:
        from bench.results import build_results

        build_results(run)
    if report:
        _report(run.path, ("html", "md", "csv"))
    states = run.states()
    if any(s.error_kind == "budget" for s in states.values()):
        raise Exit(EXIT_BUDGET, "budget exhausted: unsent jobs were recorded `skipped`")
    return run.path


@app.command()
def run(
    config: Annotated[
        Path | None, typer.Argument(help="Run config (optional with --resume).")
    ] = None,
    resume: Annotated[
        Path | None, typer.Option("--resume", help="Continue this run directory.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", help="Budget in USD (overrides the config).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before spending money.")] = False,
    sample: SampleOpt = None,
    stratify: StratifyOpt = "category",
    seed: SeedOpt = None,
) -> None:
    """Generate → score → report."""
    from bench.config import load_config

    if config is None and resume is None:
        raise Exit(EXIT_USAGE, "give a CONFIG, or --resume RUN_DIR")
    if config is not None:
        loaded = load_config(config)
    else:
        from bench.pipeline import config_from_manifest
        from bench.store import RunDir

        assert resume is not None
        if not RunDir(resume).exists():
            raise Exit(EXIT_USAGE, f"{resume}: not a run directory (no manifest.json)")
        loaded = config_from_manifest(RunDir(resume))
    execute_run(
        loaded,
        resume=resume,
        max_cost=max_cost,
        yes=yes,
        sample=sample,
        stratify=_stratify(stratify),
        seed=seed,
    )


# ----- score / report / compare -----------------------------------------------------------


def _score(run_dir: Path, scorer_names: list[str] | None) -> None:
    from bench.results import build_results
    from bench.scorers.stage import score_run
    from bench.store import RunDir

    run = RunDir(run_dir)
    manifest = run.manifest()
    from bench.config import ClipSettings

    clip = ClipSettings.model_validate(manifest.get("clip") or {})
    names = scorer_names or manifest.get("scorers")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]score[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
    )
    task = progress.add_task("score", total=None)
    with progress:
        summary = score_run(
            run_dir,
            names,
            clip=clip,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    parts = [
        f"{name} {c.scored} scored/{c.cached} cached/{c.failed} failed"
        for name, c in summary.counts.items()
        if name not in summary.unavailable
    ]
    console.print(
        f"scoring: {summary.videos} videos in {summary.elapsed_s:.1f} s — " + "; ".join(parts),
        highlight=False,
    )
    for name, reason in summary.unavailable.items():
        console.print(f"[yellow]unavailable[/yellow] {name}: {reason}", highlight=False)
    build_results(run)


@app.command()
def score(
    run_dir: Path,
    scorers: Annotated[
        str | None, typer.Option("--scorers", help="Comma-separated scorer names.")
    ] = None,
) -> None:
    """(Re-)score a run's videos; cached results are reused."""
    from bench.config import KNOWN_SCORERS

    names = [s.strip() for s in scorers.split(",")] if scorers else None
    for name in names or []:
        if name not in KNOWN_SCORERS:
            raise Exit(EXIT_USAGE, f"unknown scorer {name!r}; known: {', '.join(KNOWN_SCORERS)}")
    _require_run(run_dir)
    _score(run_dir, names)


def _report(run_dir: Path, formats: tuple[str, ...]) -> None:
    from bench.store import RunDir
    from reports.build import summary_table, write_reports

    run = RunDir(run_dir)
    if not run.results_path.exists():
        from bench.results import build_results

        build_results(run)
    paths = write_reports(run_dir, formats)
    import pandas as pd

    df = pd.read_parquet(run.results_path)
    console.print(
        _summary_rich(summary_table(df), simulated=bool(df["simulated"].fillna(False).any()))
    )
    plots = [p for p in paths if p.parent.name == "plots"]
    for path in paths:
        if path not in plots:
            console.print(f"wrote {path}")
    if plots:
        console.print(f"wrote {len(plots)} plot files to {plots[0].parent}")


def _summary_rich(summary: Any, simulated: bool) -> Table:
    """The per-model summary as a terminal table."""
    import math

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
        "clip_score": "CLIP",
        "face_identity": "face id",
        "conformance": "conform",
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


@app.command()
def report(
    run_dir: Path,
    format: Annotated[str, typer.Option("--format", help="html,md,csv")] = "html,md,csv",
) -> None:
    """Regenerate the reports of a run from its run directory."""
    formats = tuple(f.strip() for f in format.split(",") if f.strip())
    bad = [f for f in formats if f not in ("html", "md", "csv")]
    if bad:
        raise Exit(EXIT_USAGE, f"unknown format(s) {', '.join(bad)}; use html, md, csv")
    _require_run(run_dir)
    _report(run_dir, formats)


@app.command()
def compare(
    baseline: Path,
    candidate: Path,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 when a regression is found.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
) -> None:
    """Compare a candidate run against a baseline run."""
    from reports.compare import compare_runs

    for run_dir in (baseline, candidate):
        _require_run(run_dir)
        from bench.store import RunDir

        if not RunDir(run_dir).results_path.exists():
            from bench.results import build_results

            build_results(RunDir(run_dir))
    result = compare_runs(baseline, candidate, out)
    for path in result.paths:
        console.print(f"wrote {path}")
    if result.regressions:
        console.print(f"[red]{len(result.regressions)} regression(s)[/red]")
        for reg in result.regressions[:20]:
            console.print(f"  - {reg}")
        if fail_on_regression:
            raise Exit(EXIT_REGRESSION)
    else:
        console.print("[green]no regressions[/green]")


def _require_run(run_dir: Path) -> None:
    from bench.store import RunDir

    if not RunDir(run_dir).exists():
        raise Exit(EXIT_USAGE, f"{run_dir}: not a run directory (no manifest.json)")


# ----- sim / demo / models / suites -------------------------------------------------------


@app.command()
def sim(
    port: Annotated[int, typer.Option("--port")] = 8765,
    profile: Annotated[str, typer.Option("--profile")] = "default",
) -> None:
    """Serve every provider simulator on one port (Ctrl-C to stop)."""
    from bench.sim.profiles import PROFILES
    from bench.sim.server import serve

    if profile not in PROFILES:
        raise Exit(EXIT_USAGE, f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    serve(port, profile)


@app.command()
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the run directory (default runs/).")
    ] = None,
) -> None:
    """Offline end-to-end run on the built-in simulators: no key, no money."""
    from bench.config import load_config

    config_path = REPO_ROOT / "configs" / "demo.yaml"
    loaded = load_config(config_path)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        loaded.config.output_dir = str(out.resolve())
    run_dir = execute_run(
        loaded, resume=None, max_cost=None, yes=True, sample=None, stratify="category", seed=None
    )
    console.print(f"\n[bold green]demo finished[/bold green]: {run_dir}")
    console.print(f"report: {run_dir / 'report.html'}  ·  summary: {run_dir / 'report.md'}")


@app.command()
def models() -> None:
    """Adapters, known model ids, capabilities and list prices (with source and date)."""
    from bench.adapter import adapter_names, load_adapter

    for name in adapter_names():
        cls = load_adapter(name)
        console.print(
            f"[bold]{name}[/bold]  default base URL {cls.default_base_url}", highlight=False
        )
        if cls.note:
            console.print(f"  [yellow]note[/yellow]: {cls.note}", highlight=False)
        for model_id, info in cls.known_models().items():
            c = info.capabilities
            durations = c.durations_s
            dur = (
                f"{durations[0]}–{durations[-1]}"
                if len(durations) > 3
                else ", ".join(map(str, durations))
            )
            inputs = ", ".join(sorted(k.value for k in c.inputs)) or "text only"
            console.print(f"  [cyan]{model_id}[/cyan]", highlight=False, soft_wrap=True)
            console.print(
                f"    durations {dur} s · ratios {', '.join(c.ratios)} · resolutions "
                f"{', '.join(c.resolutions)} · inputs {inputs} · audio {'yes' if c.audio else 'no'}",
                highlight=False,
            )
            console.print(
                f"    list price: {info.price_note}  [dim](source: {info.price_source})[/dim]",
                highlight=False,
            )
        console.print()


@suites_app.command("import")
def suites_import(
    src: Path,
    format: Annotated[str, typer.Option("--format", help="vbench or csv")],
    out: Annotated[Path, typer.Option("--out", help="Suite YAML to write.")],
) -> None:
    """Import a VBench prompt file/folder or a CSV (id, text, category) as a suite."""
    from bench.suite_import import import_suite, write_suite

    if format not in ("vbench", "csv"):
        raise Exit(EXIT_USAGE, "--format must be vbench or csv")
    suite = import_suite(src, format)
    write_suite(suite, out)
    console.print(f"wrote {out}: {len(suite.prompts)} prompts")


# ----- entry point ------------------------------------------------------------------------


def _log_traceback() -> Path:
    log_dir = Path(os.environ.get("VIDBENCH_LOG_DIR", tempfile.gettempdir()))
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "vidbench-error.log"
    path.write_text(traceback.format_exc(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Console entry point; maps outcomes to exit codes."""
    try:
        app(args=argv, standalone_mode=False)
    except Exit as exc:
        if exc.message:
            (err_console if exc.code else console).print(exc.message)
        return exc.code
    except errors.ValidationFailed as exc:
        err_console.print(f"invalid input — {exc}", markup=False, highlight=False)
        return EXIT_USAGE
    except (errors.MissingSecret, errors.BudgetExceeded) as exc:
        err_console.print(str(exc), markup=False)
        return EXIT_BUDGET if isinstance(exc, errors.BudgetExceeded) else EXIT_USAGE
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return EXIT_INTERRUPTED
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        return EXIT_INTERRUPTED
    except Exception as exc:  # click usage errors, then genuine bugs
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return EXIT_USAGE
        path = _log_traceback()
        err_console.print(
            f"internal error: {type(exc).__name__}: {errors.truncate(str(exc), 300)}\n"
            f"traceback written to {path}",
            markup=False,
        )
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
