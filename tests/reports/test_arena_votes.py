"""The arena over HTTP: blind pairs, durable votes across a killed server, pair selection."""

from __future__ import annotations

import json
import random
from pathlib import Path

import httpx
import pytest
from arena_helpers import arena_client, free_port, kill_hard, make_arena_run, start_arena

from vidbench.core.arena.server import Arena
from vidbench.core.arena.votes import ArenaBusy, Clip, VoteLog, choose_pair, pair_weight
from vidbench.reports.arena import read_votes, run_preference


def test_votes_survive_a_killed_server_and_reach_the_ratings(tmp_path: Path) -> None:
    run_dir = make_arena_run(tmp_path / "run")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_arena(run_dir, port)
    api = arena_client(base)
    confirmed = []
    try:
        for k in range(6):
            pair = api.get("/api/next").json()
            assert "model" not in json.dumps(pair) and "alpha" not in json.dumps(pair)
            assert httpx.get(f"{base}/{pair['a']}").headers["content-type"] == "video/mp4"
            choice = ["a", "b", "tie", "both_bad"][k % 4]
            saved = api.post("/api/vote", json={"pair_id": pair["pair_id"],
                               "choice": choice, "rater": "ann"}).json()  # fmt: skip
            confirmed.append(saved["vote_id"])
        open_pair = api.get("/api/next").json()
        kill_hard(process)
        process = start_arena(run_dir, port)
        api = arena_client(base)  # a new process, a new token
        stale = api.post("/api/vote", json={"pair_id": open_pair["pair_id"], "choice": "a"})
        assert stale.status_code == 409  # shown before the crash: not counted, not lost silently
        pair = api.get("/api/next").json()
        assert pair["votes"] == 6
        saved = api.post("/api/vote", json={"pair_id": pair["pair_id"], "choice": "a"})
        confirmed.append(saved.json()["vote_id"])
        assert api.post("/api/vote", json={"pair_id": "x", "choice": "maybe"}).status_code == 400
    finally:
        kill_hard(process)
    votes = read_votes(run_dir / "votes.jsonl")
    assert [v["vote_id"] for v in votes] == confirmed
    assert {v["rater"] for v in votes} == {"ann", None}
    pref = run_preference(run_dir, __import__("pandas").read_parquet(run_dir / "results.parquet"))
    assert pref is not None and pref.ratings.votes == 6 and pref.both_bad == 1
    assert sum(pref.votes_per_model.values()) == 2 * len(confirmed)


def test_torn_last_line_is_skipped_and_the_next_vote_starts_clean(tmp_path: Path) -> None:
    clip_a = Clip("r", "j1", "m1", "p", "t", tmp_path / "a.mp4")
    clip_b = Clip("r", "j2", "m2", "p", "t", tmp_path / "b.mp4")
    log = VoteLog(tmp_path)
    log.append(clip_a, clip_b, "a", None, 1.0)
    log.close()
    with open(tmp_path / "votes.jsonl", "a", encoding="utf-8") as file:
        file.write('{"choice": "b", "a": {"mod')  # a crash mid-write
    log = VoteLog(tmp_path)
    with pytest.raises(ArenaBusy):
        VoteLog(tmp_path)  # one writer
    assert len(log.votes) == 1
    log.append(clip_a, clip_b, "b", "bo", 2.0)
    log.close()
    assert [v["choice"] for v in read_votes(tmp_path / "votes.jsonl")] == ["a", "b"]


def test_pairs_with_few_votes_and_close_ratings_come_first() -> None:
    assert pair_weight(0, 0) > pair_weight(5, 0) and pair_weight(0, 0) > pair_weight(0, 300)
    clips = {m: Clip("r", f"j-{m}", m, "p", "t", Path(m)) for m in ("x", "y", "z")}
    pairs = [(clips["x"], clips["y"]), (clips["x"], clips["z"])]
    votes = [{"a": {"model": "x"}, "b": {"model": "y"}, "choice": "a"}] * 9
    rng = random.Random(3)
    shown = [choose_pair(pairs, votes, {}, rng) for _ in range(300)]
    with_z = sum(1 for p in shown if p is not None and "z" in (p[0].model, p[1].model))
    assert with_z > 240  # the pair without votes is shown ~10x as often
    sides = sum(1 for p in shown if p is not None and p[0].model == "x")
    assert 100 < sides < 200  # random sides


def test_reports_show_preference_and_failed_checks(tmp_path: Path) -> None:
    from report_helpers import synthetic_results, write_run

    from vidbench.reports.build import write_reports

    results = synthetic_results()
    results["judge_score"] = [
        0.5 if m == results["model"].iloc[0] else 0.9 for m in results["model"]
    ]
    results["judge_failed"] = ["Is the car <b>red</b>?; [shot 2] Is there a dog?"] * len(results)
    run_dir = write_run(tmp_path / "run", results)
    delivered = results[results["video_path"].notna()]
    first, second = (
        delivered.iloc[0],
        delivered[delivered["model"] != delivered.iloc[0]["model"]].iloc[0],
    )
    vote = {"a": {"run": "run", "job_id": first["job_id"], "model": first["model"]},
            "b": {"run": "run", "job_id": second["job_id"], "model": second["model"]},
            "choice": "b", "rater": "ann"}  # fmt: skip
    (run_dir / "votes.jsonl").write_text(json.dumps(vote) + "\n" + json.dumps(vote) + "\n")
    write_reports(run_dir)
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "## Human preference (arena)" in markdown and "2 rated votes" in markdown
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="preference"' in html and "Raters (1)" not in html
    assert "Is the car &lt;b&gt;red&lt;/b&gt;?" in html and "[shot 2] Is there a dog?" in html


def test_compare_shows_the_candidates_votes(tmp_path: Path) -> None:
    from report_helpers import synthetic_results, write_run

    from vidbench.reports.compare_report import compare_runs

    (tmp_path / "base").mkdir()
    (tmp_path / "cand").mkdir()
    baseline = write_run(tmp_path / "base", synthetic_results(seed=1), media=False)
    results = synthetic_results(seed=2)
    candidate = write_run(tmp_path / "cand", results, media=False)
    rows = results[results["status"] == "succeeded"].drop_duplicates("model").iloc[:2]
    vote = {"a": {"run": "cand", "job_id": rows.iloc[0]["job_id"], "model": rows.iloc[0]["model"]},
            "b": {"run": "cand", "job_id": rows.iloc[1]["job_id"], "model": rows.iloc[1]["model"]},
            "choice": "a"}  # fmt: skip
    (candidate / "votes.jsonl").write_text(json.dumps(vote) + "\n", encoding="utf-8")
    compare_runs(baseline, candidate, tmp_path / "out")
    assert "## Human preference (arena)" in (tmp_path / "out" / "compare.md").read_text()
    assert "Human preference (arena): synthetic" in (tmp_path / "out" / "compare.html").read_text()


def test_the_pair_just_served_is_not_served_again_while_another_exists(tmp_path: Path) -> None:
    run_dir = make_arena_run(tmp_path / "run")
    log = VoteLog(run_dir)
    try:
        arena = Arena([run_dir], log, seed=0)
        served = []
        for _ in range(60):
            pair = arena.next_pair(None)
            served.append(frozenset((pair["a"], pair["b"])))
        assert all(a != b for a, b in zip(served, served[1:], strict=False))
        assert len(set(served)) > 2  # still drawn from the whole pool
        arena.pairs = arena.pairs[:1]  # one pair left: it is shown again, not "done"
        assert "pair_id" in arena.next_pair(None) and "pair_id" in arena.next_pair(None)
    finally:
        log.close()
