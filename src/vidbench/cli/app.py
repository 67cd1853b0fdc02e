"""The `vidbench` command line. Exit codes: 0 ok, 1 regression, 2 usage/validation,
3 budget, 4 interrupted (resumable), 5 internal error, 6 a run in which no attempted job
succeeded (its reports are written, but there is no result to decide from)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vidbench import __version__
from vidbench.cli import history as cli_history
from vidbench.cli import starter as cli_starter
from vidbench.cli import tools as cli_tools
from vidbench.cli import views as views
from vidbench.cli.stages import (
    EXIT_BUDGET,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Exit,
    agree_judge_key,
    execute_run,
    report_stage,
    require_run,
    score_stage,
)
from vidbench.cli.views import VERSION_HELP, console, err_console
from vidbench.core.seam import errors
from vidbench.core.seam.secrets import redact
from vidbench.core.store.confine import FileRefused
from vidbench.core.store.records import NewerSchema

if TYPE_CHECKING:
    from vidbench.core.config.config import LoadedConfig

app = typer.Typer(add_completion=False, no_args_is_help=True, **views.PLAIN_HELP)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"vidbench {__version__}", markup=False, highlight=False)
        raise Exit(0)


@app.callback(help="Benchmark video-generation models.")
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help=VERSION_HELP)
    ] = False,
) -> None:
    """Benchmark video-generation models."""


app.add_typer(cli_tools.suites_app, name="suites")


# ----- validate / plan ---------------------------------------------------------------------


AssetsRootOpt = Annotated[
    Path | None,
    typer.Option(
        "--assets-root",
        help="Folder the suite's input files may come from (default: the suite's folder).",
    ),
]


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="A suite (prompts:) or a config (models:).")],
    assets_root: AssetsRootOpt = None,
) -> None:
    """Check a suite or a config file and list every problem."""
    from vidbench.core.config.bundled import resolve_named
    from vidbench.core.config.yamlfile import load_yaml

    file = resolve_named(file)  # `vidbench validate smoke` checks the bundled suite
    data, _ = load_yaml(file)
    if isinstance(data, dict) and "models" in data:
        from vidbench.core.config.config import load_config

        loaded = load_config(file)
        from vidbench.core.suites.suite import load_suite

        suite = load_suite(loaded.suite_path, assets_root)
        views.print_duration_findings(console, loaded, suite)
        console.print(
            f"[green]ok[/green] config {file}: {len(loaded.config.models)} model(s), "
            f"suite {suite.suite.suite} ({len(suite.prompts)} prompts)"
        )
    elif isinstance(data, dict) and "prompts" in data:
        from vidbench.core.suites.suite import load_suite

        suite = load_suite(file, assets_root)
        console.print(
            f"[green]ok[/green] suite {suite.suite.suite} v{suite.suite.version}: "
            f"{len(suite.prompts)} prompts in {len({p.category for p in suite.prompts})} categories"
        )
    else:
        raise Exit(
            EXIT_USAGE, f"{file}: neither a suite (has `prompts:`) nor a config (has `models:`)"
        )


SampleOpt = Annotated[int | None, typer.Option("--sample", help="Run a sample of N prompts.")]
StratifyOpt = Annotated[str, typer.Option("--stratify", help="category, lang or none.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed for the sample.")]
SuiteOpt = Annotated[
    str | None,
    typer.Option("--suite", help="Suite file, or a bundled suite's name (core, smoke)."),
]


def _override_suite(loaded: LoadedConfig, suite: str | None) -> None:
    """Point a loaded config at another suite (a file, or a bundled suite's name)."""
    if suite is None:
        return
    from vidbench.core.config.resources import resolve_suite

    path = resolve_suite(suite, Path.cwd())
    if not path.is_file():
        raise Exit(EXIT_USAGE, f"--suite {suite}: no such file and not a bundled suite name")
    loaded.config.suite = str(path)


def _stratify(value: str) -> str | None:
    return None if value.lower() == "none" else value


@app.command()
def plan(
    config: Path,
    sample: SampleOpt = None,
    stratify: StratifyOpt = "category",
    seed: SeedOpt = None,
    suite: SuiteOpt = None,
    assets_root: AssetsRootOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout (docs/cli-json.md).")
    ] = False,
) -> None:
    """Show the jobs and the estimated cost per model, and check the budget."""
    from vidbench.cli.plan_view import show_plan
    from vidbench.core.config.bundled import load_named_config
    from vidbench.core.run.pipeline import prepare

    loaded = load_named_config(config)  # a file, or a bundled config's name
    _override_suite(loaded, suite)
    _, the_plan = prepare(
        loaded, sample=sample, stratify=_stratify(stratify), seed=seed, assets_root=assets_root
    )
    show_plan(loaded, the_plan, as_json=as_json)


