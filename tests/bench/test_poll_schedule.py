"""Poll timing from observed durations and provider progress: prompt, and not chatty."""

from __future__ import annotations

import random

import pytest

from vidbench.core.run.poller import DurationEstimate
from vidbench.core.seam import retry


def follow(
    duration_s: float, estimate: DurationEstimate | None, floor_s: float = 1.0
) -> tuple[float, int]:
    """(detection delay, polls) for one task of `duration_s`, in virtual time, as the runner polls."""
    elapsed_s, running_at_s, polls = 0.0, 0.0, 0
    while True:
        polls += 1  # the runner polls once right after submitting
        if elapsed_s >= duration_s:
            if estimate is not None:
                estimate.add(running_at_s)
            return elapsed_s - duration_s, polls
        running_at_s = elapsed_s
        typical = estimate.typical_s() if estimate is not None else None
        wait_s = retry.next_poll_interval_s(elapsed_s, None, floor_s, typical)
        elapsed_s += retry.on_tick_s(elapsed_s, wait_s)


def test_fixed_durations_are_caught_within_three_percent_after_a_few_tasks() -> None:
    estimate = DurationEstimate()
    for _ in range(5):  # the first tasks of a model teach the estimate
        follow(20.0, estimate)
    results = [follow(20.0, estimate) for _ in range(50)]
    assert max(delay for delay, _ in results) <= 0.03 * 20.0
    assert max(polls for _, polls in results) <= 4  # at submission, 15 s, just before, at the end
    by_fraction = follow(20.0, None)  # the old rule: 8% of the elapsed time
    assert by_fraction[0] > 0.03 * 20.0 and by_fraction[1] > 10


def test_spread_durations_wait_less_and_poll_no_more_than_the_fraction_rule() -> None:
    rng = random.Random(7)
    durations = [20.0 * rng.lognormvariate(0.0, 0.3) for _ in range(300)]
    estimate = DurationEstimate()
    learned = [follow(d, estimate) for d in durations]
    fraction = [follow(d, None) for d in durations]
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    assert mean([d for d, _ in learned[20:]]) < mean([d for d, _ in fraction[20:]])
    assert mean([p for _, p in learned[20:]]) <= mean([p for _, p in fraction[20:]])


def test_the_estimate_is_a_low_quantile_of_recent_durations() -> None:
    estimate = DurationEstimate(window=10, quantile=0.1)
    estimate.add(5.0)
    estimate.add(6.0)
    assert estimate.typical_s() is None  # too few to say
    for value in (7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0):
        estimate.add(value)
    assert estimate.typical_s() == 5.0
    for value in (30.0,) * 10:  # the window forgets old durations
        estimate.add(value)
    assert estimate.typical_s() == 30.0


@pytest.mark.parametrize(
    ("elapsed_s", "typical_s", "progress", "expected_s"),
    [
        (5.0, 20.0, None, 15.0),  # wake at the expected end
        (1.0, 100.0, None, retry.POLL_MAX_S),  # …but never sleep past POLL_MAX_S
        (20.0, 20.0, None, 0.4),  # at the end: 2% of the expected duration
        (25.0, 20.0, None, 0.8),  # overrun 5 s: + 8% of it
        (400.0, 20.0, None, retry.POLL_MAX_S),  # long overdue: back to the fraction rule's cap
        (10.0, None, 0.5, 10.0),  # half done after 10 s: the end is 10 s away
        (10.0, 15.0, 0.5, 5.0),  # the sooner of the two guesses
        (10.0, None, 0.01, 2.0),  # too little progress to say anything: the fraction rule
        (1.0, 1.0, None, retry.POLL_NEAR_END_MIN_S),  # never tighter than the minimum
    ],
)
def test_poll_interval_with_an_expected_end(
    elapsed_s: float, typical_s: float | None, progress: float | None, expected_s: float
) -> None:
    got = retry.next_poll_interval_s(elapsed_s, typical_s=typical_s, progress=progress)
    assert got == pytest.approx(expected_s, rel=1e-9)


def test_a_provider_hint_still_wins() -> None:
    assert retry.next_poll_interval_s(5.0, hint_s=3.0, typical_s=20.0, progress=0.5) == 3.0


