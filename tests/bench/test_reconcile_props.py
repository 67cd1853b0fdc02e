"""Reconciliation pinned exactly: each fact's comparison, the time window's edges, the
verdicts' reasons, candidates and evidence, and `assign` over shared candidates."""

from __future__ import annotations

import itertools

import pytest

from vidbench.core.run.reconcile import (
    CLOCK_SKEW_S,
    DURATION_TOLERANCE_S,
    MAX_CANDIDATES_LISTED,
    Outcome,
    Unresolved,
    Verdict,
    assign,
    candidates,
    decide,
    evidence_of,
    mismatches,
    orphans,
)
from vidbench.core.seam.types import RemoteTask, TaskFacts, TaskState, TaskStatus

MODEL = "model-x"
INTENT_AT = 1_000_000.0
FULL = TaskFacts(MODEL, 5.0, "16:9", "720p", "1280x720", "a cat", "ext-1")
OTHER = {
    "ratio": "9:16",
    "resolution": "1080p",
    "size": "720x1280",
    "prompt": "a dog",
    "external_id": "ext-2",
}


def remote(
    task_id: str,
    facts: TaskFacts = FULL,
    at: float = INTENT_AT + 1,
    status: TaskStatus = TaskStatus.SUCCEEDED,
) -> RemoteTask:
    """A listed task."""
    return RemoteTask(task_id, at, facts, TaskState(status))


def with_(facts: TaskFacts, **changes: object) -> TaskFacts:
    """`facts` with some fields replaced."""
    values = {**facts.__dict__, **changes}
    return TaskFacts(**values)  # type: ignore[arg-type]


def test_constants() -> None:
    assert (CLOCK_SKEW_S, DURATION_TOLERANCE_S, MAX_CANDIDATES_LISTED) == (120.0, 0.5, 10)


@pytest.mark.parametrize("name", sorted(OTHER))
def test_each_fact_mismatches_alone_and_is_ignored_when_unknown_on_either_side(
    name: str,
) -> None:
    assert mismatches(FULL, with_(FULL, **{name: OTHER[name]})) == [name]
    assert mismatches(FULL, with_(FULL, **{name: None})) == []
    assert mismatches(with_(FULL, **{name: None}), with_(FULL, **{name: OTHER[name]})) == []


def test_every_set_of_differing_facts_is_listed_in_field_order() -> None:
    order = ["model", "duration", "ratio", "resolution", "size", "prompt", "external_id"]
    changes = {"provider_model": "other", "duration_s": 10.0, **OTHER}
    keys = list(changes)
    for count in range(len(keys) + 1):
        for chosen in itertools.combinations(keys, count):
            seen = with_(FULL, **{k: changes[k] for k in chosen})
            expected = [order[keys.index(k)] for k in keys if k in chosen]
            assert mismatches(FULL, seen) == expected


@pytest.mark.parametrize(
    ("seen_s", "differs"),
    [(5.0, False), (5.5, False), (4.5, False), (5.51, True), (4.49, True), (10.0, True)],
)
def test_duration_tolerance_is_half_a_second_inclusive(seen_s: float, differs: bool) -> None:
    assert mismatches(FULL, with_(FULL, duration_s=seen_s)) == (["duration"] if differs else [])
    assert mismatches(with_(FULL, duration_s=None), with_(FULL, duration_s=seen_s)) == []
    assert mismatches(FULL, with_(FULL, duration_s=None)) == []


def test_model_is_always_compared() -> None:
    assert mismatches(TaskFacts("a"), TaskFacts("b")) == ["model"]
    assert mismatches(TaskFacts("a"), TaskFacts("a")) == []


@pytest.mark.parametrize(
    ("offset_s", "kept"),
    [(0.0, True), (-120.0, True), (-119.0, True), (-120.5, False), (-500.0, False), (50.0, True)],
)
def test_window_starts_exactly_the_skew_before_the_intent(offset_s: float, kept: bool) -> None:
    listed = [remote("t", at=INTENT_AT + offset_s)]
    found = candidates(FULL, listed, intent_at_s=INTENT_AT, held_task_ids=set())
    assert [t.task_id for t in found] == (["t"] if kept else [])


def test_window_uses_the_given_skew() -> None:
    listed = [remote("t", at=INTENT_AT - 30)]
    assert candidates(FULL, listed, intent_at_s=INTENT_AT, held_task_ids=set(), skew_s=30) != []
    assert candidates(FULL, listed, intent_at_s=INTENT_AT, held_task_ids=set(), skew_s=29) == []


def test_candidates_drop_held_and_mismatching_and_keep_order() -> None:
    listed = [
        remote("c"),
        remote("held"),
        remote("b"),
        remote("wrong", with_(FULL, ratio="1:1")),
        remote("a"),
    ]
    found = candidates(FULL, listed, intent_at_s=INTENT_AT, held_task_ids={"held"})
    assert [t.task_id for t in found] == ["c", "b", "a"]


def test_resend_reason_is_exact() -> None:
    verdict = decide(FULL, [], intent_at_s=INTENT_AT)
    assert verdict == Verdict(
        Outcome.RESEND,
        "the provider lists no unclaimed model-x task matching this request created since "
        "1000000 (less 120 s clock allowance): the create made nothing, so it is sent again",
    )


