"""Retry decisions: creates only when nothing was created; polls on transient faults."""

from __future__ import annotations

import random

import httpx

from vidbench.core.seam import errors, retry
from vidbench.core.seam.http import parse_retry_after_s


def test_create_is_retried_only_when_nothing_was_created() -> None:
    assert retry.decide_create(errors.RateLimited("429", retry_after_s=3), 1).retry
    assert retry.decide_create(errors.RateLimited("429", retry_after_s=3), 1).delay_s == 3
    assert retry.decide_create(errors.ConnectRefused("refused"), 1).retry
    assert not retry.decide_create(errors.ConnectRefused("refused"), 2).retry  # once only
    for exc in (
        errors.TransientError("502"),
        errors.InvalidRequest("400"),
        errors.AuthError("401"),
        errors.BillingError("1102"),
        errors.ContentRejected("moderation"),
    ):
        assert not retry.decide_create(exc, 1).retry
    assert not retry.decide_create(errors.RateLimited("429"), retry.CREATE_MAX_ATTEMPTS).retry


def test_polls_retry_transient_faults_but_never_client_or_account_errors() -> None:
    assert retry.decide_poll(errors.TransientError("503"), 1).retry
    assert retry.decide_poll(errors.RateLimited("429"), 1).retry
    for exc in (
        errors.InvalidRequest("400"),
        errors.AuthError("401"),
        errors.NotFound("404"),
        errors.BillingError("1101"),
    ):
        assert not retry.decide_poll(exc, 1).retry


def test_retry_after_is_capped() -> None:
    decision = retry.decide_poll(errors.RateLimited("429", retry_after_s=10_000), 1)
    assert decision.delay_s == retry.RETRY_AFTER_CAP_S


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    delays = [retry.backoff_s(n, rng=rng) for n in range(1, 12)]
    assert all(0 < d <= retry.BACKOFF_MAX_S for d in delays)
    assert delays[3] > delays[0]
    assert max(delays) >= retry.BACKOFF_MAX_S / 2


def test_poll_interval_follows_hint_else_fraction_of_elapsed() -> None:
    assert retry.next_poll_interval_s(0.0) == retry.POLL_MIN_S
    assert retry.next_poll_interval_s(100.0) == 100.0 * retry.POLL_FRACTION
    assert retry.next_poll_interval_s(10_000.0) == retry.POLL_MAX_S
    assert retry.next_poll_interval_s(5.0, hint_s=1.5) == 1.5


def test_retry_after_header_forms() -> None:
    assert parse_retry_after_s({"retry-after": "7"}) == 7.0
    assert parse_retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert (
        parse_retry_after_s({"retry-after": "Sun, 22 Nov 2026 00:00:10 GMT"}, now_s=1795305600.0)
        == 10.0
    )
    assert parse_retry_after_s(httpx.Headers({})) is None
    assert parse_retry_after_s({"retry-after": "soon"}) is None
