"""`vidbench reconcile`, `sim`, `demo`, `models`, `doctor`, `arena` and `suites import|checks`:
the tool commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from vidbench.cli import views as views
from vidbench.cli.stages import EXIT_USAGE, Exit, confirm_key_hosts, execute_run, require_run
from vidbench.cli.views import console

suites_app = typer.Typer(no_args_is_help=True, help="Prompt suite tools.", **views.PLAIN_HELP)


def sim(
    port: Annotated[int, typer.Option("--port")] = 8765,
    profile: Annotated[str, typer.Option("--profile")] = "default",
    render_scale: Annotated[
        float, typer.Option("--render-scale", help="Below 1: smaller (cheaper) rendered videos.")
    ] = 1.0,
    tls: Annotated[
        bool, typer.Option("--tls", help="Serve https with a certificate made now (printed).")
    ] = False,
) -> None:
    """Serve every provider simulator on one port (Ctrl-C to stop); prints URLs and keys."""
    from vidbench.core.sim.profiles import PROFILES
    from vidbench.core.sim.server import serve

    if profile not in PROFILES:
        raise Exit(EXIT_USAGE, f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    if not 0.05 <= render_scale <= 1.0:
        raise Exit(EXIT_USAGE, "--render-scale must be within [0.05, 1]")
    serve(port, profile, render_scale=render_scale, tls=tls)


def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the run directory (default runs/).")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", help="Only N prompts (one per category first): a quicker demo."),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="All nine simulated models (demo-full), not the three."),
    ] = False,
) -> None:
    """Offline end-to-end run on the built-in simulators: no key, no money.

    Three models over the ten smoke prompts (the bundled `demo` config, about a minute on two
    cores); `--full` runs nine (`demo-full`, 2.5 to 3.5 minutes)."""
    from vidbench.core.config.config import load_config
    from vidbench.core.config.resources import config_path

    loaded = load_config(config_path("demo-full" if full else "demo"))
    # The bundled config may live inside site-packages: runs go to --out, else ./runs.
    out = out if out is not None else Path("runs")
    out.mkdir(parents=True, exist_ok=True)
    loaded.config.output_dir = str(out.resolve())
    run_dir = execute_run(
        loaded, resume=None, max_cost=None, yes=True, sample=sample, stratify="category", seed=0
    )
    console.print(f"\n[bold green]demo finished[/bold green]: {run_dir}")
    console.print(f"report: {run_dir / 'report.html'}  ·  summary: {run_dir / 'report.md'}")


def models(
    provider: Annotated[
        list[str] | None,
        typer.Option("--provider", help="Only this adapter (repeat for several)."),
    ] = None,
    live: Annotated[bool, typer.Option("--live", help="Only models whose status is live.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout (docs/cli-json.md).")
    ] = False,
) -> None:
    """Adapters, known model ids, capabilities, list prices (with source and date) and the
    USD price of one 5 s 720p clip by each model's own pricing rule."""
    from vidbench.adapters.registry import adapter_names
    from vidbench.cli.catalogue import catalogue, unknown_providers

    problems = unknown_providers(provider or [], adapter_names())
    if problems:
        raise Exit(EXIT_USAGE, escape("; ".join(problems)))
    document = catalogue(provider or None, live)
    if as_json:
        views.print_json(document)
    else:
        views.print_models(console, document)


def doctor(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Check what this config needs (default: the demo's)."),
    ] = None,
) -> None:
    """Environment and weights, with known-answer tests on real photos, and every scorer the
    config (or the demo) needs; exit 2 when one fails, with the command that fixes it."""
    from vidbench.core.config.bundled import load_named_config
    from vidbench.core.scorers.doctor import Needs, report_lines, run_doctor

    loaded = load_named_config(config if config is not None else "demo")
    cfg = loaded.config
    label = str(config) if config is not None else "the demo"
    needs = Needs(label, tuple(cfg.scorers), cfg.clip, dict(cfg.scorer_options), cfg.judge)
    report = run_doctor(needs=needs)
    for line in report_lines(report):
        console.print(line, highlight=False, markup=False)
    problems = []
    if report.missing:
        problems.append(f"unavailable here: {', '.join(report.missing)} (fix: see above)")
    if report.refused:
        problems.append(f"refused: {', '.join(report.refused)} (weights failed their check)")
    if problems:
        raise Exit(EXIT_USAGE, escape(f"{label} cannot be scored fully — " + "; ".join(problems)))


