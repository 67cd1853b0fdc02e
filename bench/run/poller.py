"""Coalesce status polls: jobs ask for one task each, the provider sees one LIST per batch.

Where an adapter has `poll_many` (Ark's LIST with repeated `filter.task_ids`), polls that
arrive within a short window go out as one request. Each job keeps its own loop, backoff
and retry decisions; an error of the batch request reaches every job in it.
"""

from __future__ import annotations

import asyncio
import collections

from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import TaskState

BATCH_WINDOW_S = 0.05  # how long the first poll of a batch waits for company
DURATION_WINDOW = 200  # recent finished tasks a model's typical duration is taken from
DURATION_QUANTILE = 0.1  # wake early rather than late: most tasks end after this one
DURATION_MIN_SAMPLES = 3
EARLIER_BY_S = 0.25  # an estimate moving earlier by less does not wake sleeping pollers


class DurationEstimate:
    """When one model's tasks end, from its recent successes, for poll timing.

    Each success adds the last time (since submission) its task was seen still running: a
    lower bound of its duration. Bounds, not the moment a task was seen finished, so that
    the estimate can move earlier: a wake-up at the estimate that finds the task done
    would otherwise only ever confirm it (and keep the detection delay it started with).
    (The middle of last-seen-running and first-seen-done was tried: fewer polls in the
    second wave, but a first wave polled coarsely can put it after the true end, and a
    late wake-up costs wall time where an early one costs only batched polls.)
    """

    def __init__(self, window: int = DURATION_WINDOW, quantile: float = DURATION_QUANTILE):
        self.quantile = quantile
        self.durations_s: collections.deque[float] = collections.deque(maxlen=window)
        self._typical_s: float | None = None
        self._announced_s: float | None = None  # the estimate sleeping pollers were told of
        self._earlier: asyncio.Event | None = None

    def add(self, duration_s: float) -> None:
        """A task of this model succeeded; it was still running `duration_s` after submission."""
        if duration_s > 0:
            self.durations_s.append(duration_s)
            self._typical_s = None
            self._announce()

    def _announce(self) -> None:
        """Wake the sleeping pollers when an estimate first exists or moves a tick earlier:
        tasks submitted together end together, so the first ends tell the rest when to look."""
        typical = self.typical_s()
        if typical is None:
            return
        if self._announced_s is not None and typical > self._announced_s - EARLIER_BY_S:
            return
        self._announced_s = typical
        if self._earlier is not None:
            self._earlier.set()
            self._earlier = None

    def earlier(self) -> asyncio.Event:
        """An event set the next time the estimate appears or moves earlier (one per change)."""
        if self._earlier is None:
            self._earlier = asyncio.Event()
        return self._earlier

    def typical_s(self) -> float | None:
        """The low quantile of the recent bounds, or None until a few tasks have finished."""
        if len(self.durations_s) < DURATION_MIN_SAMPLES:
            return None
        if self._typical_s is None:
            ordered = sorted(self.durations_s)
            self._typical_s = ordered[int(self.quantile * (len(ordered) - 1))]
        return self._typical_s


class BatchPoller:
    """`await poller.poll(task_id)` → that task's state, fetched in batches."""

    def __init__(self, adapter: Adapter, window_s: float = BATCH_WINDOW_S):
        self.adapter = adapter
        self.window_s = window_s
        self.max_batch = max(1, adapter.max_poll_batch)
        self._waiting: dict[str, list[asyncio.Future[TaskState]]] = {}
        self._flush: asyncio.TimerHandle | None = None
        self.requests = 0  # batch requests sent (for tests and benchmarks)

    async def poll(self, task_id: str) -> TaskState:
        """The task's state from the next batch that carries it."""
        if self.max_batch <= 1:
            return await self.adapter.poll(task_id)
        future: asyncio.Future[TaskState] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(task_id, []).append(future)
        if len(self._waiting) >= self.max_batch:
            self._start_batch()
        elif self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(self.window_s, self._start_batch)
        return await future

    def _start_batch(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if not self._waiting:
            return
        ids = list(self._waiting)[: self.max_batch]
        batch = {task_id: self._waiting.pop(task_id) for task_id in ids}
        asyncio.get_running_loop().create_task(self._run_batch(batch))
        if self._waiting:  # more than one batch's worth arrived: schedule the rest
            self._flush = asyncio.get_running_loop().call_later(0, self._start_batch)

    async def _run_batch(self, batch: dict[str, list[asyncio.Future[TaskState]]]) -> None:
        self.requests += 1
        try:
            states = await self.adapter.poll_many(list(batch))
        except Exception as exc:  # handed to every job in the batch, which decides retries
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for task_id, futures in batch.items():
            state = states.get(task_id)
            if state is None:  # not in the list answer (e.g. just deleted): ask directly
                try:
                    state = await self.adapter.poll(task_id)
                except Exception as exc:
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                    continue
            for future in futures:
                if not future.done():
                    future.set_result(state)
