"""The provider's reported model version: status records → job state → results column."""

from __future__ import annotations

from pathlib import Path

from factories import make_job, planned_record

from vidbench.core.run.results import BASE_COLUMNS, row_for
from vidbench.core.run.runner import _model_version
from vidbench.core.store.jobs import Job
from vidbench.core.store.journal import Journal
from vidbench.core.store.store import RunDir, fold_records


def _job() -> Job:
    return make_job(
        job_id="j1", model_id="seedance-2.0", provider_model="doubao-seedance-2-0-260128",
        prompt_id="p1", text="t", duration_requested_s=5, duration_sent_s=5,
    )  # fmt: skip


def test_status_records_carry_the_version_into_results(tmp_path: Path) -> None:
    records = [
        planned_record(_job(), ts=1.0),
        {"event": "status", "job_id": "j1", "status": "running", "ts": 2.0},
        {"event": "status", "job_id": "j1", "status": "succeeded", "terminal": True,
         "model_version": "doubao-seedance-2-0-260301", "ts": 3.0},
    ]  # fmt: skip
    state = fold_records(records)["j1"]
    assert state.provider_model_version == "doubao-seedance-2-0-260301"
    row = row_for(state, RunDir(tmp_path))
    assert row["provider_model_version"] == "doubao-seedance-2-0-260301"
    assert row["provider_model"] == "doubao-seedance-2-0-260128"
    assert "provider_model_version" in BASE_COLUMNS  # a label, never a metric


def test_model_version_from_a_task_response_is_bounded() -> None:
    assert _model_version({"model": "sora-2-2026-10-01"}) == "sora-2-2026-10-01"
    assert _model_version({"model": "x" * 5000}) == "x" * 200
    assert _model_version({}) is None and _model_version({"model": 7}) is None


def test_the_journal_accepts_the_field(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    journal.append("status", "j1", status="succeeded", terminal=True, model_version="v2")
    journal.close()
    (record,) = list(journal.read())
    assert record["model_version"] == "v2"
