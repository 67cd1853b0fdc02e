"""records.jsonl is typed and versioned: old runs still read, newer ones are refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import make_job

from vidbench.cli.app import main
from vidbench.core.store.journal import EVENTS, Journal
from vidbench.core.store.records import SCHEMA_VERSION, NewerSchema, parse_record, problems_in
from vidbench.core.store.store import RunDir

JOB = make_job(provider_model="x", text="t", duration_requested_s=5, duration_sent_s=5).to_dict()


def test_every_event_name_has_a_type_and_every_append_is_stamped(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    record = journal.append("intent", "j", attempt=1)
    assert record["schema"] == SCHEMA_VERSION
    assert parse_record(record).event == "intent"
    assert set(EVENTS) >= {"planned", "intent", "submitted", "finished", "scored", "refused"}


def test_a_malformed_record_is_named() -> None:
    bad = [{"ts": 1.0, "event": "submitted", "job_id": "j"}]  # no task_id
    assert problems_in(bad) and "record 0 (submitted)" in problems_in(bad)[0]


def test_records_without_a_schema_read_as_version_0(tmp_path: Path) -> None:
    lines = [
        {"ts": 1.0, "event": "planned", "job_id": JOB["job_id"], "job": JOB},
        {"ts": 2.0, "event": "intent", "job_id": JOB["job_id"], "attempt": 1},
        {"ts": 3.0, "event": "submitted", "job_id": JOB["job_id"], "task_id": "cgt-1"},
    ]
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert problems_in(lines) == []
    assert RunDir(tmp_path).states()[JOB["job_id"]].task_id == "cgt-1"


def test_a_newer_schema_is_refused_naming_both_versions(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{}")
    record = {"ts": 1.0, "event": "planned", "schema": SCHEMA_VERSION + 1, "job": JOB}
    (tmp_path / "records.jsonl").write_text(json.dumps(record) + "\n")
    with pytest.raises(NewerSchema, match=f"schema {SCHEMA_VERSION + 1}"):
        RunDir(tmp_path).states()
    assert main(["report", str(tmp_path)]) == 2
