"""vidbench's Python API: plan and run a config, read a run's results, compare two runs,
and extend vidbench with an adapter or a scorer (docs/api.md).

Everything here is what the command line does, without its console: nothing is printed
and nothing is asked. Spending money needs `allow_spending=True`, as the CLI needs --yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from vidbench.adapters.registry import adapter_names
from vidbench.adapters.registry import register as _register_adapter
from vidbench.core.config.bundled import load_named_config
from vidbench.core.config.config import LoadedConfig
from vidbench.core.config.settings import ClipSettings, ScoringSettings
from vidbench.core.plan.plan import Plan
from vidbench.core.scorers.base import Output, Scorer, ScorerContext, ScorerUnavailable
from vidbench.core.scorers.registry import register as register_scorer
from vidbench.core.scorers.registry import scorer_names
from vidbench.core.scorers.sampler import VideoPass
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.errors import BudgetExceeded, VidbenchError
from vidbench.core.sim.common import SimMount
from vidbench.core.store.jobs import Job
from vidbench.reports.compare import CompareResult
from vidbench.reports.data import read_results

__all__ = [
    "Adapter",
    "CompareResult",
    "Job",
    "Output",
    "Scorer",
    "ScorerContext",
    "ScorerUnavailable",
    "SpendingRefused",
    "VideoPass",
    "adapter_names",
    "compare",
    "plan",
    "register_adapter",
    "register_scorer",
    "results",
    "run",
    "score",
    "scorer_names",
]


class SpendingRefused(VidbenchError):
    """The run would call a real (paid) provider, or send a key to another host, and the
    caller did not pass allow_spending=True. Nothing was sent."""


@dataclass(frozen=True)
class _Sampling:
    sample: int | None
    stratify: str | None
    seed: int | None

    def options(self) -> dict[str, Any]:
        return {"sample": self.sample, "stratify": self.stratify, "seed": self.seed}


def _load(config: str | Path, out: str | Path | None) -> LoadedConfig:
    loaded = load_named_config(config)
    if out is not None:
        loaded.config.output_dir = str(Path(out).resolve())
    return loaded


def plan(
    config: str | Path,
    *,
    sample: int | None = None,
    stratify: str | None = "category",
    seed: int | None = None,
) -> Plan:
    """The jobs and estimated cost of a config (a file or a bundled name); sends nothing.
    Raises ValidationFailed listing every problem of the config or its suite."""
    from vidbench.core.run.pipeline import prepare

    _, the_plan = prepare(_load(config, None), sample=sample, stratify=stratify, seed=seed)
    return the_plan


def run(
    config: str | Path,
    *,
    out: str | Path | None = None,
    sample: int | None = None,
    stratify: str | None = "category",
    seed: int | None = None,
    max_cost_usd: float | None = None,
    allow_spending: bool = False,
) -> Path:
    """Generate → score → report, as `vidbench run`; returns the new run directory.

    `out` replaces the config's output_dir. Raises BudgetExceeded when the estimate is over
    the budget, SpendingRefused when a model is real and allow_spending is False, and
    ValidationFailed or MissingSecret before anything is sent."""
    from vidbench.core.run.pipeline import check_secrets, create_run, new_run_id, prepare
    from vidbench.core.store.lock import run_lock

    loaded = _load(config, out)
    sampling = _Sampling(sample, stratify, seed)
    check_secrets(loaded)
    run_id = new_run_id(loaded.config.name)
    suite, the_plan = prepare(loaded, **sampling.options(), run_id=run_id)
    budget = max_cost_usd if max_cost_usd is not None else loaded.config.budget.max_cost_usd
    if budget is not None and the_plan.estimated_cost_usd > budget:
        raise BudgetExceeded(
            f"estimated ${the_plan.estimated_cost_usd:,.2f} > max ${budget:,.2f}; nothing was sent"
        )
    _check_consent(loaded, the_plan, allow_spending)
    run_dir = create_run(loaded, suite, the_plan, run_id, loaded.output_dir, sampling.options())
    with run_lock(run_dir.path, "run"):
        _generate_score_report(run_dir, loaded, max_cost_usd)
    return run_dir.path


def _check_consent(loaded: LoadedConfig, the_plan: Plan, allow_spending: bool) -> None:
    from vidbench.core.config.keyhosts import confirm
    from vidbench.core.plan.adapter_factory import foreign_key_hosts

    paid = [m.model.id for m in the_plan.models if not m.model.simulate and m.runnable]
    foreign = foreign_key_hosts(loaded)
    if (paid or foreign) and not allow_spending:
        what = [f"real provider models: {', '.join(paid)}"] if paid else []
        what += [f"a key to another host: {item}" for item in foreign]
        raise SpendingRefused(
            f"{'; '.join(what)} — pass allow_spending=True to agree; nothing was sent"
        )
    confirm(foreign)


def _generate_score_report(run_dir: Any, loaded: LoadedConfig, max_cost_usd: float | None) -> None:
    from vidbench.core.run.pipeline import run_generation
    from vidbench.core.run.results import build_results
    from vidbench.reports.build import write_reports

    run_generation(run_dir, loaded, max_cost_usd=max_cost_usd)
    _score(run_dir, None)
    build_results(run_dir)
    write_reports(run_dir.path)


def _score(run_dir: Any, scorers: list[str] | None) -> dict[str, str]:
    """Score a run (the config's scorers unless named); returns unavailable scorers' reasons."""
    from vidbench.core.scorers.scoring import score_run

    manifest = run_dir.manifest()
    options = (manifest.get("config") or {}).get("scorer_options") or {}
    options = {**options, "judge": {**options.get("judge", {}), "run_dir": str(run_dir.path)}}
    summary = score_run(
        run_dir.path,
        scorers or manifest.get("scorers"),
        clip=ClipSettings.model_validate(manifest.get("clip") or {}),
        options=options,
        executor=_executor(manifest),
    )
    return dict(summary.unavailable)


def score(run_dir: str | Path, scorers: list[str] | None = None) -> dict[str, str]:
    """(Re-)score a run's videos, as `vidbench score`: cached values are reused, so only new
    scorers (or new versions) compute. Rebuilds results.parquet and returns, per scorer that
    cannot run here, the reason (e.g. "dlib is not installed: pip install 'vidbench[faces]'")."""
    from vidbench.core.run.results import build_results
    from vidbench.core.scorers.registry import unknown_scorer
    from vidbench.core.store.lock import run_lock

    for name in scorers or []:
        if name not in scorer_names():
            raise KeyError(unknown_scorer(name))
    run = _run_dir(run_dir)
    with run_lock(run.path, "score"):
        unavailable = _score(run, scorers)
        build_results(run)
    return unavailable


def _run_dir(run_dir: str | Path) -> Any:
    from vidbench.core.store.store import RunDir

    run = RunDir(Path(run_dir))
    if not run.exists():
        raise FileNotFoundError(f"{run_dir}: not a run directory (no manifest.json)")
    return run


def _executor(manifest: dict[str, Any]) -> Any:
    """The executor the run's `scoring:` block names (local threads, or a Ray cluster)."""
    from vidbench.core.scorers.executor import LocalExecutor

    block = (manifest.get("config") or {}).get("scoring") or {}
    settings = ScoringSettings.model_validate(block)
    if settings.executor == "local":
        return LocalExecutor(settings.device, settings.workers)
    from vidbench.core.scorers.executor_ray import RayExecutor

    return RayExecutor(settings)


def results(run_dir: str | Path) -> pd.DataFrame:
    """A run's results, one row per job (results.parquet; built from records if missing)."""
    from vidbench.core.run.results import build_results

    run = _run_dir(run_dir)
    if not (run.results_path.exists() or run.results_path.is_symlink()):
        build_results(run)
    return read_results(run.path)  # not through a link (FileRefused, a ValueError)


def compare(
    baseline: str | Path, candidate: str | Path, *, out: str | Path | None = None
) -> CompareResult:
    """Candidate vs baseline, as `vidbench compare`: writes compare.html and compare.md
    (to `out`, default a folder in the candidate run) and returns what it found."""
    from vidbench.reports.compare_report import compare_runs

    for run_dir in (baseline, candidate):
        results(run_dir)  # results.parquet exists for both
    return compare_runs(Path(baseline), Path(candidate), Path(out) if out is not None else None)


def register_adapter(name: str, adapter: type[Adapter], simulator: SimMount | None = None) -> None:
    """Make `adapter:` NAME usable in configs of this process (with its simulator, for
    `simulate:`); a package registers through the `vidbench.adapters` entry point."""
    _register_adapter(name, adapter, simulator)
