"""The stages wired together: plan → run directory → generate → score → report."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vidbench.core.config.config import LoadedConfig, RunConfig
from vidbench.core.plan.adapter_factory import run_adapters
from vidbench.core.plan.manifest import build_manifest, utc_now
from vidbench.core.plan.plan import Plan, build_plan, missing_secrets
from vidbench.core.run.runner import Runner
from vidbench.core.run.runtime import Counters, ModelRuntime
from vidbench.core.seam.errors import Problem, ValidationFailed
from vidbench.core.seam.http import build_client
from vidbench.core.seam.prices import recorded_live_rates
from vidbench.core.sim import default_cache_dir
from vidbench.core.store.store import RunDir
from vidbench.core.suites.suite import LoadedSuite, load_suite


def prepare(
    config: LoadedConfig,
    *,
    sample: int | None = None,
    stratify: str | None = "category",
    seed: int | None = None,
    run_id: str = "plan",
    assets_root: Path | None = None,
) -> tuple[LoadedSuite, Plan]:
    """Load the suite and plan the run; raises ValidationFailed before anything is sent."""
    suite = load_suite(config.suite_path, assets_root)
    if stratify not in (None, "category", "lang"):
        raise ValidationFailed(
            [Problem("--stratify", "stratify", "expected 'category', 'lang' or 'none'")]
        )
    plan = build_plan(config, suite, run_id=run_id, sample=sample, stratify=stratify, seed=seed)
    return suite, plan


def check_resumed_inputs(run: RunDir, assets_root: Path | None) -> None:
    """The files a resume would upload pass the same confinement and kind checks as a suite's
    (records are input too: a copied run directory may name any path)."""
    from vidbench.core.suites.inputs import resumed_input_problems

    unsent = [
        (state.job.job_id, state.job.inputs.files())
        for state in run.states().values()
        if not state.done and state.task_id is None and state.job.unsupported_reason is None
    ]
    unsent = [(job_id, inputs) for job_id, inputs in unsent if any(inputs.values())]
    suite = run.manifest().get("suite") or {}
    problems = resumed_input_problems(
        unsent, Path(str(suite.get("path", ""))), str(suite.get("sha256", "")), assets_root
    )
    if problems:
        raise ValidationFailed(
            [Problem(str(run.path / "records.jsonl"), "planned", p) for p in problems]
        )


def check_secrets(config: LoadedConfig) -> None:
    """Every key the run needs is set in the environment (names only in the error)."""
    missing = missing_secrets(config)
    if missing:
        raise ValidationFailed(
            [
                Problem(
                    str(config.path),
                    f"models[{model_id}]",
                    f"environment variable {env} is not set; export it, or add `simulate: default` to try the simulator",
                )
                for model_id, env in missing
            ]
        )


def new_run_id(name: str) -> str:
    return f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def create_run(
    config: LoadedConfig,
    suite: LoadedSuite,
    plan: Plan,
    run_id: str,
    out_dir: Path,
    sample_args: dict[str, Any],
) -> RunDir:
    """Create the run directory: manifest, then one `planned` record per job (one fsync)."""
    path = out_dir / run_id
    suffix = 1
    while path.exists():
        suffix += 1
        path = out_dir / f"{run_id}-{suffix}"
    path.mkdir(parents=True)
    run = RunDir(path)
    manifest = build_manifest(config, suite, plan, path.name, sample_args)
    run.write_manifest(manifest)
    run.journal.append("run_started", None, run_id=path.name)
    run.journal.append_many([("planned", j.job_id, {"job": j.to_dict()}) for j in plan.jobs])
    return run


def config_from_manifest(run: RunDir) -> LoadedConfig:
    """The config a run was started with (for `run --resume` without CONFIG)."""
    manifest = run.manifest()
    raw = manifest["config"]
    return LoadedConfig(RunConfig.model_validate(raw), Path(manifest["config_path"]), raw)


@contextlib.contextmanager
def simulator_for(config: RunConfig, seed: int) -> Iterator[Any]:
    """An in-process simulator when any model has `simulate:`, else None."""
    if not any(m.simulate for m in config.models):
        yield None
        return
    from vidbench.core.sim.server import SimServer

    server = SimServer(seed=seed, cache_dir=default_cache_dir()).start()
    try:
        yield server
    finally:
        server.stop()


async def generate(
    run: RunDir,
    config: LoadedConfig,
    *,
    max_cost_usd: float | None = None,
    progress: Callable[[Counters], None] | None = None,
) -> Counters:
    """Drive every unfinished job of `run` to a final status."""
    from vidbench.core.common.video import check_integrity

    cfg = config.config
    with simulator_for(cfg, cfg.seed) as simulator:
        async with build_client() as client:
            live_rates = recorded_live_rates(run.manifest().get("prices"))
            adapters = run_adapters(cfg, simulator, client, live_rates)
            runtimes = {
                model.id: ModelRuntime(
                    model.id,
                    adapters[model.id],
                    model.max_concurrency,
                    model.requests_per_minute,
                    model.timeout_s,
                    preflight=not model.simulate,  # the in-process simulator is always there
                )
                for model in cfg.models
            }
            budget = max_cost_usd if max_cost_usd is not None else cfg.budget.max_cost_usd
            runner = Runner(
                run, runtimes, max_cost_usd=budget, progress=progress, probe=check_integrity
            )
            try:
                return await runner.run_all()
            finally:
                manifest = run.manifest()
                manifest["finished_at"] = utc_now()
                manifest["generation"] = {
                    "creates": runner.counters.creates,
                    "polls": runner.counters.polls,
                }
                run.write_manifest(manifest)


def run_generation(run: RunDir, config: LoadedConfig, **kwargs: Any) -> Counters:
    """Synchronous wrapper around `generate`; KeyboardInterrupt is journaled and re-raised."""
    try:
        return asyncio.run(generate(run, config, **kwargs))
    except KeyboardInterrupt:
        run.journal.append(
            "interrupted", None, note="resume with: vidbench run --resume " + str(run.path)
        )
        raise
