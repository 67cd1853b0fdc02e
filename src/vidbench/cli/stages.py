"""The stages the CLI commands share — generate, score, report — with their exit codes."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from vidbench.cli import views as views
from vidbench.cli.crashlog import remember_run_dir
from vidbench.cli.views import console, err_console
from vidbench.core.store.lock import run_lock

EXIT_OK = 0
EXIT_REGRESSION = 1  # compare --fail-on-regression found one
EXIT_USAGE = 2  # usage or validation error
EXIT_BUDGET = 3  # budget refused or exhausted
EXIT_INTERRUPTED = 4  # resumable
EXIT_INTERNAL = 5
EXIT_NOTHING_SUCCEEDED = 6  # a run whose every attempted job failed: no answer to read


class Exit(Exception):
    """Leave with an exit code after printing a message."""

    def __init__(self, code: int, message: str = ""):
        self.code = code
        self.message = message


def require_run(run_dir: Path) -> None:
    """Exit 2 unless `run_dir` holds a run (a manifest.json)."""
    from vidbench.core.store.store import RunDir

    if not RunDir(run_dir).exists():
        raise Exit(EXIT_USAGE, f"{run_dir}: not a run directory (no manifest.json)")
    remember_run_dir(run_dir)  # a crash log goes into the run directory


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
    assets_root: Path | None = None,
) -> Path:
    """Generate → score → report; returns the run directory."""
    if resume is not None:
        run = _resumed_run(loaded, resume, yes, assets_root)
    else:
        options = {"sample": sample, "stratify": stratify, "seed": seed}
        run = _new_run(loaded, options, max_cost=max_cost, yes=yes, assets_root=assets_root)
    remember_run_dir(run.path)  # a crash log goes into the run directory
    with run_lock(run.path, "run"):  # one writer: a second resume is refused, not run twice
        _generate_score_report(run, loaded, max_cost=max_cost, score=score, report=report)
    return run.path


def _resumed_run(loaded: Any, resume: Path, yes: bool, assets_root: Path | None) -> Any:
    """The run directory to resume, after its secrets, inputs and key hosts are checked."""
    from vidbench.core.run.pipeline import check_resumed_inputs, check_secrets
    from vidbench.core.run.reconcile_run import check_resume
    from vidbench.core.store.store import RunDir

    run = RunDir(resume)
    if not run.exists():
        raise Exit(EXIT_USAGE, f"{resume}: not a run directory (no manifest.json)")
    check_secrets(loaded)
    check_resumed_inputs(run, assets_root)
    check_resume(run, loaded)  # records that contradict each other or the config: exit 2
    confirm_key_hosts(loaded, yes)
    console.print(f"resuming {run.path}")
    return run


def _new_run(
    loaded: Any,
    options: dict[str, Any],
    *,
    max_cost: float | None,
    yes: bool,
    assets_root: Path | None,
) -> Any:
    """Plan, check the budget and the user's consent to pay, then create the run directory."""
    from vidbench.core.run.pipeline import check_secrets, create_run, new_run_id, prepare

    check_secrets(loaded)
    run_id = new_run_id(loaded.config.name)
    suite, the_plan = prepare(loaded, **options, run_id=run_id, assets_root=assets_root)
    console.print(views.plan_table(the_plan))
    budget = max_cost if max_cost is not None else loaded.config.budget.max_cost_usd
    if budget is not None and the_plan.estimated_cost_usd > budget:
        raise Exit(
            EXIT_BUDGET,
            f"[red]budget refused[/red]: estimated ${the_plan.estimated_cost_usd:,.2f} > "
            f"max ${budget:,.2f}; nothing was sent. Lower --sample or raise the budget.",
        )
    confirm_key_hosts(loaded, yes)
    paid = [m for m in the_plan.models if not m.model.simulate and m.runnable]
    if paid and not yes:
        cost = sum(m.estimated_cost_usd for m in paid)
        if not sys.stdin.isatty():  # cron, CI, nohup, a pipe: nobody to ask, so no spending
            raise Exit(
                EXIT_USAGE,
                f"this run may spend about ${cost:,.2f} on real providers and there is no "
                "terminal to ask: rerun with --yes to agree; nothing was sent",
            )
        if not typer.confirm(f"This run may spend about ${cost:,.2f} on real providers. Continue?"):
            raise Exit(EXIT_USAGE, "cancelled; nothing was sent")
    run = create_run(loaded, suite, the_plan, run_id, loaded.output_dir, options)
    console.print(f"run directory: {run.path}")
    return run


