"""The append-only event log (records.jsonl): the run's system of record.

Every append is flushed and fsynced before returning, so a task id written here
survives a SIGKILL the instant after the provider returned it.

`append_async` commits in groups: the line is written and flushed at once, then the caller
waits for an fsync that started after that write. One fsync runs at a time, in the
journal's own thread; every record written while it runs shares the next one. A wave of
200 jobs finishing together costs a few fsyncs instead of 200 (which, through the shared
thread pool, also queued every create's intent behind them).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from vidbench.core.seam.secrets import redact
from vidbench.core.store.records import EVENT_NAMES, SCHEMA_VERSION, check_schema
from vidbench.core.store.safe_files import open_append_text, open_read

EVENTS = EVENT_NAMES  # declared once, with their fields, in bench/records.py
MAX_RECORD_BYTES = 16 * 1024**2  # one line; a planned job with a long prompt is a few kB


def redact_strings(value: Any) -> Any:
    """`value` with every string in it redacted: the last net before a record is on disk."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_strings(item) for item in value]
    return value


# fsyncs of every journal run here, one at a time, apart from the thread pool that
# asyncio.to_thread shares (downloads' fsyncs, integrity checks).
_FSYNC_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-fsync")


class Journal:
    """records.jsonl of a run directory."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()  # held while a line is written and flushed
        self._sync_lock = threading.Lock()  # held during an fsync (close waits for it)
        self._handle: IO[str] | None = None
        self._written = 0  # lines written and flushed so far
        self._synced = 0  # of those, how many an fsync has covered
        self._group: asyncio.Future[None] | None = None  # the fsync now running, if any

    def append(
        self, event: str, job_id: str | None = None, *, sync: bool = True, **fields: Any
    ) -> dict[str, Any]:
        """Append one record; durable on return when `sync` (the default)."""
        record, _ = self._write(event, job_id, fields, sync)
        return record

    def _write(
        self, event: str, job_id: str | None, fields: dict[str, Any], sync: bool
    ) -> tuple[dict[str, Any], int]:
        """Write and flush one record (fsynced when `sync`); returns it and its line number."""
        if event not in EVENTS:
            raise ValueError(f"unknown journal event {event!r}")
        record: dict[str, Any] = {
            "ts": round(time.time(), 6),
            "event": event,
            "schema": SCHEMA_VERSION,
        }
        if job_id is not None:
            record["job_id"] = job_id
        record.update(redact_strings(fields))
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open_append_text(self.path)
                if _ends_torn(self.path):
                    # End a torn last line first, or the next record would be glued to it.
                    self._handle.write("\n")
            assert self._handle is not None
            handle = self._handle
            handle.write(line)
            handle.flush()
            self._written += 1
            written = self._written
            if sync:
                os.fsync(handle.fileno())
                self._synced = max(self._synced, written)
        return record, written

    async def append_async(
        self, event: str, job_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """`append`, durable on return; the fsync is shared with every record written
        meanwhile (group commit) and never runs on the event loop."""
        record, line = self._write(event, job_id, fields, sync=False)
        await self.durable(line)
        return record

    def append_deferred(
        self, event: str, job_id: str | None = None, **fields: Any
    ) -> tuple[dict[str, Any], int]:
        """Write and flush one record now; it is durable once `await durable(line)` returns
        (or any later fsync ran). Returns the record and its line number."""
        return self._write(event, job_id, fields, sync=False)

    async def durable(self, line: int | None = None) -> None:
        """Return once every line up to `line` (default: all written so far) is fsynced."""
        target = self._written if line is None else line
        while self._synced < target:
            group = self._group
            if group is None or group.get_loop() is not asyncio.get_running_loop():
                group = self._group = asyncio.ensure_future(self._sync_written())
            try:
                await asyncio.shield(group)
            except asyncio.CancelledError:  # interrupted: the record is made durable anyway
                self.sync()
                raise

    def sync(self) -> None:
        """fsync every line written so far (blocking)."""
        self._synced = max(self._synced, self._fsync_now())

    async def _sync_written(self) -> None:
        """One fsync covering every line written before it started."""
        try:
            covered = await asyncio.get_running_loop().run_in_executor(
                _FSYNC_THREAD, self._fsync_now
            )
            self._synced = max(self._synced, covered)
        finally:
            self._group = None

    def _fsync_now(self) -> int:
        with self._sync_lock:
            with self._lock:
                covered = self._written
                handle = self._handle
            if handle is not None and covered > self._synced:
                os.fsync(handle.fileno())
            return covered

    def append_many(self, records: list[tuple[str, str | None, dict[str, Any]]]) -> None:
        """Append several records with one fsync (for bulk events such as `planned`)."""
        for event, job_id, fields in records:
            self.append(event, job_id, sync=False, **fields)
        with self._lock:
            if self._handle is not None:
                os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._sync_lock, self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def read(self) -> Iterator[dict[str, Any]]:
        """Every record in order; a line that is not one whole JSON object is skipped.

        That covers a torn last line (killed mid-write, possibly inside a UTF-8 character)
        and lines nobody but a hostile or broken writer would produce (`[1,2]`, `null`).
        """
        if not self.path.exists():
            return
        with open_read(self.path) as handle:
            while True:
                raw = handle.readline(MAX_RECORD_BYTES + 1)
                if not raw:
                    return
                if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
                    while raw and not raw.endswith(b"\n"):  # skip the rest, bounded
                        raw = handle.readline(MAX_RECORD_BYTES)
                    continue
                record = parse_record(raw)
                if record is not None:
                    check_schema(record)  # a newer writer's records are refused, not misread
                    yield record


def parse_record(raw: bytes) -> dict[str, Any] | None:
    """One journal line as a record, or None when it is not a whole JSON object."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: also 5000-digit ints
        return None
    return record if isinstance(record, dict) and well_typed(record) else None


