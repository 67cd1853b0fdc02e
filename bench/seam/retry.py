"""Retry decisions in one place: classify, decide, back off with jitter.

A create is retried only when the provider certainly created nothing (429, or a
connection refused before sending). Polls and downloads retry on 429, 408, 5xx and
transport errors, never on 4xx client errors or account errors. A connection that could not
be opened at all (DNS failure, refused, TLS, connect timeout: `ConnectRefused`) is retried
once, then it is an answer: a dead network must not cost minutes of backoff per job.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from vidbench.core.seam import errors

# All retry and polling numbers live here.
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 30.0
RETRY_AFTER_CAP_S = 120.0
CREATE_MAX_ATTEMPTS = 8
POLL_MAX_CONSECUTIVE_ERRORS = 8
DOWNLOAD_MAX_ATTEMPTS = 5
CONNECT_FAILURE_MAX_ATTEMPTS = 2  # DNS failure, refused connection: one retry, no more
POLL_MIN_S = 2.0
POLL_MAX_S = 15.0
# Wait a fixed fraction of the time already spent: a task is noticed at most ~8% after it
# ends, and the number of polls grows only logarithmically with its latency.
POLL_FRACTION = 0.08
# Once a task's end can be expected (this model's observed durations, or the provider's
# progress field), the poll goes out at that moment; past it, the wait starts at 2% of the
# expected duration (at least POLL_NEAR_END_MIN_S) and grows by POLL_FRACTION of the overrun.
POLL_NEAR_END_FRACTION = 0.02
POLL_NEAR_END_MIN_S = 0.25
MIN_PROGRESS = 0.05  # below this, a progress figure says too little about the end
# Wake-ups land on a shared grid, so polls of tasks due at nearly the same moment go out
# together (one batch request where the adapter has one).
POLL_TICK_S = 0.25
# Where one status request carries many tasks (a batch poll), polls near the end are nearly
# free in requests: a tighter tick and near-end step catch the end sooner.
BATCH_POLL_TICK_S = 0.1
BATCH_NEAR_END_FRACTION = 0.005
# A wait not aimed at an expected end (the fraction rule, the POLL_MAX_S cap) lands on a
# coarser grid, the largest of these at most a quarter of the wait: polls of tasks sent a
# little apart then share a request (200 tasks sent over 1.6 s polled 10 times a second
# on the fine tick), at the cost of at most a quarter more wait (the fraction rule's 8% of
# the elapsed time becomes at most 10%). The grids nest, so tasks on different ones align.
FAR_POLL_GRIDS_S = (1.0, 0.5, 0.25)
TASK_TIMEOUT_S = 3 * 3600.0


@dataclass(frozen=True)
class Decision:
    """Retry or not, and after how long."""

    retry: bool
    delay_s: float = 0.0


def backoff_s(
    attempt: int,
    *,
    base_s: float = BACKOFF_BASE_S,
    cap_s: float = BACKOFF_MAX_S,
    rng: random.Random | None = None,
) -> float:
    """Exponential backoff with full jitter for attempt 1, 2, …"""
    r = rng or random
    ceiling = min(cap_s, base_s * (2 ** max(0, attempt - 1)))
    return ceiling * (0.5 + 0.5 * r.random())


def _retry_after(exc: BaseException) -> float | None:
    if isinstance(exc, errors.RateLimited) and exc.retry_after_s is not None:
        return min(exc.retry_after_s, RETRY_AFTER_CAP_S)
    return None


def decide_create(exc: BaseException, attempt: int, rng: random.Random | None = None) -> Decision:
    """Whether to resend a create after `exc` on attempt `attempt` (1-based)."""
    if attempt >= CREATE_MAX_ATTEMPTS:
        return Decision(False)
    if isinstance(exc, errors.ConnectRefused) and attempt >= CONNECT_FAILURE_MAX_ATTEMPTS:
        return Decision(False)
    if isinstance(exc, errors.RateLimited | errors.ConnectRefused):
        hinted = _retry_after(exc)
        return Decision(True, hinted if hinted is not None else backoff_s(attempt, rng=rng))
    return Decision(False)


def decide_poll(
    exc: BaseException,
    attempt: int,
    rng: random.Random | None = None,
    max_attempts: int = POLL_MAX_CONSECUTIVE_ERRORS,
) -> Decision:
    """Whether to retry a poll or download after `exc`."""
    if attempt >= max_attempts:
        return Decision(False)
    if isinstance(exc, errors.ConnectRefused) and attempt >= CONNECT_FAILURE_MAX_ATTEMPTS:
        return Decision(False)
    if isinstance(
        exc, errors.BillingError | errors.AuthError | errors.InvalidRequest | errors.ContentRejected
    ):
        return Decision(False)
    if isinstance(exc, errors.RateLimited | errors.TransientError):
        hinted = _retry_after(exc)
        return Decision(True, hinted if hinted is not None else backoff_s(attempt, rng=rng))
    return Decision(False)


def next_poll_interval_s(
    elapsed_s: float,
    hint_s: float | None = None,
    min_s: float | None = None,
    typical_s: float | None = None,
    progress: float | None = None,
    near_end_fraction: float = POLL_NEAR_END_FRACTION,
    near_end_min_s: float = POLL_NEAR_END_MIN_S,
) -> float:
    """The wait before the next status poll, given the time since submission.

    The provider's hint wins (capped). Otherwise, when the task's end can be expected (from
    `typical_s`, this model's observed duration, or the provider's `progress` 0..1), wake
    at that moment (at most POLL_MAX_S away) and poll tightly after it; else a fraction of
    the elapsed time, bounded by POLL_MIN_S and POLL_MAX_S.
    """
    if hint_s is not None and hint_s > 0:
        return min(hint_s, POLL_MAX_S)
    floor = POLL_MIN_S if min_s is None else min_s
    elapsed_s = max(0.0, elapsed_s)
    by_fraction = max(floor, min(POLL_MAX_S, POLL_FRACTION * elapsed_s))
    expected = expected_duration_s(elapsed_s, typical_s, progress)
    if expected is None:
        return by_fraction
    remaining_s = expected - elapsed_s
    if remaining_s > 0:
        return min(remaining_s, POLL_MAX_S)
    near_end = near_end_fraction * expected + POLL_FRACTION * -remaining_s
    return max(near_end_min_s, min(by_fraction, near_end))


def expected_duration_s(
    elapsed_s: float, typical_s: float | None, progress: float | None
) -> float | None:
    """When the task should end: the sooner of the model's typical duration and the end the
    provider's progress points to (a late guess costs latency, an early one a poll)."""
    guesses = [typical_s] if typical_s is not None and typical_s > 0 else []
    if progress is not None and MIN_PROGRESS <= progress < 1 and elapsed_s > 0:
        guesses.append(elapsed_s / progress)
    return min(guesses) if guesses else None


def far_tick_s(wait_s: float, tick_s: float) -> float:
    """The grid for a wait not aimed at an expected end: the coarsest of FAR_POLL_GRIDS_S
    within a quarter of the wait, never finer than `tick_s`."""
    for grid_s in FAR_POLL_GRIDS_S:
        if grid_s <= wait_s / 4:
            return max(grid_s, tick_s)
    return tick_s


def on_tick_s(now_s: float, wait_s: float, tick_s: float = POLL_TICK_S) -> float:
    """`wait_s` stretched so the wake-up lands on the next multiple of `tick_s` (≤ one tick more)."""
    if tick_s <= 0:
        return wait_s
    wake_s = math.ceil((now_s + wait_s) / tick_s) * tick_s
    return max(0.0, wake_s - now_s)
