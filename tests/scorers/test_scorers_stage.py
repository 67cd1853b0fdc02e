"""The stage: journal records, scorers.json, contact sheets, caches and one bad video."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scorer_helpers import TINY, add_to_run, make_job, moving_square, write_video

import vidbench.core.scorers.scoring as scoring_module
import vidbench.core.scorers.stage as stage_module
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.embedders import ClipEmbedder
from vidbench.core.scorers.faces import FaceEmbedder
from vidbench.core.store.store import RunDir

CHEAP = ["conformance", "flicker", "motion", "shots"]


def make_run(tmp_path: Path, count: int = 2) -> Path:
    run = tmp_path / "run"
    for i in range(count):
        video = write_video(run / "videos" / f"j{i}.mp4", moving_square(12, step_px=i))
        add_to_run(run, make_job(f"j{i}", duration_sent_s=1), video)
    return run


def scored_records(run: Path) -> list[dict]:
    return [r for r in RunDir(run).journal.read() if r["event"] == "scored"]


def test_scores_journal_meta_and_contact_sheets(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    progress: list[tuple[int, int]] = []
    summary = scoring_module.score_run(
        run, CHEAP + ["face_identity"], progress=lambda d, t: progress.append((d, t))
    )
    assert summary.videos == 2 and summary.decoded == 2
    assert all(summary.counts[name].scored == 2 for name in CHEAP + ["face_identity"])
    assert progress[-1] == (2, 2)
    states = RunDir(run).states()
    assert states["j0"].scores["motion"]["dynamic_degree"] is False
    assert states["j1"].scores["conformance"]["conformance"] is True
    assert states["j1"].scores["conformance"]["width"] == 64
    for record in scored_records(run):
        assert all(
            v is None or isinstance(v, bool | int | float | str) for v in record["values"].values()
        )
        json.dumps(record["values"], allow_nan=False)
    meta = RunDir(run).scorers_meta()
    assert set(meta) == set(CHEAP + ["face_identity"])
    assert meta["flicker"]["outputs"]["flicker"]["direction"] == "higher"
    assert "DIS flow" in meta["motion"]["settings"]["method"]
    assert (
        run / "frames" / "j0.jpg"
    ).stat().st_size > 500  # a face scorer needs frames, so sheets exist


def test_second_pass_is_served_from_the_cache(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    scoring_module.score_run(run, CHEAP)
    before = len(scored_records(run))
    summary = scoring_module.score_run(run, CHEAP)
    assert summary.decoded == 0
    assert all(
        summary.counts[name].cached == 2 and summary.counts[name].scored == 0 for name in CHEAP
    )
    assert len(scored_records(run)) == before  # identical values are not journaled again


def test_adding_a_scorer_computes_only_the_new_one(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    scoring_module.score_run(run, ["conformance", "flicker"])
    summary = scoring_module.score_run(run, ["conformance", "flicker", "shots"])
    assert summary.counts["conformance"].cached == 2 and summary.counts["flicker"].cached == 2
    assert summary.counts["shots"].scored == 2 and summary.counts["shots"].cached == 0
    assert set(RunDir(run).scorers_meta()) == {"conformance", "flicker", "shots"}


def test_full_cache_hit_loads_no_model(
    tmp_path: Path, tiny_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(tmp_path, count=1)
    settings = ClipSettings(model=TINY, weights=str(tiny_weights), frames=4)
    names = ["clip_alignment", "subject_consistency", "face_identity", "flicker"]
    first = scoring_module.score_run(run, names, clip=settings)
    assert first.counts["clip_alignment"].scored == 1 and first.counts["face_identity"].scored == 1
    loads: list[str] = []

    def refuse(self: object) -> None:
        loads.append(type(self).__name__)
        raise AssertionError("a model was loaded on a full cache hit")

    monkeypatch.setattr(ClipEmbedder, "load", refuse)
    monkeypatch.setattr(FaceEmbedder, "load", refuse)
    monkeypatch.setattr(
        stage_module, "decode_pass", lambda *a, **k: pytest.fail("decoded on a full hit")
    )
    second = scoring_module.score_run(run, names, clip=settings)
    assert loads == []
    assert all(second.counts[name].cached == 1 for name in names)


def test_cached_embeddings_serve_a_new_embedding_scorer(
    tmp_path: Path, tiny_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(tmp_path, count=1)
    settings = ClipSettings(model=TINY, weights=str(tiny_weights), frames=4)
    scoring_module.score_run(run, ["clip_alignment", "shots"], clip=settings)
    monkeypatch.setattr(
        stage_module,
        "decode_pass",
        lambda *a, **k: pytest.fail("decoded although embeddings and shots were cached"),
    )
    summary = scoring_module.score_run(
        run, ["clip_alignment", "shots", "subject_consistency"], clip=settings
    )
    assert summary.counts["subject_consistency"].scored == 1


def test_one_bad_video_does_not_stop_the_stage(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    bad = run / "videos" / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 200)
    add_to_run(run, make_job("bad"), bad)
    summary = scoring_module.score_run(run, CHEAP)
    assert summary.counts["flicker"].scored == 2 and summary.counts["flicker"].failed == 1
    failed = [r for r in RunDir(run).journal.read() if r["event"] == "score_failed"]
    assert {r["scorer"] for r in failed} == set(CHEAP) and all(r["job_id"] == "bad" for r in failed)
    assert "decode failed" in failed[0]["detail"]


def test_changed_job_expectation_misses_the_cache(tmp_path: Path) -> None:
    run = tmp_path / "run"
    video = write_video(run / "videos" / "a.mp4", moving_square(12))
    add_to_run(run, make_job("a", shots=None), video)
    scoring_module.score_run(run, ["shots"])
    add_to_run(run, make_job("b", shots=2), video)  # same video bytes, different expectation
    summary = scoring_module.score_run(run, ["shots"])
    assert summary.counts["shots"].cached == 1 and summary.counts["shots"].scored == 1
    assert RunDir(run).states()["b"].scores["shots"]["shot_count_match"] is False
