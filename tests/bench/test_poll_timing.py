"""The wait before a task's next poll: cut short when its model's end becomes known,
never for a provider's own hint."""

from __future__ import annotations

import asyncio
import time

from vidbench.core.run.poll_timing import poll_wait_s, until_next_poll
from vidbench.core.run.poller import DurationEstimate
from vidbench.core.seam.types import TaskState, TaskStatus

RUNNING = TaskState(TaskStatus.RUNNING, raw_status="running")


def test_a_sleeping_poll_wakes_when_its_models_end_becomes_known() -> None:
    """A task waiting out a 30 s floor polls soon after the model's first three tasks show
    when they end, instead of sleeping the whole wait."""

    async def go() -> float:
        durations = DurationEstimate()
        started = time.monotonic()
        waiting = asyncio.ensure_future(
            until_next_poll(durations, True, RUNNING, 5.0, 30.0, asyncio.sleep)
        )
        await asyncio.sleep(0.05)
        assert not waiting.done()
        for _ in range(3):  # three tasks of the model were seen running until 1 s
            durations.add(1.0)
        await asyncio.wait_for(waiting, timeout=5.0)
        return time.monotonic() - started

    assert asyncio.run(go()) < 5.0


def test_an_estimate_later_than_the_planned_wait_does_not_lengthen_it() -> None:
    async def go() -> float:
        durations = DurationEstimate()
        started = time.monotonic()
        waiting = asyncio.ensure_future(
            until_next_poll(durations, True, RUNNING, 1.0, 0.3, asyncio.sleep)
        )
        await asyncio.sleep(0.01)  # the wait is planned before anything is known
        for _ in range(3):  # the estimate says 60 s: the 0.3 s wait stands
            durations.add(60.0)
        await asyncio.wait_for(waiting, timeout=5.0)
        return time.monotonic() - started

    assert asyncio.run(go()) < 2.0


def test_a_provider_hint_is_slept_out_even_when_the_estimate_moves() -> None:
    hinted = TaskState(TaskStatus.RUNNING, raw_status="running", poll_after_s=0.3)

    async def go() -> float:
        durations = DurationEstimate()
        started = time.monotonic()
        waiting = asyncio.ensure_future(
            until_next_poll(durations, True, hinted, 5.0, None, asyncio.sleep)
        )
        for _ in range(3):
            durations.add(1.0)
        await waiting
        return time.monotonic() - started

    assert asyncio.run(go()) >= 0.25


def test_batch_polls_land_on_a_finer_tick() -> None:
    durations = DurationEstimate()
    for _ in range(3):
        durations.add(20.0)
    batched = poll_wait_s(durations, True, RUNNING, 20.5, 1.0, polled=10.03)
    single = poll_wait_s(durations, False, RUNNING, 20.5, 1.0, polled=10.03)

    def on_grid(moment: float, tick: float) -> bool:
        return abs(round(moment / tick) * tick - moment) < 1e-9

    assert on_grid(10.03 + batched, 0.1) and on_grid(10.03 + single, 0.25)
    assert batched < single