_NUMBER = "number"
_STR, _BOOL, _DICT, _LIST = str, bool, dict, list
# The type of every field the fold and the results read; None is always allowed.
RECORD_FIELD_TYPES: dict[str, Any] = {
    "event": _STR,
    "ts": _NUMBER,
    "job_id": _STR,
    "job": _DICT,
    "task_id": _STR,
    "request_id": _STR,
    "submitted_at": _NUMBER,
    "status": _STR,
    "raw_status": _STR,
    "terminal": _BOOL,
    "tokens": _NUMBER,
    "model_version": _STR,
    "path": _STR,
    "sha256": _STR,
    "download_started_at": _NUMBER,
    "sim_render_overrun_s": _NUMBER,
    "simulator": _BOOL,
    "provider_queue_s": _NUMBER,
    "provider_generation_s": _NUMBER,
    "error_kind": _STR,
    "detail": _STR,
    "cost_usd": _NUMBER,
    "cost_native": _NUMBER,
    "currency": _STR,
    "scorer": _STR,
    "values": _DICT,
    "resumable": _BOOL,
    "outcome": _STR,
}
JOB_FIELD_TYPES: dict[str, Any] = {
    **dict.fromkeys(
        ("job_id", "model_id", "adapter", "provider_model", "prompt_id", "category"), _STR
    ),
    **dict.fromkeys(("lang", "text", "clip_text", "ratio"), _STR),
    **dict.fromkeys(("resolution", "character_ref", "unsupported_reason"), _STR),
    **dict.fromkeys(("sample", "duration_requested_s", "duration_sent_s"), _NUMBER),
    **dict.fromkeys(("seed", "shots", "estimated_cost_usd"), _NUMBER),
    **dict.fromkeys(("simulated", "audio"), _BOOL),
    **dict.fromkeys(("inputs", "params"), _DICT),
    "tags": _LIST,
}
JOB_REQUIRED = ("job_id", "model_id", "prompt_id", "category", "text", "sample")


def _is(value: Any, kind: Any) -> bool:
    if value is None:
        return True
    if kind == _NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        try:
            return math.isfinite(value)
        except OverflowError:  # an int beyond float range
            return False
    return isinstance(value, kind)


def well_typed(record: dict[str, Any]) -> bool:
    """True when every field the harness reads has its expected type (finite numbers)."""
    if not all(_is(record.get(name), kind) for name, kind in RECORD_FIELD_TYPES.items()):
        return False
    job = record.get("job")
    if job is None:
        return True
    return all(_is(job.get(name), kind) for name, kind in JOB_FIELD_TYPES.items()) and all(
        job.get(name) is not None for name in JOB_REQUIRED
    )


def _ends_torn(path: Path) -> bool:
    """True when the file is not empty and its last byte is not a newline."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"
