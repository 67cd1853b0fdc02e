"""The append-only event log (records.jsonl): the run's system of record.

Every append is flushed and fsynced before returning, so a task id written here
survives a SIGKILL the instant after the provider returned it.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

EVENTS = (
    "run_started",
    "planned",
    "intent",
    "submitted",
    "status",
    "downloaded",
    "failed",
    "finished",
    "scored",
    "score_failed",
    "run_finished",
    "interrupted",
)


class Journal:
    """records.jsonl of a run directory."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._handle: IO[str] | None = None

    def append(
        self, event: str, job_id: str | None = None, *, sync: bool = True, **fields: Any
    ) -> dict[str, Any]:
        """Append one record; durable on return when `sync` (the default)."""
        if event not in EVENTS:
            raise ValueError(f"unknown journal event {event!r}")
        record: dict[str, Any] = {"ts": round(time.time(), 6), "event": event}
        if job_id is not None:
            record["job_id"] = job_id
        record.update(fields)
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
            assert self._handle is not None
            handle = self._handle
            handle.write(line)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        return record

    async def append_async(
        self, event: str, job_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """`append` (durable) in a worker thread, so an fsync never stalls the event loop."""
        return await asyncio.to_thread(self.append, event, job_id, **fields)

    def append_many(self, records: list[tuple[str, str | None, dict[str, Any]]]) -> None:
        """Append several records with one fsync (for bulk events such as `planned`)."""
        for event, job_id, fields in records:
            self.append(event, job_id, sync=False, **fields)
        with self._lock:
            if self._handle is not None:
                os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def read(self) -> Iterator[dict[str, Any]]:
        """Every record in order; a torn last line (killed mid-write) is skipped."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue
