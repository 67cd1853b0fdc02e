"""The judge's money left counts every judge answer paid, those about a job's earlier videos too."""

from __future__ import annotations

import json
from pathlib import Path

from factories import make_job, planned_record

from vidbench.core.scorers.judge_setup import remaining_budget
from vidbench.core.store.store import RunDir


def test_judging_an_earlier_video_stays_spent(tmp_path: Path) -> None:
    job = make_job(job_id="a")
    rows = [
        planned_record(job),
        {"ts": 1.0, "event": "downloaded", "job_id": "a", "path": "videos/a.mp4", "sha256": "old"},
        {"ts": 2.0, "event": "finished", "job_id": "a", "status": "succeeded", "cost_usd": 1.0},
        {"ts": 3.0, "event": "scored", "job_id": "a", "scorer": "judge",
         "values": {"judge_cost_usd": 0.25}},
        {"ts": 4.0, "event": "downloaded", "job_id": "a", "path": "videos/a.mp4", "sha256": "new"},
        {"ts": 5.0, "event": "scored", "job_id": "a", "scorer": "judge",
         "values": {"judge_cost_usd": 0.5}},
    ]  # fmt: skip
    text = "".join(json.dumps({"schema": 1, **row}) + "\n" for row in rows)
    (tmp_path / "records.jsonl").write_text(text, encoding="utf-8")
    run = RunDir(tmp_path)
    assert run.states()["a"].scores == {"judge": {"judge_cost_usd": 0.5}}
    assert remaining_budget(run, {"budget": {"max_cost_usd": 10.0}}) == 10.0 - 1.0 - 0.25 - 0.5
    assert remaining_budget(run, {}) is None
