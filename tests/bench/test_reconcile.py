"""The pure reconciliation rules: which listed tasks an unknown create may have made."""

from __future__ import annotations

from vidbench.core.run.reconcile import (
    CLOCK_SKEW_S,
    Outcome,
    Unresolved,
    assign,
    candidates,
    decide,
    mismatches,
    orphans,
)
from vidbench.core.seam.types import RemoteTask, TaskFacts, TaskState, TaskStatus

MODEL = "doubao-seedance-2-0-260128"
WANTED = TaskFacts(MODEL, 5, "16:9", "720p")
INTENT_AT = 1_000_000.0


def task(task_id: str, at: float = INTENT_AT + 1, **facts: object) -> RemoteTask:
    base = {"provider_model": MODEL, "duration_s": 5, "ratio": "16:9", "resolution": "720p"}
    base.update(facts)
    return RemoteTask(task_id, at, TaskFacts(**base), TaskState(TaskStatus.SUCCEEDED))  # type: ignore[arg-type]


def test_mismatches_name_each_differing_fact_and_ignore_unknown_ones() -> None:
    assert mismatches(WANTED, task("a").facts) == []
    assert mismatches(WANTED, task("a", duration_s=10, ratio="9:16").facts) == [
        "duration",
        "ratio",
    ]
    assert mismatches(WANTED, task("a", resolution=None).facts) == []  # not listed: not compared
    assert mismatches(TaskFacts(MODEL, prompt="a cat"), task("a", prompt="a dog").facts) == [
        "prompt"
    ]
    assert mismatches(WANTED, task("a", provider_model="other").facts) == ["model"]


def test_candidates_are_recent_matching_and_held_by_no_job() -> None:
    listed = [
        task("mine"),
        task("held"),
        task("other-size", resolution="480p"),
        task("too-old", at=INTENT_AT - CLOCK_SKEW_S - 1),
        task("skewed", at=INTENT_AT - CLOCK_SKEW_S + 1),
    ]
    found = candidates(WANTED, listed, intent_at_s=INTENT_AT, held_task_ids={"held"})
    assert [t.task_id for t in found] == ["mine", "skewed"]


def test_zero_one_several_candidates_give_resend_adopt_ambiguous() -> None:
    resend = decide(WANTED, [], intent_at_s=INTENT_AT)
    assert resend.outcome is Outcome.RESEND and "sent again" in resend.reason
    adopt = decide(WANTED, [task("t1", at=INTENT_AT + 0.4)], intent_at_s=INTENT_AT)
    assert (adopt.outcome, adopt.task_id) == (Outcome.ADOPT, "t1")
    assert adopt.evidence["created_after_intent_s"] == 0.4
    assert adopt.evidence["matched"] == {
        "provider_model": MODEL,
        "duration_s": 5,
        "ratio": "16:9",
        "resolution": "720p",
    }
    several = decide(WANTED, [task("t1"), task("t2")], intent_at_s=INTENT_AT)
    assert several.outcome is Outcome.AMBIGUOUS and several.task_id is None
    assert several.candidates == ("t1", "t2") and "t1, t2" in several.reason


def test_assign_adopts_only_tasks_claimed_by_a_single_job() -> None:
    listed = [task("a5", duration_s=5), task("b10", duration_s=10), task("x")]
    one = Unresolved("job-a", INTENT_AT, WANTED)
    verdicts = assign([one], listed[:2], set())
    assert verdicts["job-a"].task_id == "a5"
    two = [one, Unresolved("job-b", INTENT_AT, WANTED)]
    shared = assign(two, [task("x")], set())
    assert {v.outcome for v in shared.values()} == {Outcome.AMBIGUOUS}
    assert [t.task_id for t in orphans(listed, {"a5"})] == ["b10", "x"]
