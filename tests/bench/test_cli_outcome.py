"""A run in which no attempted job succeeded ends with exit 6 and its commonest causes."""

from __future__ import annotations

from types import SimpleNamespace

from vidbench.cli.stages import EXIT_NOTHING_SUCCEEDED, nothing_succeeded


def _state(status: str | None, kind: str | None = None, detail: str | None = None) -> object:
    return SimpleNamespace(final_status=status, error_kind=kind, detail=detail)


def test_an_all_failed_run_names_its_commonest_causes() -> None:
    states = [
        _state("errored", "transient", "ark: ConnectError [dns]"),
        _state("errored", "transient", "ark: ConnectError [dns]"),
        _state("failed", "task_failed", "content"),
        _state("unsupported"),
    ]
    message = nothing_succeeded(states)
    assert message.startswith("[red]no job succeeded[/red] (3 attempted)")
    assert r"2× transient: ark: ConnectError \[dns]" in message  # escaped for rich
    assert "1× task_failed: content" in message
    assert EXIT_NOTHING_SUCCEEDED == 6


def test_one_success_or_nothing_attempted_is_not_an_outage() -> None:
    assert nothing_succeeded([_state("failed", "x"), _state("succeeded")]) == ""
    assert nothing_succeeded([_state("unsupported"), _state("skipped", "budget")]) == ""
    assert nothing_succeeded([]) == ""


def test_with_records_the_causes_are_grouped_per_model_and_escaped() -> None:
    from vidbench.core.store.failure_causes import Cause

    causes = [
        Cause(
            "fast",
            20,
            "transient",
            "ConnectError: [Errno -2] Name or service not known",
            "ark at a.test",
        ),
        Cause("pro", 2, "auth", "bad key", "kling at k.test"),
    ]
    message = nothing_succeeded([_state("errored", "transient")] * 22, causes)
    assert message.splitlines() == [
        "[red]no job succeeded[/red] (22 attempted); the causes, per model:",
        "  [bold]fast[/bold] — 20 not succeeded",
        "    20 × ConnectError: [Errno -2] Name or service not known (transient) — ark at a.test",
        "  [bold]pro[/bold] — 2 not succeeded",
        "    2 × bad key (auth) — kling at k.test",
    ]


def test_a_model_with_many_causes_shows_five_and_counts_the_rest() -> None:
    from vidbench.cli.views import failure_cause_lines
    from vidbench.core.store.failure_causes import Cause

    causes = [Cause("m", 10 - i, "task_failed", f"cause {i}", "ark") for i in range(8)]
    lines = failure_cause_lines(causes)
    assert len(lines) == 1 + 5 + 1
    assert lines[-1] == "    … 12 more in 3 other causes (records.jsonl)"  # 5 + 4 + 3 jobs