@suites_app.command("import")
def suites_import(
    src: Path,
    format: Annotated[str, typer.Option("--format", help="vbench or csv")],
    out: Annotated[Path, typer.Option("--out", help="Suite YAML to write.")],
    pair: Annotated[
        Path | None,
        typer.Option(
            "--pair",
            help="The English original of a translated VBench .txt (or folder), line-aligned: "
            "each translated prompt gets it as scoring_text.",
        ),
    ] = None,
) -> None:
    """Import a VBench prompt file/folder or a CSV (id, text, category) as a suite."""
    from vidbench.core.suites.suite_import import import_suite, write_suite

    if format not in ("vbench", "csv"):
        raise Exit(EXIT_USAGE, "--format must be vbench or csv")
    if pair is not None and format != "vbench":
        raise Exit(EXIT_USAGE, "--pair applies to --format vbench (CSV has a scoring_text column)")
    suite = import_suite(src, format, pair)
    write_suite(suite, out)
    console.print(f"wrote {out}: {len(suite.prompts)} prompts")
    untranslated = [p for p in suite.prompts if p.lang != "en" and not p.scoring_text]
    if untranslated:
        langs = ", ".join(sorted({p.lang for p in untranslated}))
        console.print(
            f"{len(untranslated)} prompts are in {langs} without an English scoring_text: "
            "pair them with their original (--pair FILE) or add scoring_text"
        )


@suites_app.command("checks")
def suites_checks(
    suite: Annotated[Path, typer.Argument(help="The suite to draft checks for.")],
    judge: Annotated[str, typer.Option("--judge", help="Model id at the endpoint.")],
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint (…/v1).")
    ] = None,
    api_key_env: Annotated[
        str | None, typer.Option("--api-key-env", help="Variable holding the key.")
    ] = "OPENAI_API_KEY",
    out: Annotated[Path | None, typer.Option("--out", help="Reviewable copy to write.")] = None,
) -> None:
    """Draft yes/no checks for prompts without any, into a copy of the suite to review."""
    import os

    from vidbench.core.config.bundled import resolve_named
    from vidbench.core.config.checks import JudgeSettings
    from vidbench.core.scorers.checks_draft import draft_suite

    suite = resolve_named(suite, ("suite",))  # a file, or a bundled suite's name
    settings = JudgeSettings(model=judge, base_url=base_url, api_key_env=api_key_env)
    key = os.environ.get(api_key_env) if api_key_env else None
    if api_key_env and not key:
        raise Exit(EXIT_USAGE, f"environment variable {api_key_env} is not set (--api-key-env)")
    target = out or suite.with_name(f"{suite.stem}.checks-draft.yaml")
    counts = draft_suite(suite, settings, key, target)
    console.print(
        f"wrote {target}: checks drafted for {sum(1 for n in counts.values() if n)} of "
        f"{len(counts)} prompts without checks; review them, then replace {suite.name}"
    )


def reconcile(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Agree to send keys to a non-default host.")
    ] = False,
) -> None:
    """Provider task list vs the journal: adopt lost tasks, list orphans; creates nothing."""
    from vidbench.core.run.pipeline import check_secrets, config_from_manifest
    from vidbench.core.run.reconcile_run import reconcile_dir
    from vidbench.core.store.store import RunDir

    require_run(run_dir)
    loaded = config_from_manifest(RunDir(run_dir))
    check_secrets(loaded)
    confirm_key_hosts(loaded, yes)  # a copied run's manifest may name any base_url
    for line in reconcile_dir(run_dir, loaded).lines():
        console.print(line, markup=False, highlight=False)


def arena(
    run_dirs: Annotated[
        list[Path], typer.Argument(help="Run directories (votes go to the first).")
    ],
    port: Annotated[int, typer.Option("--port")] = 8770,
    host: Annotated[
        str, typer.Option("--host", help="127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
) -> None:
    """Blind pairwise voting page for people; votes appended to votes.jsonl."""
    from vidbench.core.arena.server import serve
    from vidbench.core.arena.votes import ArenaBusy

    for run_dir in run_dirs:
        require_run(run_dir)
    try:
        serve(run_dirs, port, host)
    except ArenaBusy as exc:
        raise Exit(EXIT_USAGE, str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add reconcile, sim, demo, models, doctor and arena to `app` (as `--help` lists them)."""
    for command in (reconcile, sim, demo, models, doctor, arena):
        app.command()(command)
