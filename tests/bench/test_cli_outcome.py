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
