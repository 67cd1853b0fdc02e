"""The fold from records to job states, over every order of a job's events, and the run
directory's files. Expected values are stated per field, not computed by a second fold."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from factories import make_job, planned_record
from hypothesis import given, settings
from hypothesis import strategies as st

from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RECORDS, JobState, RunDir, fold_records

PROPS = settings(max_examples=300, deadline=None, database=None, derandomize=True)


def job(job_id: str = "m__p__s0", **changes: Any) -> Job:
    """A planned job; only the id matters to the fold."""
    fields: dict[str, Any] = {
        "job_id": job_id, "provider_model": "seedance", "text": "a cat",
        "duration_requested_s": 5, "duration_sent_s": 5,
    }  # fmt: skip
    return make_job(**{**fields, **changes})


def planned(job_id: str, ts: float = 0.0) -> dict[str, Any]:
    return planned_record(job(job_id), ts)


def test_a_whole_successful_job() -> None:
    records = [
        planned("a"),
        {"ts": 1.0, "event": "intent", "job_id": "a"},
        {"ts": 2.0, "event": "submitted", "job_id": "a", "task_id": "t-1", "submitted_at": 1.5},
        {"ts": 3.0, "event": "status", "job_id": "a", "status": "queued"},
        {"ts": 4.0, "event": "status", "job_id": "a", "status": "running"},
        {"ts": 5.0, "event": "status", "job_id": "a", "status": "running", "tokens": 7},
        {"ts": 6.0, "event": "status", "job_id": "a", "status": "succeeded", "terminal": True},
        {"ts": 6.5, "event": "status", "job_id": "a", "status": "succeeded", "terminal": True},
        {
            "ts": 7.0,
            "event": "downloaded",
            "job_id": "a",
            "path": "videos/a.mp4",
            "sha256": "ab12",
            "download_started_at": 6.75,
        },
        {
            "ts": 8.0,
            "event": "finished",
            "job_id": "a",
            "status": "succeeded",
            "tokens": 99,
            "cost_usd": 0.5,
            "cost_native": 3.5,
            "currency": "CNY",
        },
        {"ts": 9.0, "event": "scored", "job_id": "a", "scorer": "clip", "values": {"x": 0.3}},
    ]
    state = fold_records(records)["a"]
    expected = JobState(
        job=job("a"),
        intents=1,
        task_id="t-1",
        submitted_at=1.5,
        first_running_at=4.0,
        finished_at=6.0,
        downloaded_at=7.0,
        download_started_at=6.75,
        last_status="succeeded",
        final_status="succeeded",
        video_path="videos/a.mp4",
        sha256="ab12",
        tokens=99,
        cost_usd=0.5,
        cost_native=3.5,
        currency="CNY",
        scores={"clip": {"x": 0.3}},
    )
    assert state == expected
    assert state.done


def test_a_failed_job_keeps_its_error_and_the_status_tokens() -> None:
    records = [
        planned("a"),
        {"ts": 1.0, "event": "submitted", "job_id": "a", "task_id": "t"},
        {"ts": 2.0, "event": "status", "job_id": "a", "status": "failed", "tokens": 5},
        {
            "ts": 3.0,
            "event": "finished",
            "job_id": "a",
            "status": "failed",
            "error_kind": "task_failed",
            "detail": "boom",
            "tokens": None,
            "resumable": True,
        },
    ]
    state = fold_records(records)["a"]
    assert state.submitted_at == 1.0  # no submitted_at field: the record's time
    assert (state.final_status, state.error_kind, state.detail) == ("failed", "task_failed", "boom")
    assert state.tokens == 5  # a None in `finished` does not erase what the status said
    assert state.resumable is True
    assert state.first_running_at is None and state.finished_at is None
    assert state.done


def test_jobs_keep_plan_order_and_foreign_records_are_ignored() -> None:
    records = [
        {"ts": 0.0, "event": "intent", "job_id": "b"},  # before b was planned
        planned("b"),
        planned("a"),
        planned("b", ts=5.0),  # a second `planned` does not reset b
        {"ts": 1.0, "event": "intent", "job_id": "b"},
        {"ts": 1.0, "event": "intent", "job_id": "zzz"},  # never planned
        {"ts": 1.0, "event": "intent"},  # no job id
        {"ts": 1.0, "event": "run_finished"},
        {"ts": 1.0, "event": "planned", "job_id": "c"},  # not a whole job
        {"ts": 1.0, "event": "planned", "job_id": "d", "job": {"job_id": "d"}},
        planned("e"),  # a broken `planned` stops nothing after it
        {"ts": 2.0, "event": "intent", "job_id": "e"},
    ]
    states = fold_records(records)
    assert list(states) == ["b", "a", "e"]
    assert states["b"].intents == 1 and states["a"].intents == 0 and states["e"].intents == 1
    assert not states["a"].done


def test_records_with_an_empty_job_id_change_no_job() -> None:
    records = [
        {**planned("x"), "job_id": ""},
        {"ts": 1.0, "event": "intent", "job_id": ""},
        {"ts": 2.0, "event": "finished", "job_id": "", "status": "failed"},
    ]
    (state,) = fold_records(records).values()
    assert state.intents == 0 and state.final_status is None


def test_scores_per_scorer_latest_wins() -> None:
    records = [
        planned("a"),
        {"ts": 1.0, "event": "scored", "job_id": "a", "scorer": "clip", "values": {"v": 1}},
        {"ts": 2.0, "event": "scored", "job_id": "a", "scorer": "faces", "values": {"v": 2}},
        {"ts": 3.0, "event": "scored", "job_id": "a", "scorer": "clip", "values": {"v": 3}},
        {"ts": 4.0, "event": "scored", "job_id": "a", "scorer": "motion"},
    ]
    assert fold_records(records)["a"].scores == {"clip": {"v": 3}, "faces": {"v": 2}, "motion": {}}


# One job's events, each with a distinct timestamp; the fold sees them in any order.
EVENTS: list[dict[str, Any]] = [
    {"ts": 1.0, "event": "intent"},
    {"ts": 2.0, "event": "intent"},
    {"ts": 3.0, "event": "submitted", "task_id": "t-a"},
    {"ts": 4.0, "event": "status", "status": "queued", "tokens": 3},
    {"ts": 5.0, "event": "status", "status": "running"},
    {"ts": 6.0, "event": "status", "status": "running", "tokens": 4},
    {"ts": 7.0, "event": "status", "status": "succeeded", "terminal": True},
    {"ts": 8.0, "event": "status", "status": "failed", "terminal": True},
    {"ts": 9.0, "event": "downloaded", "path": "v.mp4", "sha256": "s"},
    {"ts": 10.0, "event": "finished", "status": "succeeded", "cost_usd": 1.25},
    {"ts": 11.0, "event": "finished", "status": "failed", "error_kind": "timeout"},
    {"ts": 12.0, "event": "refused"},
    {"ts": 13.0, "event": "status", "status": "running"},
]


def last(records: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    found = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    return found[-1] if found else None


def first(records: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    found = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    return found[0] if found else None


def ts_of(record: dict[str, Any] | None) -> float | None:
    return None if record is None else record["ts"]


def check_fold(order: list[dict[str, Any]]) -> None:
    """Every field of the folded state against the rule that defines it."""
    records = [planned("j")] + [{**r, "job_id": "j"} for r in order]
    state = fold_records(records)["j"]
    assert state.intents == sum(r["event"] == "intent" for r in order)
    assert state.refused == sum(r["event"] == "refused" for r in order)
    assert state.first_running_at == ts_of(first(order, event="status", status="running"))
    assert state.finished_at == ts_of(first(order, event="status", terminal=True))
    status = last(order, event="status")
    assert state.last_status == (None if status is None else status["status"])
    finished = last(order, event="finished")
    assert state.final_status == (None if finished is None else finished["status"])
    assert state.error_kind == (None if finished is None else finished.get("error_kind"))
    assert state.cost_usd == (1.25 if first(order, cost_usd=1.25) else None)
    tokens = [r["tokens"] for r in order if "tokens" in r]
    assert state.tokens == (tokens[-1] if tokens else None)
    submitted = last(order, event="submitted")
    assert state.task_id == (None if submitted is None else "t-a")
    assert state.submitted_at == ts_of(submitted)
    assert state.downloaded_at == ts_of(last(order, event="downloaded"))
    assert state.done is (finished is not None)
    outcomes = [r for r in order if r["event"] in ("intent", "refused", "submitted")]
    open_at = outcomes[-1]["ts"] if outcomes and outcomes[-1]["event"] == "intent" else None
    assert state.open_intent_at == open_at


def test_fold_over_every_order_of_a_small_lifecycle() -> None:
    subset = [EVENTS[i] for i in (0, 2, 4, 5, 6, 9)]
    for order in itertools.permutations(subset):
        check_fold(list(order))


@PROPS
@given(st.permutations(EVENTS), st.integers(min_value=0, max_value=len(EVENTS)))
def test_fold_over_any_order_and_prefix_of_a_job(order: list[dict[str, Any]], cut: int) -> None:
    check_fold(order[:cut])


@PROPS
@given(st.lists(st.sampled_from(EVENTS), max_size=20))
def test_fold_over_any_sequence_with_repeats(order: list[dict[str, Any]]) -> None:
    check_fold(order)


def test_reconciled_adopt_reopens_an_ambiguous_create() -> None:
    records = [
        planned("a"),
        {"ts": 1.0, "event": "intent", "job_id": "a"},
        {
            "ts": 2.0,
            "event": "finished",
            "job_id": "a",
            "status": "failed",
            "error_kind": "ambiguous_create",
            "detail": "timeout on create",
        },
        {"ts": 3.0, "event": "reconciled", "job_id": "a", "outcome": "adopt", "task_id": "t-7"},
    ]
    state = fold_records(records)["a"]
    assert (state.task_id, state.submitted_at, state.open_intent_at) == ("t-7", 3.0, None)
    assert (state.final_status, state.error_kind, state.detail) == (None, None, None)
    assert not state.done


def test_reconciled_adopt_keeps_a_failure_that_was_not_ambiguous() -> None:
    records = [
        planned("a"),
        {"ts": 1.0, "event": "finished", "job_id": "a", "status": "failed", "error_kind": "auth"},
        {
            "ts": 3.0,
            "event": "reconciled",
            "job_id": "a",
            "outcome": "adopt",
            "task_id": "t-7",
            "submitted_at": 2.5,
        },
    ]
    state = fold_records(records)["a"]
    assert (state.task_id, state.submitted_at) == ("t-7", 2.5)
    assert (state.final_status, state.error_kind) == ("failed", "auth")


@pytest.mark.parametrize(
    ("record", "task_id", "open_intent_at"),
    [
        ({"outcome": "adopt"}, None, 1.0),  # adopt without a task id changes nothing
        ({"outcome": "resend", "task_id": "t"}, None, None),  # resend closes the intent only
        ({"outcome": "other", "task_id": "t"}, None, 1.0),
    ],
)
def test_reconciled_outcomes(
    record: dict[str, Any], task_id: str | None, open_intent_at: float | None
) -> None:
    records = [
        planned("a"),
        {"ts": 1.0, "event": "intent", "job_id": "a"},
        {"ts": 2.0, "event": "reconciled", "job_id": "a", **record},
    ]
    state = fold_records(records)["a"]
    assert (state.task_id, state.open_intent_at) == (task_id, open_intent_at)


def test_run_directory_files(tmp_path: Path) -> None:
    run = RunDir(str(tmp_path / "run"))
    assert not run.exists()
    assert run.scorers_meta() == {}
    run.path.mkdir()
    run.write_manifest({"run_id": "r1", "note": "ünïcode", "when": Path("/x")})
    assert run.exists()
    assert run.manifest() == {"run_id": "r1", "note": "ünïcode", "when": "/x"}
    assert sorted(p.name for p in run.path.iterdir()) == ["manifest.json"]  # no tmp left
    assert "ünïcode" in (run.path / "manifest.json").read_text(encoding="utf-8")
    (run.path / "scorers.json").write_text(json.dumps({"clip": {"v": 1}}), encoding="utf-8")
    assert run.scorers_meta() == {"clip": {"v": 1}}
    assert run.video_path("j1") == run.path / "videos" / "j1.mp4"
    assert (run.videos_dir, run.frames_dir, run.cache_dir, run.plots_dir) == tuple(
        run.path / name for name in ("videos", "frames", "cache", "plots")
    )
    assert run.results_path == run.path / "results.parquet"
    assert run.journal.path == run.path / RECORDS


def test_scorable_lists_only_succeeded_jobs_whose_video_is_on_disk(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    for job_id in ("ok", "no_file", "failed", "no_sha", "ok2"):
        run.journal.append("planned", job_id, job=job(job_id).to_dict())
    for job_id, status, sha in [
        ("ok", "succeeded", "s1"),
        ("no_file", "succeeded", "s2"),
        ("failed", "failed", "s3"),
        ("no_sha", "succeeded", None),
        ("ok2", "succeeded", "s5"),
    ]:
        run.journal.append("downloaded", job_id, path=f"videos/{job_id}.mp4", sha256=sha)
        run.journal.append("finished", job_id, status=status)
        if job_id != "no_file":
            run.video_path(job_id).parent.mkdir(exist_ok=True)
            run.video_path(job_id).write_bytes(b"mp4")
    run.journal.close()
    assert [(j.job_id, p, sha) for j, p, sha in run.scorable()] == [
        ("ok", run.video_path("ok"), "s1"),
        ("ok2", run.video_path("ok2"), "s5"),
    ]
    assert list(run.states()) == ["ok", "no_file", "failed", "no_sha", "ok2"]


def test_the_manifest_is_indented_utf_8_json(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    manifest = {"run_id": "r1", "models": ["a", "b"], "note": "ünïcode"}
    run.write_manifest(manifest)
    text = (tmp_path / "manifest.json").read_bytes().decode("utf-8")
    assert text == json.dumps(manifest, indent=2, ensure_ascii=False)


def test_run_files_are_utf_8_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_text, write_text = Path.read_text, Path.write_text

    def latin_read(self: Path, encoding: str | None = None, errors: str | None = None) -> str:
        return read_text(self, encoding or "latin-1", errors)

    def latin_write(self: Path, data: str, encoding: str | None = None, **kw: Any) -> int:
        return write_text(self, data, encoding or "latin-1", **kw)

    monkeypatch.setattr(Path, "read_text", latin_read)
    monkeypatch.setattr(Path, "write_text", latin_write)
    run = RunDir(tmp_path)
    run.write_manifest({"note": "résumé – 日本"})
    (tmp_path / "scorers.json").write_bytes(
        json.dumps({"n": "日本"}, ensure_ascii=False).encode("utf-8")
    )
    assert run.manifest() == {"note": "résumé – 日本"}
    assert run.scorers_meta() == {"n": "日本"}
    assert json.loads((tmp_path / "manifest.json").read_bytes().decode("utf-8")) == {
        "note": "résumé – 日本"
    }


def test_the_latest_reported_model_version_wins_and_a_missing_one_erases_nothing() -> None:
    def status(ts: float, **fields: Any) -> dict[str, Any]:
        return {"ts": ts, "event": "status", "job_id": "a", "status": "running", **fields}

    records = [
        planned("a"),
        planned("b"),
        status(1.0, model_version="seedance-2-0-260128"),
        status(2.0),
        status(3.0, model_version="seedance-2-0-261201"),
        status(4.0, model_version=None),
    ]
    states = fold_records(records)
    assert states["a"].provider_model_version == "seedance-2-0-261201"
    assert states["b"].provider_model_version is None


def _scored(ts: float, scorer: str, **values: Any) -> dict[str, Any]:
    return {"ts": ts, "event": "scored", "job_id": "a", "scorer": scorer, "values": values}


def _downloaded(ts: float, sha256: str) -> dict[str, Any]:
    path = f"videos/a-{sha256}.mp4"
    return {"ts": ts, "event": "downloaded", "job_id": "a", "path": path, "sha256": sha256}


def test_a_new_video_drops_the_scores_of_the_old_one() -> None:
    """Scores describe one video: after a download of other bytes they are not the job's."""
    records = [
        planned("a"),
        _downloaded(1.0, "old"),
        _scored(2.0, "clip", clip_score=31.0),
        _scored(3.0, "judge", judge_score=0.9, judge_cost_usd=0.02),
        _downloaded(4.0, "new"),
    ]
    state = fold_records(records)["a"]
    assert (state.video_path, state.sha256) == ("videos/a-new.mp4", "new")
    assert state.scores == {}
    # What judging the old video cost was spent all the same: kept apart, not lost.
    assert state.superseded_scores == [
        {"clip": {"clip_score": 31.0}, "judge": {"judge_score": 0.9, "judge_cost_usd": 0.02}}
    ]
    records.append(_scored(5.0, "clip", clip_score=12.0))
    assert fold_records(records)["a"].scores == {"clip": {"clip_score": 12.0}}


def test_the_same_video_downloaded_again_keeps_its_scores() -> None:
    records = [
        planned("a"),
        _downloaded(1.0, "same"),
        _scored(2.0, "clip", clip_score=31.0),
        _downloaded(3.0, "same"),
    ]
    state = fold_records(records)["a"]
    assert state.scores == {"clip": {"clip_score": 31.0}}
    assert state.superseded_scores == []