# ----- run ---------------------------------------------------------------------------------


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
    suite: SuiteOpt = None,
    assets_root: AssetsRootOpt = None,
) -> None:
    """Generate → score → report."""
    from vidbench.core.config.bundled import load_named_config

    if config is None and resume is None:
        raise Exit(EXIT_USAGE, "give a CONFIG, or --resume RUN_DIR")
    from vidbench.core.seam.money import budget_problem

    max_cost_problem = budget_problem(max_cost)
    if max_cost_problem:
        raise Exit(EXIT_USAGE, max_cost_problem)
    if config is not None:
        loaded = load_named_config(config)  # a file, or a bundled config's name
    else:
        from vidbench.core.run.pipeline import config_from_manifest
        from vidbench.core.store.store import RunDir

        assert resume is not None
        if not RunDir(resume).exists():
            raise Exit(EXIT_USAGE, f"{resume}: not a run directory (no manifest.json)")
        loaded = config_from_manifest(RunDir(resume))
    _override_suite(loaded, suite)
    execute_run(
        loaded,
        resume=resume,
        max_cost=max_cost,
        yes=yes,
        sample=sample,
        stratify=_stratify(stratify),
        seed=seed,
        assets_root=assets_root,
    )


# ----- score / report / compare -----------------------------------------------------------


@app.command()
def score(
    run_dir: Path,
    scorers: Annotated[
        str | None, typer.Option("--scorers", help="Comma-separated scorer names.")
    ] = None,
    executor: Annotated[
        str | None, typer.Option("--executor", help="local or ray (default: the config's).")
    ] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster address (auto, ray://host:port).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Ray actors, or videos scored at once locally.")
    ] = None,
    ship_videos: Annotated[
        bool, typer.Option("--ship-videos", help="Send videos through Ray's object store.")
    ] = False,
    device: Annotated[str | None, typer.Option("--device", help="auto, cpu or cuda.")] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Agree to send the judge's key to its endpoint.")
    ] = False,
) -> None:
    """(Re-)score a run's videos; cached results are reused."""
    from vidbench.core.scorers.registry import scorer_names, unknown_scorer

    names = [s.strip() for s in scorers.split(",")] if scorers else None
    for name in names or []:
        if name not in scorer_names():
            raise Exit(EXIT_USAGE, unknown_scorer(name))
    require_run(run_dir)
    agree_judge_key(run_dir, yes)
    overrides = {
        "executor": executor,
        "address": address,
        "workers": workers,
        "device": device,
        "ship_videos": ship_videos or None,
    }
    score_stage(run_dir, names, {k: v for k, v in overrides.items() if v is not None})


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
    require_run(run_dir)
    report_stage(run_dir, formats)


@app.command()
def compare(
    baseline: Path,
    candidate: Path,
    fail_on_regression: Annotated[
        bool,
        typer.Option(
            "--fail-on-regression",
            help="Exit 1 when a regression is found; exit 2 when too few matched pairs "
            "could ever show one.",
        ),
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout (docs/history.md).")
    ] = False,
) -> None:
    """Compare a candidate run against a baseline run."""
    from vidbench.cli.gate_view import show_compare
    from vidbench.reports.compare_report import compare_runs

    for run_dir in (baseline, candidate):
        require_run(run_dir)
        from vidbench.core.store.store import RunDir

        if not RunDir(run_dir).results_path.exists():
            from vidbench.core.run.results import build_results

            build_results(RunDir(run_dir))
    result = compare_runs(baseline, candidate, out)
    show_compare(result, fail_on_regression=fail_on_regression, as_json=as_json)


cli_tools.register(app)  # reconcile, sim, demo, models, doctor, arena; `suites`
cli_history.register(app)  # history and publish
cli_starter.register(app)  # configs and init


# ----- entry point ------------------------------------------------------------------------


def _log_traceback() -> Path:
    from vidbench.cli.crashlog import write_crash_log

    return write_crash_log(traceback.format_exc())


def _is_usage_error(exc: Exception) -> bool:
    """An unknown command or option, or a missing argument: the user's slip, not our bug."""
    import click

    clicky = isinstance(exc, click.ClickException | typer.exceptions.TyperException)
    return clicky and callable(getattr(exc, "show", None))


def main(argv: list[str] | None = None) -> int:
    """Console entry point; maps outcomes to exit codes."""
    try:
        app(args=argv, standalone_mode=False, prog_name="vidbench")
    except Exit as exc:
        if exc.message:  # soft wrap: a path or a resume command is never cut by a newline
            (err_console if exc.code else console).print(exc.message, soft_wrap=True)
        return exc.code
    except errors.ValidationFailed as exc:
        # soft wrap: a path or a field is not cut by a newline (it can be copied whole)
        err_console.print(f"invalid input — {exc}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except (errors.RunLocked, NewerSchema) as exc:
        err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except FileRefused as exc:  # a run directory's own file planted as a link, too large, …
        err_console.print(
            f"refused: {exc} (a run's own files are read only as regular files, never through"
            " a link)",
            markup=False,
            highlight=False,
            soft_wrap=True,  # a path is not cut by a newline: it can be copied whole
        )
        return EXIT_USAGE
    except (errors.MissingSecret, errors.BudgetExceeded) as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        return EXIT_BUDGET if isinstance(exc, errors.BudgetExceeded) else EXIT_USAGE
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return EXIT_INTERRUPTED
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        return EXIT_INTERRUPTED
    except Exception as exc:  # usage errors (typer vendors click), then genuine bugs
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]  # the usage, the error, any 'did you mean'
            return EXIT_USAGE
        path = _log_traceback()
        err_console.print(
            f"internal error: {type(exc).__name__}: {errors.truncate(redact(str(exc)), 300)}\n"
            f"traceback written to {path}",
            markup=False,
        )
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
