"""Queue and generation seconds in results: the provider's own figures over what polling saw.

A gateway that polls rarely (the runner polls once after submit and next near the expected end)
never sees a task running, so polling alone counts the whole wait as queue. fal reports its
generation seconds (`metrics.inference_time`), Replicate its queue from timestamps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factories import make_job, planned_record

from vidbench.core.run.results import row_for
from vidbench.core.store.journal import Journal
from vidbench.core.store.store import RunDir, fold_records


def _records(**terminal: Any) -> list[dict[str, Any]]:
    job = make_job(job_id="j1", model_id="seedance-fal", prompt_id="p1", text="t")
    return [
        planned_record(job, ts=1.0),
        {"event": "submitted", "job_id": "j1", "task_id": "t1", "ts": 10.0},
        {"event": "status", "job_id": "j1", "status": "queued", "ts": 10.5},
        {"event": "status", "job_id": "j1", "status": "succeeded", "terminal": True, "ts": 40.0,
         **terminal},
    ]  # fmt: skip


def _row(tmp_path: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    return row_for(fold_records(records)["j1"], RunDir(tmp_path))


def test_unseen_start_counts_the_wait_as_queue_without_the_providers_figure(tmp_path: Path) -> None:
    row = _row(tmp_path, _records())
    assert (row["queue_s"], row["generation_s"]) == (30.0, 0.0)


def test_the_providers_generation_seconds_split_the_wait(tmp_path: Path) -> None:
    row = _row(tmp_path, _records(provider_generation_s=18.0))
    assert (row["queue_s"], row["generation_s"]) == (pytest.approx(12.0), pytest.approx(18.0))


def test_a_generation_longer_than_the_wait_is_all_generation(tmp_path: Path) -> None:
    row = _row(tmp_path, _records(provider_generation_s=99.0))
    assert (row["queue_s"], row["generation_s"]) == (0.0, 30.0)


def test_a_poll_that_saw_it_running_earlier_is_kept(tmp_path: Path) -> None:
    records = _records(provider_generation_s=5.0)
    records.insert(3, {"event": "status", "job_id": "j1", "status": "running", "ts": 20.0})
    row = _row(tmp_path, records)  # started by 20 s at the latest, whatever the figure says
    assert (row["queue_s"], row["generation_s"]) == (10.0, 20.0)


def test_the_providers_queue_seconds_win(tmp_path: Path) -> None:
    row = _row(tmp_path, _records(provider_queue_s=4.0, provider_generation_s=18.0))
    assert (row["queue_s"], row["generation_s"]) == (4.0, 26.0)


def test_the_journal_accepts_the_field(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    journal.append("status", "j1", status="succeeded", terminal=True, provider_generation_s=18.0)
    journal.close()
    (record,) = list(journal.read())
    assert record["provider_generation_s"] == 18.0
