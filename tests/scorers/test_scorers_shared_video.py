"""Jobs that delivered the same bytes: each score is computed once and given to every job
whose score key is the same (the simulators serve one render to models with one profile)."""

from __future__ import annotations

import shutil
from pathlib import Path

from scorer_helpers import add_to_run, make_job, moving_square, write_video

import vidbench.core.scorers.scoring as scoring_module
from vidbench.core.store.store import RunDir

CHEAP = ["conformance", "flicker", "motion", "shots"]


def shared_run(tmp_path: Path, second_duration_s: int = 1) -> Path:
    """Three jobs: a and b deliver the same file content, c another video."""
    run = tmp_path / "run"
    first = write_video(run / "videos" / "a.mp4", moving_square(12, step_px=2))
    shutil.copy(first, run / "videos" / "b.mp4")
    add_to_run(run, make_job("a", duration_sent_s=1), first)
    add_to_run(run, make_job("b", duration_sent_s=second_duration_s), run / "videos" / "b.mp4")
    other = write_video(run / "videos" / "c.mp4", moving_square(12, step_px=0))
    add_to_run(run, make_job("c", duration_sent_s=1), other)
    return run


def test_identical_videos_are_decoded_once_and_get_the_same_scores(tmp_path: Path) -> None:
    run = shared_run(tmp_path)
    progress: list[tuple[int, int]] = []
    names = CHEAP + ["face_identity"]  # a scorer of frames, so contact sheets are made
    summary = scoring_module.score_run(
        run, names, progress=lambda done, total: progress.append((done, total))
    )
    assert summary.videos == 3 and summary.decoded == 2  # b is a's bytes: decoded once
    assert all(summary.counts[name].scored == 3 for name in names)
    assert progress[-1] == (3, 3)
    states = RunDir(run).states()
    for name in names:
        assert states["b"].scores[name] == states["a"].scores[name]
    assert states["c"].scores["motion"] != states["a"].scores["motion"]
    assert (run / "frames" / "b.jpg").read_bytes() == (run / "frames" / "a.jpg").read_bytes()


def test_a_job_dependent_score_is_still_computed_per_job(tmp_path: Path) -> None:
    run = shared_run(tmp_path, second_duration_s=3)  # b asked for 3 s, got the 0.5 s clip
    summary = scoring_module.score_run(run, CHEAP)
    assert summary.decoded == 3  # conformance of b has its own key, so b decodes too
    states = RunDir(run).states()
    assert states["a"].scores["conformance"]["duration_ok"] is True
    assert states["b"].scores["conformance"]["duration_ok"] is False
    assert states["b"].scores["motion"] == states["a"].scores["motion"]


def test_a_follower_gets_its_leaders_failure(tmp_path: Path) -> None:
    run = tmp_path / "run"
    bad = run / "videos" / "a.mp4"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 200)
    shutil.copy(bad, run / "videos" / "b.mp4")
    add_to_run(run, make_job("a"), bad)
    add_to_run(run, make_job("b"), run / "videos" / "b.mp4")
    summary = scoring_module.score_run(run, ["flicker"])
    assert summary.counts["flicker"].failed == 2 and summary.counts["flicker"].scored == 0
    failed = {r["job_id"]: r for r in RunDir(run).journal.read() if r["event"] == "score_failed"}
    assert (
        "decode failed" in failed["b"]["detail"] and "the same video as a" in failed["b"]["detail"]
    )


def test_a_leaders_contact_sheet_planted_as_a_link_is_not_copied_to_the_follower(
    tmp_path: Path,
) -> None:
    run = tmp_path / "run"
    bad = run / "videos" / "a.mp4"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 200)  # no sheet gets made
    shutil.copy(bad, run / "videos" / "b.mp4")
    add_to_run(run, make_job("a"), bad)
    add_to_run(run, make_job("b"), run / "videos" / "b.mp4")
    secret = tmp_path / "home" / "id_rsa"
    secret.parent.mkdir()
    secret.write_bytes(b"-----BEGIN OPENSSH PRIVATE KEY----- not vidbench's")
    (run / "frames").mkdir()
    (run / "frames" / "a.jpg").symlink_to(secret)  # the leader's sheet, planted
    scoring_module.score_run(run, ["flicker"])
    follower = run / "frames" / "b.jpg"
    assert not follower.exists() or b"PRIVATE KEY" not in follower.read_bytes()
