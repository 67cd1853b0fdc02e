"""record_conflicts on its own: each contradiction named once, a consistent journal silent."""

from __future__ import annotations

from typing import Any

from factories import make_job

from vidbench.core.store.jobs import make_job_id
from vidbench.core.store.records import record_conflicts

MODELS = {"m": ("ark", "pm"), "n": ("ark", "pn")}


def planned(model_id: str, prompt_id: str, **changes: Any) -> dict[str, Any]:
    job_id = make_job_id(model_id, prompt_id, 0)
    job = make_job(job_id=job_id, model_id=model_id, adapter="ark", prompt_id=prompt_id,
                   provider_model=MODELS[model_id][1], text=f"text of {prompt_id}").to_dict()  # fmt: skip
    return {"event": "planned", "job_id": job_id, "job": {**job, **changes}}


def submitted(job_id: str, task_id: str) -> dict[str, Any]:
    return {"event": "submitted", "job_id": job_id, "task_id": task_id}


def test_a_consistent_journal_has_no_conflict() -> None:
    rows = [planned("m", "p"), planned("n", "p"), submitted("m__p__s0", "t1")]
    rows += [submitted("n__p__s0", "t2"), submitted("n__p__s0", "t3")]  # a resend: its own
    assert record_conflicts(rows, MODELS) == []


def test_a_task_held_by_two_jobs_counts_each_jobs_last_claim() -> None:
    rows = [planned("m", "p"), planned("n", "p"), submitted("m__p__s0", "t1")]
    rows += [submitted("n__p__s0", "t9"), {"event": "reconciled", "job_id": "n__p__s0",
                                          "outcome": "adopt", "task_id": "t1"}]  # fmt: skip
    assert record_conflicts(rows) == ["task t1 is claimed by jobs m__p__s0, n__p__s0: one task makes one clip"]  # fmt: skip


def test_a_job_planned_twice_differently_or_describing_another_job() -> None:
    again = planned("m", "p", seed=7)
    other = {**planned("m", "q"), "job_id": "m__p__s0"}
    found = record_conflicts([planned("m", "p"), again, other])
    assert found[0] == "job m__p__s0 is planned twice, differing in seed"
    assert found[1] == "the planned record of job m__p__s0 describes job 'm__q__s0'"


def test_two_jobs_of_one_draw() -> None:
    planted = {**planned("m", "p"), "job_id": "m__x__s0"}
    planted["job"] = {**planted["job"], "job_id": "m__x__s0"}
    assert record_conflicts([planned("m", "p"), planted]) == [
        "jobs m__p__s0 and m__x__s0 are both model 'm', prompt 'p', sample 0"
    ]


def test_a_model_the_config_lacks_or_names_otherwise() -> None:
    rows = [planned("m", "p", provider_model="other"), planned("n", "p")]
    found = record_conflicts(rows, {"m": ("ark", "pm")})
    assert found == [
        "job m__p__s0 is planned for ark/other, but model 'm' is ark/pm in the config",
        "job n__p__s0 is for model 'n', which the config does not have",
    ]
