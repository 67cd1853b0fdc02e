"""Journal reading survives what a damaged or tampered records.jsonl holds: torn UTF-8,
non-object lines, wrong types and numbers too big for a float, each skipped alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vidbench.core.store.journal import Journal, parse_record
from vidbench.core.store.store import fold_records

GOOD = {"ts": 1.0, "event": "intent", "job_id": "a"}


@pytest.mark.parametrize(
    "line",
    [
        b'{"ts": 2.0, "event": "status", "detail": "caf\xc3',  # torn inside a character
        b"[1, 2]",
        b'"x"',
        b"null",
        b'{"ts": 2.0, "event": "status", "tokens": ' + b"9" * 400 + b"}",  # beyond float
        b'{"ts": 2.0, "event": "status", "tokens": ' + b"9" * 5000 + b"}",  # beyond int parsing
        b'{"ts": "yesterday", "event": "status"}',
        b'{"ts": 2.0, "event": "finished", "cost_usd": "lots"}',
        b'{"ts": 2.0, "event": "status", "job_id": ["a"]}',
    ],
)
def test_a_bad_line_is_skipped_and_its_neighbours_kept(tmp_path: Path, line: bytes) -> None:
    assert parse_record(line) is None
    path = tmp_path / "records.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + line + b"\n" + json.dumps(GOOD).encode())
    assert list(Journal(path).read()) == [GOOD, GOOD]


def test_the_fold_skips_planned_records_without_a_whole_job() -> None:
    records = [
        {"ts": 1.0, "event": "planned", "job_id": "x", "job": {"job_id": "x"}},
        {"ts": 1.0, "event": "planned", "job_id": "y"},
        {"ts": 1.0, "event": "scored", "job_id": "x", "values": {"a": 1}},
    ]
    assert fold_records(records) == {}


def test_an_oversized_line_is_skipped_in_bounded_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vidbench.core.store.journal

    monkeypatch.setattr(vidbench.core.store.journal, "MAX_RECORD_BYTES", 100)
    huge = json.dumps({"ts": 2.0, "event": "status", "detail": "x" * 1000}).encode()
    path = tmp_path / "records.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + huge + b"\n" + json.dumps(GOOD).encode())
    assert list(Journal(path).read()) == [GOOD, GOOD]
