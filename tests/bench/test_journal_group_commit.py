"""Group commit (bench/store/journal.py): durable appends share fsyncs, yet each returns only
after an fsync that began once its line was on disk; a waiter interrupted meanwhile still
leaves its record fsynced; and the runner sends no create before the task id of the
previous one is covered by an fsync."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
from test_runner import ScriptedAdapter, download_transport, make_run, run_jobs

from vidbench.core.store import journal as journal_module
from vidbench.core.store.journal import Journal


class SlowFsync:
    """An fsync that takes `delay_s` and notes how many bytes were on disk when it began."""

    def __init__(self, path: Path, delay_s: float) -> None:
        self.path = path
        self.delay_s = delay_s
        self.began_with: list[int] = []
        self.threads: set[str] = set()

    def __call__(self, fd: int) -> None:
        self.began_with.append(self.path.stat().st_size)
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay_s)


def covered(spy: SlowFsync) -> int:
    """Bytes on disk at the start of the last fsync so far."""
    return spy.began_with[-1] if spy.began_with else 0


def test_fifty_appends_at_once_share_one_fsync_in_the_journal_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "records.jsonl"
    spy = SlowFsync(path, 0.02)
    monkeypatch.setattr(journal_module.os, "fsync", spy)
    journal = Journal(path)

    async def one(index: int) -> None:
        await journal.append_async("finished", f"job-{index}", status="succeeded")
        assert covered(spy) == path.stat().st_size  # the one fsync began after all 50 lines

    async def main() -> None:
        await asyncio.gather(*(one(index) for index in range(50)))

    asyncio.run(main())
    assert len(spy.began_with) == 1 and spy.began_with[0] == path.stat().st_size
    assert spy.threads == {"journal-fsync_0"}  # never on the event loop, never the shared pool
    assert len(list(journal.read())) == 50


def test_a_record_written_during_an_fsync_waits_for_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "records.jsonl"
    spy = SlowFsync(path, 0.15)
    monkeypatch.setattr(journal_module.os, "fsync", spy)
    journal = Journal(path)
    returned: dict[str, tuple[int, int]] = {}  # name -> (its end offset, fsyncs begun by then)

    async def append(name: str, after_s: float) -> None:
        await asyncio.sleep(after_s)
        await journal.append_async("intent", name, attempt=1)
        end = line_end(path, name)
        returned[name] = (end, len(spy.began_with))
        assert covered(spy) >= end  # an fsync began after the line was on disk

    async def main() -> None:
        await asyncio.gather(append("a", 0), append("b", 0.05), append("c", 0.07))

    asyncio.run(main())
    assert returned["a"][1] == 1  # the first fsync carried a alone
    assert returned["b"][1] == returned["c"][1] == 2  # b and c, written during it, share one
    assert len(spy.began_with) == 2


def line_end(path: Path, job_id: str) -> int:
    """The byte offset just past the record of `job_id`."""
    offset = 0
    for line in path.read_bytes().splitlines(keepends=True):
        offset += len(line)
        if f'"job_id": "{job_id}"'.encode() in line:
            return offset
    return -1


def test_an_interrupted_waiter_leaves_its_record_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "records.jsonl"
    spy = SlowFsync(path, 0.2)
    monkeypatch.setattr(journal_module.os, "fsync", spy)
    journal = Journal(path)

    async def main() -> None:
        first = asyncio.create_task(journal.append_async("intent", "a", attempt=1))
        await asyncio.sleep(0.05)  # a's fsync is running
        second = asyncio.create_task(journal.append_async("submitted", "b", task_id="t-b"))
        await asyncio.sleep(0.01)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        # Cancelled while waiting for the next group: its line was fsynced before it gave up.
        assert max(spy.began_with) >= line_end(path, "b")
        await first

    asyncio.run(main())


def test_no_create_goes_out_before_the_previous_task_id_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(tmp_path, [f"j{i}" for i in range(5)])
    spy = SlowFsync(run.journal.path, 0.0)
    monkeypatch.setattr(journal_module.os, "fsync", spy)
    seen: list[tuple[str, int, int]] = []  # (job, fsynced bytes, bytes past the last submitted)

    class Checking(ScriptedAdapter):
        async def submit(self, request):  # type: ignore[no-untyped-def]
            records = run.journal.path.read_bytes()
            last_submitted = records.rfind(b'"event": "submitted"')
            end = records.find(b"\n", last_submitted) + 1 if last_submitted >= 0 else 0
            seen.append((request.job_id, covered(spy), end))
            return await super().submit(request)

    run_jobs(run, Checking(httpx.AsyncClient(transport=download_transport())))
    assert len(seen) == 5
    for job_id, fsynced, submitted_end in seen:
        # Every earlier task id was on disk when the last fsync before this create began.
        assert fsynced >= submitted_end, job_id
    # And so was this create's own intent.
    intents_end = [line_end_of_intent(run.journal.path, job_id) for job_id, _, _ in seen]
    assert all(fsynced >= end for (_, fsynced, _), end in zip(seen, intents_end, strict=True))


def line_end_of_intent(path: Path, job_id: str) -> int:
    offset = 0
    for line in path.read_bytes().splitlines(keepends=True):
        offset += len(line)
        if b'"event": "intent"' in line and f'"job_id": "{job_id}"'.encode() in line:
            return offset
    raise AssertionError(f"no intent for {job_id}")
