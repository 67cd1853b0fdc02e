"""`vidbench reconcile RUN_DIR`: the provider's task list for the run's window vs the journal.

Adopts tasks that lost creates made (a `reconciled` record, so `run --resume` polls and
downloads them), lists orphans (tasks no job holds, with what they cost) and creates
nothing. The rules are those of `bench.reconcile`; here they meet a run directory.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from vidbench.core.config.config import LoadedConfig, ModelConfig
from vidbench.core.run.reconcile import CLOCK_SKEW_S, Outcome, Unresolved, assign, orphans
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.errors import Problem
from vidbench.core.seam.types import RemoteTask
from vidbench.core.store.records import record_conflicts
from vidbench.core.store.store import RECORDS, JobState, RunDir


@dataclass(frozen=True)
class Orphan:
    """A task the provider made in the run's window that no job holds."""

    model_id: str
    task_id: str
    status: str
    created_at_s: float
    cost_usd: float


@dataclass
class ReconcileReport:
    """What `vidbench reconcile` found and did."""

    since_s: float | None = None
    adopted: list[tuple[str, str]] = field(default_factory=list)  # (job id, task id)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)  # job → candidates
    nothing_made: list[str] = field(default_factory=list)  # unresolved jobs with no candidate
    orphans: list[Orphan] = field(default_factory=list)
    not_checked: dict[str, str] = field(default_factory=dict)  # model id → why
    conflicts: list[str] = field(default_factory=list)  # records that contradict each other

    def lines(self) -> list[str]:
        """A plain-text account for the console."""
        out = [f"conflict: {line} (`run --resume` refuses this run)" for line in self.conflicts]
        if self.since_s is None:
            return out + ["no create was ever sent from this run: nothing to reconcile"]
        out += [f"provider tasks since {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(self.since_s))} UTC"]  # fmt: skip
        out += [f"adopted {task} for {job}: `vidbench run --resume` downloads it" for job, task in self.adopted]  # fmt: skip
        out += [f"ambiguous {job}: candidates {', '.join(c)}" for job, c in self.ambiguous.items()]
        out += [f"nothing made for {job}: `vidbench run --resume` sends it" for job in self.nothing_made]  # fmt: skip
        out += [
            f"orphan {o.task_id} ({o.model_id}, {o.status}): ${o.cost_usd:.4f}"
            for o in self.orphans
        ]
        out += [f"not checked {model}: {why}" for model, why in self.not_checked.items()]
        total = sum(o.cost_usd for o in self.orphans)
        out.append(f"{len(self.adopted)} adopted, {len(self.orphans)} orphans (${total:.4f})")
        return out


def _unresolved(state: JobState) -> bool:
    if state.task_id is not None or state.open_intent_at is None:
        return False
    return not state.done or state.error_kind == "ambiguous_create"


async def _check_model(
    run: RunDir, adapter: Adapter, model: ModelConfig, states: list[JobState],
    held: set[str], since_s: float, report: ReconcileReport,
) -> None:  # fmt: skip
    """Adopt, flag or clear each unresolved job of one model; collect its orphans."""
    try:
        listed = await adapter.list_recent_tasks(model.model, since_s)
    except NotImplementedError as exc:
        report.not_checked[model.id] = str(exc) or "the provider cannot list its tasks"
        return
    mine = [s for s in states if s.job.model_id == model.id]
    pending = [
        Unresolved(s.job.job_id, s.open_intent_at or since_s, adapter.task_facts(s.job.request))
        for s in mine
        if _unresolved(s)
    ]  # fmt: skip
    for job_id, verdict in assign(pending, listed, held).items():
        if verdict.outcome is Outcome.ADOPT and verdict.task_id:
            created = verdict.evidence.get("created_at_s")
            run.journal.append(
                "reconciled", job_id, outcome="adopt", task_id=verdict.task_id,
                reason=verdict.reason + " (vidbench reconcile)", evidence=verdict.evidence,
                submitted_at=created if isinstance(created, int | float) else time.time(),
            )  # fmt: skip
            held.add(verdict.task_id)
            report.adopted.append((job_id, verdict.task_id))
        elif verdict.outcome is Outcome.AMBIGUOUS:
            report.ambiguous[job_id] = verdict.candidates
        else:
            report.nothing_made.append(job_id)
    report.orphans += [_orphan(adapter, model.id, mine, t) for t in orphans(listed, held)]


def _orphan(adapter: Adapter, model_id: str, mine: list[JobState], task: RemoteTask) -> Orphan:
    """An orphan priced as one of the model's jobs with the task's own duration."""
    cost_usd = 0.0
    if mine:
        request = mine[0].job.request
        if task.facts.duration_s:
            request = replace(request, duration_s=int(round(task.facts.duration_s)))
        cost_usd = adapter.actual_cost(request, task.state).usd
    return Orphan(model_id, task.task_id, task.state.status.value, task.created_at_s, cost_usd)


async def reconcile_run(run: RunDir, config: LoadedConfig) -> ReconcileReport:
    """Compare every listable model's recent tasks with the journal (caller holds the lock)."""
    from vidbench.core.plan.adapter_factory import run_adapter

    states = list(run.states().values())
    intents = [s.open_intent_at for s in states if s.open_intent_at is not None]
    records = [r.get("ts", 0.0) for r in run.journal.read() if r.get("event") == "intent"]
    report = ReconcileReport(conflicts=run_conflicts(run, config))
    if not records and not intents:
        return report
    report.since_s = min(records or intents) - CLOCK_SKEW_S
    held = {s.task_id for s in states if s.task_id}
    async with http.build_client() as client:  # bounded answers, no redirects followed
        for model in config.config.models:
            if model.simulate:
                report.not_checked[model.id] = "in-process simulator: its tasks ended with the run"
                continue
            adapter = run_adapter(model, config.config, None, client)
            try:
                await _check_model(run, adapter, model, states, held, report.since_s, report)
            except errors.ProviderError as exc:
                report.not_checked[model.id] = f"the task list could not be read: {exc}"
    return report


def run_conflicts(run: RunDir, config: LoadedConfig) -> list[str]:
    """Records of `run` that contradict each other or the config's models (see
    `vidbench.core.store.records.record_conflicts`)."""
    models = {model.id: (model.adapter, model.model) for model in config.config.models}
    return record_conflicts(run.journal.read(), models)


def check_resume(run: RunDir, config: LoadedConfig) -> None:
    """Raise `ValidationFailed` (exit 2) naming every conflict: `--resume` trusts no record
    that another record or the config contradicts."""
    conflicts = run_conflicts(run, config)
    if conflicts:
        where = str(run.path / RECORDS)
        problems = [Problem(where, "records", line) for line in conflicts]
        problems.append(
            Problem(
                where,
                "records",
                "not resumed: `vidbench reconcile` lists these; "
                "start a new run, or remove the records that are not yours",
            )  # fmt: skip
        )
        raise errors.ValidationFailed(problems)


def reconcile_dir(run_dir: Path, config: LoadedConfig) -> ReconcileReport:
    """`reconcile_run` for a run directory, holding its lock."""
    from vidbench.core.store.lock import run_lock

    with run_lock(run_dir, "reconcile"):
        return asyncio.run(reconcile_run(RunDir(run_dir), config))
