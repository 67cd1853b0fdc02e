"""Retry decisions as exact tables: every error class × every attempt, backoff per attempt.

The expected values are written out here from the rules in `bench/retry.py`'s docstring,
not computed by calling the module, so a changed exponent, cap or comparison fails.
"""

from __future__ import annotations

import random

import pytest

from vidbench.core.seam import errors, retry

ATTEMPTS = range(-1, retry.CREATE_MAX_ATTEMPTS + 4)


class FixedRandom(random.Random):
    """An rng whose `random()` always returns the same value."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def every_error() -> list[BaseException]:
    """One instance of every exception class the runner can hand to the retry rules."""
    return [
        errors.RateLimited("429"),
        errors.TransientError("503"),
        errors.ConnectRefused("refused"),
        errors.AuthError("401"),
        errors.BillingError("arrears"),
        errors.InvalidRequest("400"),
        errors.NotFound("404"),
        errors.ModelGone("gone"),
        errors.ContentRejected("moderation"),
        errors.ProviderError("unclassified provider error"),
        errors.UnsupportedRequest("planner-side"),
        ValueError("a bug"),
        RuntimeError("unknown"),
    ]


def expected_backoff_s(attempt: int, jitter: float) -> float:
    """Full-jitter exponential backoff: min(30, 1 × 2^(attempt-1)) × (0.5 + 0.5 × jitter)."""
    ceiling = min(30.0, 1.0 * 2.0 ** max(0, attempt - 1))
    return ceiling * (0.5 + 0.5 * jitter)


@pytest.mark.parametrize("attempt", [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 12])
@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.999])
def test_backoff_is_exact_per_attempt(attempt: int, jitter: float) -> None:
    assert retry.backoff_s(attempt, rng=FixedRandom(jitter)) == pytest.approx(
        expected_backoff_s(attempt, jitter), rel=1e-12
    )


def test_backoff_table_of_ceilings() -> None:
    ceilings = [retry.backoff_s(a, rng=FixedRandom(1.0)) for a in range(1, 9)]
    assert ceilings == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    floors = [retry.backoff_s(a, rng=FixedRandom(0.0)) for a in range(1, 7)]
    assert floors == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0]


def test_backoff_honours_base_and_cap() -> None:
    assert retry.backoff_s(1, base_s=0.25, cap_s=10.0, rng=FixedRandom(1.0)) == 0.25
    assert retry.backoff_s(3, base_s=0.25, cap_s=10.0, rng=FixedRandom(1.0)) == 1.0
    assert retry.backoff_s(9, base_s=0.25, cap_s=10.0, rng=FixedRandom(1.0)) == 10.0
    assert retry.backoff_s(2, base_s=3.0, cap_s=5.0, rng=FixedRandom(0.0)) == 2.5


def test_backoff_stays_within_half_and_whole_ceiling_with_a_real_rng() -> None:
    rng = random.Random(7)
    for attempt in range(1, 40):
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        for _ in range(20):
            assert ceiling / 2 <= retry.backoff_s(attempt, rng=rng) <= ceiling


def test_backoff_draws_from_the_given_rng() -> None:
    seeded = [retry.backoff_s(3, rng=random.Random(11)) for _ in range(3)]
    jitter = random.Random(11).random()
    assert seeded == [pytest.approx(4.0 * (0.5 + 0.5 * jitter), rel=1e-12)] * 3


def create_should_retry(exc: BaseException, attempt: int) -> bool:
    """Creates: only when the provider certainly created nothing, below the attempt cap; a
    connection that could not be opened (DNS, refused) only once."""
    if isinstance(exc, errors.ConnectRefused):
        return attempt < 2
    return isinstance(exc, errors.RateLimited) and attempt < 8


def poll_should_retry(exc: BaseException, attempt: int, cap: int) -> bool:
    """Polls and downloads: rate limits and transient faults, below the cap; nothing else;
    a connection that could not be opened only once."""
    if type(exc) is errors.ConnectRefused:
        return attempt < min(2, cap)
    transient = type(exc) in (errors.RateLimited, errors.TransientError)
    return transient and attempt < cap


@pytest.mark.parametrize("exc", every_error(), ids=lambda e: type(e).__name__)
def test_create_decision_for_every_error_and_attempt(exc: BaseException) -> None:
    for attempt in ATTEMPTS:
        decision = retry.decide_create(exc, attempt, rng=FixedRandom(0.5))
        if create_should_retry(exc, attempt):
            assert decision == retry.Decision(True, expected_backoff_s(attempt, 0.5)), attempt
        else:
            assert decision == retry.Decision(False), attempt
            assert decision.retry is False


@pytest.mark.parametrize("exc", every_error(), ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("cap", [retry.POLL_MAX_CONSECUTIVE_ERRORS, retry.DOWNLOAD_MAX_ATTEMPTS])
def test_poll_decision_for_every_error_attempt_and_cap(exc: BaseException, cap: int) -> None:
    for attempt in ATTEMPTS:
        decision = retry.decide_poll(exc, attempt, rng=FixedRandom(0.5), max_attempts=cap)
        if poll_should_retry(exc, attempt, cap):
            assert decision == retry.Decision(True, expected_backoff_s(attempt, 0.5)), attempt
        else:
            assert decision == retry.Decision(False), attempt
            assert decision.retry is False


def test_poll_cap_defaults_to_the_consecutive_error_limit() -> None:
    cap = retry.POLL_MAX_CONSECUTIVE_ERRORS
    assert cap == 8
    assert retry.decide_poll(errors.TransientError("503"), cap - 1).retry is True
    assert retry.decide_poll(errors.TransientError("503"), cap) == retry.Decision(False)
    assert retry.decide_poll(errors.TransientError("503"), cap + 1) == retry.Decision(False)


def test_unclassified_errors_are_never_retried() -> None:
    for exc in (errors.ProviderError("?"), ValueError("?"), KeyError("?")):
        assert retry.decide_poll(exc, 1) == retry.Decision(False)
        assert retry.decide_create(exc, 1) == retry.Decision(False)


@pytest.mark.parametrize("hint_s", [0.0, 0.5, 3.0, 119.0, 120.0, 121.0, 10_000.0])
def test_retry_after_hint_replaces_backoff_and_is_capped(hint_s: float) -> None:
    exc = errors.RateLimited("429", retry_after_s=hint_s)
    expected = retry.Decision(True, min(hint_s, 120.0))
    assert retry.decide_create(exc, 1, rng=FixedRandom(0.5)) == expected
    assert retry.decide_poll(exc, 1, rng=FixedRandom(0.5)) == expected


def test_a_hint_only_counts_on_a_rate_limit() -> None:
    exc = errors.TransientError("503")
    exc.retry_after_s = 99.0  # type: ignore[attr-defined]
    assert retry.decide_poll(exc, 2, rng=FixedRandom(0.0)) == retry.Decision(True, 1.0)


def test_attempt_numbers_feed_the_backoff() -> None:
    for attempt in (1, 2, 3, 4):
        limited = retry.decide_create(errors.RateLimited("x"), attempt, rng=FixedRandom(1.0))
        assert limited.delay_s == 2.0 ** (attempt - 1)
        polled = retry.decide_poll(errors.RateLimited("x"), attempt, rng=FixedRandom(1.0))
        assert polled.delay_s == 2.0 ** (attempt - 1)


@pytest.mark.parametrize(
    ("elapsed_s", "hint_s", "min_s", "expected_s"),
    [
        (0.0, None, None, 2.0),  # floor
        (-50.0, None, None, 2.0),  # a clock step back is treated as no time spent
        (25.0, None, None, 2.0),  # 8% of 25 s is below the floor
        (100.0, None, None, 8.0),  # 8% of the elapsed time
        (187.5, None, None, 15.0),  # exactly the ceiling
        (10_000.0, None, None, 15.0),  # capped
        (0.5, None, 0.0, 0.04),  # a zero floor leaves 8% of half a second
        (0.0, None, 0.1, 0.1),  # the caller's floor replaces POLL_MIN_S
        (50.0, None, 0.1, 4.0),
        (100.0, 0.5, None, 0.5),  # a hint below one second is honoured
        (100.0, 3.0, None, 3.0),
        (100.0, 60.0, None, 15.0),  # a hint is capped at POLL_MAX_S
        (100.0, 0.0, None, 8.0),  # a zero hint is no hint
        (0.0, -1.0, None, 2.0),  # nor is a negative one
    ],
)
def test_poll_interval_table(
    elapsed_s: float, hint_s: float | None, min_s: float | None, expected_s: float
) -> None:
    got = retry.next_poll_interval_s(elapsed_s, hint_s=hint_s, min_s=min_s)
    assert got == pytest.approx(expected_s, rel=1e-12)


def test_poll_interval_grows_monotonically_between_floor_and_ceiling() -> None:
    values = [retry.next_poll_interval_s(float(t)) for t in range(0, 400, 5)]
    assert values == sorted(values)
    assert values[0] == retry.POLL_MIN_S and values[-1] == retry.POLL_MAX_S


def test_a_connection_that_cannot_be_opened_is_retried_once_then_it_is_an_answer() -> None:
    """DNS failure or a refused port: 8 backed-off attempts per job made a dead network cost
    minutes; one retry is enough to ride out a blip."""
    assert retry.CONNECT_FAILURE_MAX_ATTEMPTS == 2
    down = errors.ConnectRefused("ConnectError: [Errno -2] Name or service not known")
    assert retry.decide_create(down, 1, rng=FixedRandom(0.0)) == retry.Decision(True, 0.5)
    assert retry.decide_create(down, 2) == retry.Decision(False)
    assert retry.decide_poll(down, 1, rng=FixedRandom(0.0)) == retry.Decision(True, 0.5)
    assert retry.decide_poll(down, 2) == retry.Decision(False)
    assert retry.decide_poll(down, 2, max_attempts=retry.DOWNLOAD_MAX_ATTEMPTS).retry is False
    # Other transport faults keep their full budget.
    assert retry.decide_poll(errors.TransientError("503"), 7).retry is True
    assert retry.decide_create(errors.RateLimited("429"), 7).retry is True