@pytest.mark.parametrize(
    ("now_s", "wait_s", "expected_s"),
    [(10.0, 1.0, 1.0), (10.1, 1.0, 1.15), (10.1, 0.0, 0.15), (3.0, 0.3, 0.5)],
)
def test_wake_ups_land_on_the_shared_tick(now_s: float, wait_s: float, expected_s: float) -> None:
    got = retry.on_tick_s(now_s, wait_s)
    assert got == pytest.approx(expected_s)
    assert wait_s <= got <= wait_s + retry.POLL_TICK_S


def test_the_estimate_announces_itself_once_and_again_only_when_a_tick_earlier() -> None:
    import asyncio

    async def go() -> list[bool]:
        estimate = DurationEstimate(window=50, quantile=0.0)
        first = estimate.earlier()
        estimate.add(20.0)
        estimate.add(20.0)
        seen = [first.is_set()]  # two bounds: no estimate yet
        estimate.add(20.0)
        seen.append(first.is_set())  # the estimate exists: sleepers are woken
        second = estimate.earlier()
        assert second is not first
        estimate.add(19.9)  # 0.1 s earlier: not worth waking anyone
        seen.append(second.is_set())
        estimate.add(19.5)  # 0.5 s earlier than announced
        seen.append(second.is_set())
        estimate.add(25.0)  # later: the quantile does not move, nobody is woken
        seen.append(estimate.earlier().is_set())
        return seen

    assert asyncio.run(go()) == [False, True, False, True, False]


def test_batch_polls_step_tighter_near_the_end_than_single_polls() -> None:
    single = retry.next_poll_interval_s(20.5, None, 1.0, 20.0)
    batched = retry.next_poll_interval_s(
        20.5, None, 1.0, 20.0, None, retry.BATCH_NEAR_END_FRACTION, retry.BATCH_POLL_TICK_S
    )
    assert single == pytest.approx(0.02 * 20.0 + 0.08 * 0.5)
    assert batched == pytest.approx(0.005 * 20.0 + 0.08 * 0.5)
    assert retry.on_tick_s(10.03, batched, retry.BATCH_POLL_TICK_S) == pytest.approx(0.17)


def test_polls_far_from_a_known_end_share_a_coarser_grid_unknown_ends_keep_their_phases() -> None:
    from vidbench.core.run.poll_timing import poll_wait_s
    from vidbench.core.seam.types import TaskState, TaskStatus

    running = TaskState(TaskStatus.RUNNING)
    submitted = [1000.0 + 1.6 * index / 200 for index in range(200)]  # a wave sent over 1.6 s
    far = DurationEstimate(window=10, quantile=0.0)
    for _ in range(3):
        far.add(120.0)  # this model's tasks take two minutes

    def wake_ups(estimate: DurationEstimate, coarse: bool) -> set[float]:
        moments: set[float] = set()
        for sent in submitted:
            polled = sent
            while polled - sent < 60.0:
                elapsed = polled - sent
                typical = estimate.typical_s()
                interval = retry.next_poll_interval_s(elapsed, None, 1.0, typical)
                if coarse:
                    wait = poll_wait_s(estimate, True, running, elapsed, 1.0, polled)
                else:  # one fine tick for every wait, as before
                    wait = retry.on_tick_s(polled, interval, retry.BATCH_POLL_TICK_S)
                assert interval <= wait <= 1.25 * interval + retry.BATCH_POLL_TICK_S + 1e-9
                polled += wait
                moments.add(round(polled, 6))
        return moments

    # Two minutes expected: the 15 s polls of the wave go out in a few batch requests.
    assert len(wake_ups(far, True)) <= len(wake_ups(far, False)) / 2
    # Nothing known yet: each task keeps its own phase (the first ends are seen sooner).
    assert wake_ups(DurationEstimate(), True) == wake_ups(DurationEstimate(), False)


def test_an_expected_end_is_still_polled_on_the_fine_tick() -> None:
    from vidbench.core.run.poll_timing import poll_wait_s
    from vidbench.core.seam.types import TaskState, TaskStatus

    estimate = DurationEstimate(window=10, quantile=0.0)
    for _ in range(3):
        estimate.add(20.0)
    # Sent at 500.05, polled at 512.08: the end is due at 520.05, polled on the next 0.1 s
    # tick (a 1 s grid would have waited until 521).
    wait = poll_wait_s(estimate, True, TaskState(TaskStatus.RUNNING), 12.03, None, 512.08)
    assert 512.08 + wait == pytest.approx(520.1)
