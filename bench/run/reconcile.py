"""Resolving creates whose outcome is unknown, by asking the provider what it made.

A create whose answer was lost (timeout, 5xx, dropped connection, a kill mid-request) may
or may not have made a billed task. The runner keeps at most one unresolved create per
(endpoint, model) in flight, so among the tasks the provider lists for that model since
the intent (less a clock-skew allowance), the ones that match the request and that no job
of the run holds are candidates for exactly that one create:

- zero candidates → nothing was made: safe to resend;
- one → adopt it (the evidence is recorded);
- several → `ambiguous_create`, candidates listed for the user.

Pure functions and data here; adapters list (`Adapter.list_recent_tasks`) and describe
what they send (`Adapter.task_facts`), the runner and `vidbench reconcile` decide with these.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from vidbench.core.seam.types import RemoteTask, TaskFacts

# Provider clocks and ours disagree; a task stamped up to this long before our intent
# is still considered. Within one run, creates of one model are serialized, so the
# allowance admits only tasks that some job of the run already holds (excluded) or that
# another client made (which makes the verdict `ambiguous`, never a wrong adoption).
CLOCK_SKEW_S = 120.0
DURATION_TOLERANCE_S = 0.5
MAX_CANDIDATES_LISTED = 10


class Outcome(enum.StrEnum):
    """What to do about an unresolved create."""

    RESEND = "resend"
    ADOPT = "adopt"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Verdict:
    """The decision for one unresolved create, with the evidence behind it."""

    outcome: Outcome
    reason: str
    task_id: str | None = None
    candidates: tuple[str, ...] = ()
    evidence: dict[str, object] = field(default_factory=dict)


def _differs(wanted: object, seen: object) -> bool:
    return wanted is not None and seen is not None and wanted != seen


def mismatches(wanted: TaskFacts, seen: TaskFacts) -> list[str]:
    """The facts on which a listed task differs from the request (empty: it matches)."""
    out = []
    if wanted.provider_model != seen.provider_model:
        out.append("model")
    if (
        wanted.duration_s is not None
        and seen.duration_s is not None
        and abs(wanted.duration_s - seen.duration_s) > DURATION_TOLERANCE_S
    ):
        out.append("duration")
    for name in ("ratio", "resolution", "size", "prompt", "external_id"):
        if _differs(getattr(wanted, name), getattr(seen, name)):
            out.append(name)
    return out


def candidates(
    wanted: TaskFacts,
    listed: Iterable[RemoteTask],
    *,
    intent_at_s: float,
    held_task_ids: set[str],
    skew_s: float = CLOCK_SKEW_S,
) -> list[RemoteTask]:
    """Listed tasks that this create may have made: recent enough, matching, unheld."""
    since_s = intent_at_s - skew_s
    return [
        task
        for task in listed
        if task.created_at_s >= since_s
        and task.task_id not in held_task_ids
        and not mismatches(wanted, task.facts)
    ]


def decide(wanted: TaskFacts, found: list[RemoteTask], *, intent_at_s: float) -> Verdict:
    """Zero candidates → resend, one → adopt, several → ambiguous."""
    if not found:
        return Verdict(
            Outcome.RESEND,
            f"the provider lists no unclaimed {wanted.provider_model} task matching this "
            f"request created since {intent_at_s:.0f} (less {CLOCK_SKEW_S:.0f} s clock "
            "allowance): the create made nothing, so it is sent again",
        )
    if len(found) == 1:
        task = found[0]
        return Verdict(
            Outcome.ADOPT,
            f"the one unclaimed matching task {task.task_id} is adopted",
            task_id=task.task_id,
            candidates=(task.task_id,),
            evidence=evidence_of(wanted, task, intent_at_s),
        )
    ids = tuple(t.task_id for t in found[:MAX_CANDIDATES_LISTED])
    more = f" and {len(found) - len(ids)} more" if len(found) > len(ids) else ""
    return Verdict(
        Outcome.AMBIGUOUS,
        f"{len(found)} unclaimed tasks match this create: {', '.join(ids)}{more}; "
        "check which one is yours in the provider console (`vidbench reconcile` lists them)",
        candidates=ids,
    )


def evidence_of(wanted: TaskFacts, task: RemoteTask, intent_at_s: float) -> dict[str, object]:
    """Why a task was adopted: what matched, and when it was made relative to the intent."""
    matched = {
        name: getattr(task.facts, name)
        for name in ("provider_model", "duration_s", "ratio", "resolution", "size", "external_id")
        if getattr(wanted, name) is not None and getattr(task.facts, name) is not None
    }
    if wanted.prompt is not None and task.facts.prompt is not None:
        matched["prompt"] = "same text"
    return {
        "matched": matched,
        "created_at_s": task.created_at_s,
        "created_after_intent_s": round(task.created_at_s - intent_at_s, 3),
        "status": task.state.status.value,
    }


@dataclass(frozen=True)
class Unresolved:
    """A job whose last create has no recorded outcome."""

    job_id: str
    intent_at_s: float
    facts: TaskFacts


def assign(
    unresolved: list[Unresolved],
    listed: list[RemoteTask],
    held_task_ids: set[str],
) -> dict[str, Verdict]:
    """Verdicts for several unresolved creates of one model (for `vidbench reconcile`).

    A task is adopted only when it is the single candidate of one job and a candidate of
    no other job; anything shared stays ambiguous rather than guessed.
    """
    found = {
        u.job_id: candidates(
            u.facts, listed, intent_at_s=u.intent_at_s, held_task_ids=held_task_ids
        )
        for u in unresolved
    }
    claims: dict[str, int] = {}
    for tasks in found.values():
        for task in tasks:
            claims[task.task_id] = claims.get(task.task_id, 0) + 1
    verdicts = {}
    for u in unresolved:
        tasks = found[u.job_id]
        verdict = decide(u.facts, tasks, intent_at_s=u.intent_at_s)
        if verdict.outcome is Outcome.ADOPT and claims[tasks[0].task_id] > 1:
            verdict = Verdict(
                Outcome.AMBIGUOUS,
                f"task {tasks[0].task_id} matches more than one unresolved job",
                candidates=verdict.candidates,
            )
        verdicts[u.job_id] = verdict
    return verdicts


def orphans(listed: list[RemoteTask], held_task_ids: set[str]) -> list[RemoteTask]:
    """Listed tasks that no job holds (billed if they succeeded)."""
    return [task for task in listed if task.task_id not in held_task_ids]
