"""Failure causes grouped and counted per model, from records alone."""

from __future__ import annotations

from typing import Any

from vidbench.core.store.failure_causes import (
    Cause,
    cause_message,
    format_cause,
    group_failure_causes,
)


def _planned(job_id: str, model: str, adapter: str = "ark") -> dict[str, Any]:
    return {"event": "planned", "job_id": job_id, "job": {"model_id": model, "adapter": adapter}}


def _finished(job_id: str, status: str, kind: str | None, detail: str, **extra: Any) -> dict:
    return {
        "event": "finished",
        "job_id": job_id,
        "status": status,
        "error_kind": kind,
        "detail": detail,
        **extra,
    }


DNS = "ark: ConnectError: [Errno -2] Name or service not known"


def test_causes_are_grouped_per_model_and_counted_commonest_first() -> None:
    records = [
        _planned("a1", "fast"),
        _planned("a2", "fast"),
        _planned("a3", "fast"),
        _planned("b1", "pro", "kling"),
        _planned("b2", "pro", "kling"),
        _finished("a1", "errored", "transient", DNS, endpoint="ark at ark.example"),
        _finished(
            "a2",
            "errored",
            "transient",
            "not sent: an earlier request failed: " + DNS,
            endpoint="ark at ark.example",
        ),
        _finished("a3", "failed", "task_failed", "ark: the task failed | request_id=r-7"),
        _finished("b1", "succeeded", None, ""),
        _finished("b2", "rejected", "content_rejected", "kling: moderation | request_id=r-9"),
    ]
    causes = group_failure_causes(records, endpoints={"pro": "kling at api.kling.example"})
    assert causes == [
        Cause(
            "fast",
            2,
            "transient",
            "ConnectError: [Errno -2] Name or service not known",
            "ark at ark.example",
        ),
        Cause("fast", 1, "task_failed", "the task failed", "ark"),
        Cause("pro", 1, "content_rejected", "moderation", "kling at api.kling.example"),
    ]
    assert format_cause(causes[0]) == (
        "2 × ConnectError: [Errno -2] Name or service not known (transient) — ark at ark.example"
    )


def test_the_last_finished_record_of_a_job_counts_and_non_failures_do_not() -> None:
    records = [
        _planned("a1", "m"),
        _planned("a2", "m"),
        _planned("a3", "m"),
        _finished("a1", "errored", "download_failed", "download: local fault: disk full"),
        _finished("a1", "succeeded", None, ""),  # resumed after the local fault
        _finished("a2", "skipped", "budget", "budget: $1 committed"),
        _finished("a3", "unsupported", "unsupported", "no video input"),
    ]
    assert group_failure_causes(records) == []


def test_messages_lose_decorations_and_stay_bounded() -> None:
    assert cause_message("create failed 8 times: ark: boom | request_id=x", "ark") == "boom"
    assert cause_message("polling failed: veo: gone", "veo") == "gone"
    assert cause_message(None) == "no detail recorded"
    long = cause_message("x" * 500)
    assert len(long) == 201 and long.endswith("…")


def test_a_job_without_a_planned_record_is_named_by_its_job_id() -> None:
    records = [_finished("seedance__p1__s0", "failed", None, "timeout")]
    assert group_failure_causes(records) == [Cause("seedance", 1, "failed", "timeout", "?")]


def test_hostile_record_fields_are_bounded_and_typed() -> None:
    records = [
        _planned("a1", "m"),
        _finished("a1", "failed", "task_failed", ["not", "text"], endpoint="e" * 10_000),  # type: ignore[arg-type]
        _planned("a2", "m"),
        _finished("a2", "failed", "task_failed", "x", endpoint=7),
    ]
    causes = group_failure_causes(records)
    assert [(c.message, len(c.endpoint)) for c in causes] == [
        ("no detail recorded", 200),
        ("x", 3),  # a non-text endpoint falls back to the adapter's name ("ark")
    ]