def _generate_score_report(
    run: Any, loaded: Any, *, max_cost: float | None, score: bool, report: bool
) -> None:
    """The stages after the run directory exists (the caller holds its lock)."""
    from vidbench.core.run.pipeline import run_generation
    from vidbench.core.run.preflight import PreflightFailed

    progress, update = views.generation_progress(err_console)
    try:
        with progress:
            counters = run_generation(run, loaded, max_cost_usd=max_cost, progress=update)
    except KeyboardInterrupt:
        raise Exit(
            EXIT_INTERRUPTED, f"interrupted; resume with: vidbench run --resume {run.path}"
        ) from None
    except PreflightFailed as exc:  # a dead endpoint: found in a second, nothing sent
        raise Exit(
            EXIT_NOTHING_SUCCEEDED,
            f"[red]{escape(str(exc))}[/red]\nfix the network, the base_url or the key, then "
            f"resume with: vidbench run --resume {escape(str(run.path))}",
        ) from None
    console.print(
        f"generation: {counters.done} finished, {counters.failed} not succeeded, "
        f"{counters.creates} create requests, {counters.polls} polls"
    )
    if score:
        score_stage(run.path, None)
    else:
        from vidbench.core.run.results import build_results

        build_results(run)
    if report:
        report_stage(run.path, ("html", "md", "csv"))
    _end_with_causes(run)


def _end_with_causes(run: Any) -> None:
    """The console's last lines: why jobs did not succeed, grouped and counted per model;
    exit 3 when the budget stopped the run, 6 when no attempted job succeeded."""
    from vidbench.core.store.failure_causes import group_failure_causes

    states = list(run.states().values())
    causes = group_failure_causes(run.journal.read())
    budget_stopped = any(s.error_kind == "budget" for s in states)
    failure = nothing_succeeded(states, causes)
    if failure and not budget_stopped:
        raise Exit(EXIT_NOTHING_SUCCEEDED, failure)
    if causes:
        console.print("failure causes, per model:", highlight=False)
        for line in views.failure_cause_lines(causes):
            console.print(line, highlight=False, soft_wrap=True)
    if budget_stopped:
        raise Exit(EXIT_BUDGET, "budget exhausted: unsent jobs were recorded `skipped`")


def nothing_succeeded(states: list[Any], causes: list[Any] | None = None) -> str:
    """The message for a run in which jobs were attempted and none succeeded ('' otherwise),
    with its causes grouped per model (`causes`, from records) or else the commonest three,
    so an outage never reads as a result."""
    attempted = [s for s in states if s.final_status not in (None, "unsupported", "skipped")]
    if not attempted or any(s.final_status == "succeeded" for s in attempted):
        return ""
    head = f"[red]no job succeeded[/red] ({len(attempted)} attempted)"
    if causes:
        return "\n".join([f"{head}; the causes, per model:", *views.failure_cause_lines(causes)])
    counted = Counter(
        f"{s.error_kind or s.final_status}: {(s.detail or '')[:120]}" for s in attempted
    )
    lines = [f"  {count}× {escape(cause)}" for cause, count in counted.most_common(3)]
    return "\n".join([f"{head}; the commonest causes:", *lines])


def agree_judge_key(run_dir: Path, yes: bool) -> None:
    """A run's config may aim the judge's key at any host: name it; --yes agrees to it."""
    from vidbench.core.config.checks import JudgeSettings
    from vidbench.core.config.keyhosts import confirm, judge_key_host
    from vidbench.core.store.store import RunDir

    raw = (RunDir(run_dir).manifest().get("config") or {}).get("judge")
    foreign = judge_key_host(JudgeSettings.model_validate(raw)) if raw else None
    if foreign is None:
        return
    if yes:
        confirm([foreign])
    console.print(f"[yellow]key to another host[/yellow]: {foreign}", highlight=False)


