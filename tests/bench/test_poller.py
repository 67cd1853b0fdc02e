"""Batch polling: concurrent polls become one provider request; errors reach every job."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest

from vidbench.core.run.poller import BatchPoller
from vidbench.core.seam import errors
from vidbench.core.seam.types import TaskState, TaskStatus


class BatchAdapter:
    """Just enough of an adapter: poll_many answers from a table, poll counts calls."""

    max_poll_batch: ClassVar[int] = 3

    def __init__(self, known: dict[str, TaskStatus], fail: Exception | None = None):
        self.known = known
        self.fail = fail
        self.batches: list[list[str]] = []
        self.single: list[str] = []

    async def poll_many(self, task_ids: list[str]) -> dict[str, TaskState]:
        self.batches.append(list(task_ids))
        if self.fail:
            raise self.fail
        return {t: TaskState(self.known[t]) for t in task_ids if t in self.known}

    async def poll(self, task_id: str) -> TaskState:
        self.single.append(task_id)
        raise errors.NotFound(f"{task_id} not found", status_code=404)


def poll_all(poller: BatchPoller, ids: list[str]) -> list[Any]:
    async def go() -> list[Any]:
        return await asyncio.gather(*(poller.poll(t) for t in ids), return_exceptions=True)

    return asyncio.run(go())


def test_concurrent_polls_share_one_request_up_to_the_batch_size() -> None:
    adapter = BatchAdapter({f"t{i}": TaskStatus.RUNNING for i in range(7)})
    results = poll_all(BatchPoller(adapter, window_s=0.01), [f"t{i}" for i in range(7)])  # type: ignore[arg-type]
    assert all(isinstance(r, TaskState) and r.status is TaskStatus.RUNNING for r in results)
    assert sorted(len(b) for b in adapter.batches) == [1, 3, 3]
    assert sorted(t for b in adapter.batches for t in b) == sorted(f"t{i}" for i in range(7))


def test_ids_missing_from_the_list_are_polled_directly() -> None:
    adapter = BatchAdapter({"a": TaskStatus.SUCCEEDED})
    ok, gone = poll_all(BatchPoller(adapter, window_s=0.01), ["a", "b"])  # type: ignore[arg-type]
    assert ok.status is TaskStatus.SUCCEEDED
    assert isinstance(gone, errors.NotFound)
    assert adapter.single == ["b"]


def test_a_failed_batch_reaches_every_waiting_job() -> None:
    adapter = BatchAdapter(
        {"a": TaskStatus.RUNNING, "b": TaskStatus.RUNNING},
        fail=errors.TransientError("503", status_code=503),
    )
    results = poll_all(BatchPoller(adapter, window_s=0.01), ["a", "b"])  # type: ignore[arg-type]
    assert all(isinstance(r, errors.TransientError) for r in results)
    assert len(adapter.batches) == 1


@pytest.mark.parametrize("duplicates", [2])
def test_the_same_task_polled_twice_is_asked_once(duplicates: int) -> None:
    adapter = BatchAdapter({"a": TaskStatus.QUEUED})
    results = poll_all(BatchPoller(adapter, window_s=0.01), ["a"] * duplicates)  # type: ignore[arg-type]
    assert [r.status for r in results] == [TaskStatus.QUEUED] * duplicates
    assert adapter.batches == [["a"]]
