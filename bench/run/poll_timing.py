"""When a task's next status poll goes out.

The wait comes from `bench.retry`'s rules (the provider's hint, the model's observed
durations, the 8% rule), lands on a shared tick so polls of many tasks go out together (a
coarser one when the expected end is more than `POLL_MAX_S` away), and
is cut short when the model's duration estimate first appears or moves earlier meanwhile:
tasks sent together end together, so the first ends tell the others when to look.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from vidbench.core.run.poller import DurationEstimate
from vidbench.core.seam import retry
from vidbench.core.seam.types import TaskState

Sleep = Callable[[float], Awaitable[None]]


def poll_wait_s(
    durations: DurationEstimate,
    batched: bool,
    state: TaskState,
    running_at_s: float,
    min_s: float | None,
    polled: float,
) -> float:
    """The wait after the poll made at `polled` (monotonic s), landing on the shared tick.

    Where one request carries many tasks (`batched`), the tick and the step past the
    expected end are tighter: those polls cost almost no requests."""
    tick_s = retry.BATCH_POLL_TICK_S if batched else retry.POLL_TICK_S
    typical_s = durations.typical_s()
    interval = retry.next_poll_interval_s(
        running_at_s,
        state.poll_after_s,
        min_s,
        typical_s,
        state.progress,
        retry.BATCH_NEAR_END_FRACTION if batched else retry.POLL_NEAR_END_FRACTION,
        tick_s,
    )
    expected_s = retry.expected_duration_s(running_at_s, typical_s, state.progress)
    if expected_s is not None and expected_s - running_at_s > retry.POLL_MAX_S:
        # The end is known to be far off: a coarser, shared grid. (Not while nothing is known:
        # polls then keep their own phases, so that some task of a wave is polled soon after
        # the wave's end, and its end tells the others when to look.)
        tick_s = retry.far_tick_s(interval, tick_s)
    return retry.on_tick_s(polled, interval, tick_s)


async def until_next_poll(
    durations: DurationEstimate,
    batched: bool,
    state: TaskState,
    running_at_s: float,
    min_s: float | None,
    sleep: Sleep,
) -> None:
    """Sleep until the next poll is due; a duration estimate that appears or moves earlier
    meanwhile shortens the wait (never lengthens it). A provider's hint is slept out."""
    polled = time.monotonic()
    due = polled + poll_wait_s(durations, batched, state, running_at_s, min_s, polled)
    while (wait_s := due - time.monotonic()) > 0:
        if state.poll_after_s:  # the provider said when to come back
            await sleep(wait_s)
            return
        nap = asyncio.ensure_future(sleep(wait_s))
        earlier = asyncio.ensure_future(durations.earlier().wait())
        await asyncio.wait((nap, earlier), return_when=asyncio.FIRST_COMPLETED)
        if nap.done():
            earlier.cancel()
            return
        nap.cancel()
        again = poll_wait_s(durations, batched, state, running_at_s, min_s, polled)
        due = min(due, polled + again)