def test_adopt_carries_id_candidates_and_evidence() -> None:
    task = remote("t1", at=INTENT_AT + 2.5, status=TaskStatus.RUNNING)
    verdict = decide(FULL, [task], intent_at_s=INTENT_AT)
    assert verdict.outcome is Outcome.ADOPT
    assert verdict.reason == "the one unclaimed matching task t1 is adopted"
    assert verdict.task_id == "t1"
    assert verdict.candidates == ("t1",)
    assert verdict.evidence == {
        "matched": {
            "provider_model": MODEL,
            "duration_s": 5.0,
            "ratio": "16:9",
            "resolution": "720p",
            "size": "1280x720",
            "external_id": "ext-1",
            "prompt": "same text",
        },
        "created_at_s": INTENT_AT + 2.5,
        "created_after_intent_s": 2.5,
        "status": "running",
    }


def test_evidence_lists_only_facts_known_on_both_sides() -> None:
    wanted = TaskFacts(MODEL, None, "16:9", None, "1280x720", None, None)
    seen = TaskFacts(MODEL, 5.0, None, "720p", "1280x720", "a cat", "e")
    evidence = evidence_of(wanted, remote("t", seen, at=INTENT_AT - 1.23456), INTENT_AT)
    assert evidence == {
        "matched": {"provider_model": MODEL, "size": "1280x720"},
        "created_at_s": INTENT_AT - 1.23456,
        "created_after_intent_s": -1.235,
        "status": "succeeded",
    }
    no_prompt_seen = evidence_of(FULL, remote("t", with_(FULL, prompt=None)), INTENT_AT)
    assert "prompt" not in no_prompt_seen["matched"]  # type: ignore[operator]


def test_ambiguous_lists_two_candidates() -> None:
    verdict = decide(FULL, [remote("a"), remote("b")], intent_at_s=INTENT_AT)
    assert verdict == Verdict(
        Outcome.AMBIGUOUS,
        "2 unclaimed tasks match this create: a, b; check which one is yours in the "
        "provider console (`vidbench reconcile` lists them)",
        candidates=("a", "b"),
    )


@pytest.mark.parametrize("count", [10, 11, 13])
def test_ambiguous_lists_at_most_ten_and_counts_the_rest(count: int) -> None:
    found = [remote(f"t{i}") for i in range(count)]
    verdict = decide(FULL, found, intent_at_s=INTENT_AT)
    ids = tuple(f"t{i}" for i in range(10))
    more = f" and {count - 10} more" if count > 10 else ""
    assert verdict.outcome is Outcome.AMBIGUOUS
    assert verdict.candidates == ids
    assert verdict.task_id is None
    assert verdict.reason == (
        f"{count} unclaimed tasks match this create: {', '.join(ids)}{more}; check which one "
        "is yours in the provider console (`vidbench reconcile` lists them)"
    )


def test_assign_adopts_a_task_only_one_job_claims() -> None:
    jobs = [
        Unresolved("j1", INTENT_AT, FULL),
        Unresolved("j2", INTENT_AT, with_(FULL, ratio="9:16")),
    ]
    listed = [remote("a"), remote("b", with_(FULL, ratio="9:16")), remote("held")]
    verdicts = assign(jobs, listed, held_task_ids={"held"})
    assert list(verdicts) == ["j1", "j2"]
    assert (verdicts["j1"].outcome, verdicts["j1"].task_id) == (Outcome.ADOPT, "a")
    assert (verdicts["j2"].outcome, verdicts["j2"].task_id) == (Outcome.ADOPT, "b")


def test_assign_keeps_a_shared_single_candidate_ambiguous() -> None:
    jobs = [
        Unresolved("j1", INTENT_AT, FULL),
        Unresolved("j2", INTENT_AT, with_(FULL, ratio=None)),
    ]
    verdicts = assign(jobs, [remote("a")], held_task_ids=set())
    for job in ("j1", "j2"):
        assert verdicts[job] == Verdict(
            Outcome.AMBIGUOUS,
            "task a matches more than one unresolved job",
            candidates=("a",),
        )


def test_assign_uses_each_jobs_intent_time() -> None:
    jobs = [Unresolved("early", INTENT_AT, FULL), Unresolved("late", INTENT_AT + 1000, FULL)]
    verdicts = assign(jobs, [remote("a", at=INTENT_AT + 5)], held_task_ids=set())
    assert verdicts["early"].outcome is Outcome.ADOPT
    assert verdicts["late"].outcome is Outcome.RESEND
    assert "since 1001000 " in verdicts["late"].reason


def test_assign_resend_and_several() -> None:
    jobs = [
        Unresolved("none", INTENT_AT, with_(FULL, prompt="x")),
        Unresolved("two", INTENT_AT, FULL),
    ]
    verdicts = assign(jobs, [remote("a"), remote("b")], held_task_ids=set())
    assert verdicts["none"].outcome is Outcome.RESEND
    assert verdicts["two"].candidates == ("a", "b")
    assert verdicts["two"].outcome is Outcome.AMBIGUOUS


def test_orphans_are_the_unheld_tasks_in_order() -> None:
    listed = [remote("c"), remote("a"), remote("b")]
    assert [t.task_id for t in orphans(listed, {"a"})] == ["c", "b"]
    assert orphans(listed, {"a", "b", "c"}) == []