def confirm_key_hosts(loaded: Any, yes: bool) -> None:
    """Name every key bound for a host that is not its provider's; go on only with --yes or a
    confirmation on a terminal (a cron job with someone's config must not send it silently)."""
    from vidbench.core.config.keyhosts import confirm
    from vidbench.core.plan.adapter_factory import foreign_key_hosts

    foreign = foreign_key_hosts(loaded)
    if not foreign or yes:
        for item in foreign:
            console.print(f"[yellow]key to another host[/yellow]: {item}", highlight=False)
        confirm(foreign)
        return
    for item in foreign:
        err_console.print(f"key to another host: {item}", markup=False, highlight=False)
    if not sys.stdin.isatty():
        raise Exit(
            EXIT_USAGE, "refusing to send keys to another host without --yes; nothing was sent"
        )
    if not typer.confirm("Send these keys to these hosts?"):
        raise Exit(EXIT_USAGE, "cancelled; nothing was sent")
    confirm(foreign)


def score_stage(
    run_dir: Path, scorer_names: list[str] | None, scoring: dict[str, Any] | None = None
) -> None:
    """Score a run's videos and rebuild its results, holding the run's lock.

    `scoring` overrides the run config's `scoring:` block (executor, address, workers, …).
    """
    with run_lock(run_dir, "score"):
        _score(run_dir, scorer_names, scoring or {})


def scoring_executor(manifest: dict[str, Any], overrides: dict[str, Any]) -> Any:
    """The executor the config's `scoring:` block and the command line ask for."""
    from pydantic import ValidationError

    from vidbench.core.config.settings import ScoringSettings
    from vidbench.core.scorers.executor import LocalExecutor

    block = {**((manifest.get("config") or {}).get("scoring") or {}), **overrides}
    try:
        settings = ScoringSettings.model_validate(block)
    except ValidationError as exc:
        from rich.markup import escape

        raise Exit(EXIT_USAGE, escape(f"scoring settings: {exc}")) from None
    if settings.executor == "local":
        return LocalExecutor(settings.device, settings.workers)
    from vidbench.core.scorers.executor_ray import ExecutorUnavailable, RayExecutor

    try:
        return RayExecutor(settings)
    except ExecutorUnavailable as exc:
        from rich.markup import escape  # "[ray]" is not markup

        raise Exit(EXIT_USAGE, escape(str(exc))) from None


def _score(run_dir: Path, scorer_names: list[str] | None, overrides: dict[str, Any]) -> None:
    from vidbench.core.config.settings import ClipSettings
    from vidbench.core.run.results import build_results
    from vidbench.core.scorers.scoring import score_run
    from vidbench.core.store.store import RunDir

    run = RunDir(run_dir)
    manifest = run.manifest()
    clip = ClipSettings.model_validate(manifest.get("clip") or {})
    names = scorer_names or manifest.get("scorers")
    options = (manifest.get("config") or {}).get("scorer_options") or {}
    options = {**options, "judge": {**options.get("judge", {}), "run_dir": str(run_dir)}}
    executor = scoring_executor(manifest, overrides)
    if executor.name != "local":
        console.print(f"scoring on {executor.name}: {executor.settings.workers} workers")
    progress, update = views.scoring_progress(err_console)
    with progress:
        summary = score_run(
            run_dir, names, clip=clip, progress=update, options=options, executor=executor
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
    for note in summary.notes:
        console.print(f"[yellow]note[/yellow] {escape(note)}", highlight=False)
    for name, reason in summary.unavailable.items():
        # escaped: "pip install 'vidbench[clip]'" is not markup (rich dropped "[clip]")
        console.print(f"[yellow]unavailable[/yellow] {name}: {escape(reason)}", highlight=False)
    build_results(run)


def report_stage(run_dir: Path, formats: tuple[str, ...]) -> None:
    """Write a run's reports, holding the run's lock."""
    with run_lock(run_dir, "report"):
        _report(run_dir, formats)


def _report(run_dir: Path, formats: tuple[str, ...]) -> None:
    from vidbench.core.store.store import RunDir
    from vidbench.reports.build import run_summary_table, write_reports
    from vidbench.reports.data import read_results

    run = RunDir(run_dir)
    if not run.results_path.exists():
        from vidbench.core.run.results import build_results

        build_results(run)
    paths = write_reports(run_dir, formats)
    df = read_results(run_dir)  # not through a link planted since (open_run_file)
    console.print(
        views.summary_view(
            run_summary_table(run_dir), simulated=bool(df["simulated"].fillna(False).any())
        )
    )
    plots = [p for p in paths if p.parent.name == "plots"]
    for path in paths:
        if path not in plots:
            console.print(f"wrote {path}")
    if plots:
        console.print(f"wrote {len(plots)} plot files to {plots[0].parent}")
