"""The arena answers only its own page: Host, Origin, token, JSON, body size, framing; and it
serves only clips that are regular video files inside the run."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from factories import make_job
from starlette.testclient import TestClient

from vidbench.core.arena.server import Arena, build_app
from vidbench.core.arena.votes import VoteLog
from vidbench.core.store.store import RunDir

PORT = 8770
BASE = f"http://127.0.0.1:{PORT}"
OUTSIDE = b"OUTSIDE-BYTES-" * 8
INSIDE = b"INSIDE-CLIP-" * 8


def make_run(tmp_path: Path) -> Path:
    """2 models × 1 prompt of good clips, plus clips whose record path leaves the run."""
    run_dir = tmp_path / "run"
    (run_dir / "videos").mkdir(parents=True)
    (run_dir / "manifest.json").write_text(json.dumps({"name": "arena"}), encoding="utf-8")
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(OUTSIDE)
    (run_dir / "videos" / "link.mp4").symlink_to(outside)
    (run_dir / "linkdir").symlink_to(tmp_path)
    (run_dir / "videos" / "notes.txt").write_bytes(INSIDE)
    run = RunDir(run_dir)
    paths = {
        "alpha": "videos/alpha.mp4",
        "beta": "videos/beta.mp4",
        "up": "../outside.mp4",
        "absolute": str(outside),
        "link": "videos/link.mp4",
        "linkdir": "linkdir/outside.mp4",
        "text": "videos/notes.txt",
    }
    for model, rel in paths.items():
        if rel.startswith("videos/") and model in ("alpha", "beta"):
            (run_dir / rel).write_bytes(INSIDE)
        job = make_job(job_id=f"{model}__p", model_id=model, provider_model=model, clip_text="x",
                       duration_requested_s=1, duration_sent_s=1, resolution=None)  # fmt: skip
        run.journal.append("planned", job.job_id, job=job.to_dict())
        run.journal.append("downloaded", job.job_id, path=rel, sha256="0" * 64)
        run.journal.append("finished", job.job_id, status="succeeded")
    run.journal.close()
    return run_dir


@pytest.fixture
def arena(tmp_path: Path):  # type: ignore[no-untyped-def]
    run_dir = make_run(tmp_path)
    log = VoteLog(run_dir)
    try:
        yield Arena([run_dir], log)
    finally:
        log.close()


@pytest.fixture
def client(arena: Arena) -> TestClient:
    return TestClient(build_app(arena, "127.0.0.1", PORT), base_url=BASE)


def token_of(client: TestClient) -> str:
    page = client.get("/")
    assert page.status_code == 200
    found = re.search(r'<meta name="arena-token" content="([A-Za-z0-9_-]+)">', page.text)
    assert found
    return found.group(1)


def test_only_clips_inside_the_run_are_paired(arena: Arena) -> None:
    assert sorted(c.model for c in arena.clips) == ["alpha", "beta"]
    # The run directory's own listing (RunDir.scorable) already leaves the five hostile
    # records out, so none reaches the arena's second check.
    assert arena.refused == []


def test_the_real_flow_works_and_never_serves_outside_bytes(client: TestClient) -> None:
    headers = {"X-Arena-Token": token_of(client)}
    pair = client.get("/api/next", headers=headers).json()
    served = []
    for side in ("a", "b"):
        answer = client.get(f"/{pair[side]}")
        assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
        served.append(answer.content)
    assert served == [INSIDE, INSIDE] and OUTSIDE not in b"".join(served)
    saved = client.post("/api/vote", json={"pair_id": pair["pair_id"], "choice": "a"},
                        headers=headers)  # fmt: skip
    assert saved.status_code == 200 and saved.json()["saved"] is True


def test_every_clip_url_the_arena_knows_is_inside(arena: Arena, client: TestClient) -> None:
    for token in arena.tokens:
        assert OUTSIDE not in client.get(f"/clip/{token}").content


def test_a_clip_swapped_for_a_symlink_after_start_is_not_served(
    arena: Arena, client: TestClient, tmp_path: Path
) -> None:
    victim = next(iter(arena.tokens.items()))
    victim[1].path.unlink()
    victim[1].path.symlink_to(tmp_path / "outside.mp4")
    answer = client.get(f"/clip/{victim[0]}")
    assert answer.status_code == 404 and OUTSIDE not in answer.content


def test_a_videos_folder_swapped_for_a_link_after_start_is_not_served(
    arena: Arena, client: TestClient, tmp_path: Path
) -> None:
    victim = next(iter(arena.tokens.items()))
    videos = victim[1].path.parent
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / victim[1].path.name).write_bytes(OUTSIDE)
    videos.rename(tmp_path / "videos-moved")
    videos.symlink_to(elsewhere)
    answer = client.get(f"/clip/{victim[0]}")
    assert answer.status_code == 404 and OUTSIDE not in answer.content


def test_a_clip_replaced_by_a_hard_link_is_not_served(
    arena: Arena, client: TestClient, tmp_path: Path
) -> None:
    victim = next(iter(arena.tokens.items()))
    victim[1].path.unlink()
    os.link(tmp_path / "outside.mp4", victim[1].path)
    answer = client.get(f"/clip/{victim[0]}")
    assert answer.status_code == 404 and OUTSIDE not in answer.content


def test_a_foreign_host_is_refused(client: TestClient) -> None:
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 421
    assert client.get("/", headers={"Host": "attacker.example:8770"}).status_code == 421
    assert client.get("/", headers={"Host": f"localhost:{PORT}"}).status_code == 200


def test_api_calls_need_the_token(client: TestClient) -> None:
    assert client.get("/api/next").status_code == 403
    assert client.get("/api/next", headers={"X-Arena-Token": "guess"}).status_code == 403
    vote = client.post("/api/vote", json={"pair_id": "x", "choice": "a"})
    assert vote.status_code == 403


def test_cross_origin_and_cross_site_are_refused(client: TestClient) -> None:
    headers = {"X-Arena-Token": token_of(client)}
    evil = {**headers, "Origin": "http://attacker.example"}
    assert client.get("/api/next", headers=evil).status_code == 403
    site = {**headers, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/api/vote", json={"choice": "a"}, headers=site).status_code == 403
    own = {**headers, "Origin": BASE}
    assert client.get("/api/next", headers=own).status_code == 200


def test_a_text_plain_vote_is_not_saved(arena: Arena, client: TestClient) -> None:
    headers = {"X-Arena-Token": token_of(client)}
    pair = client.get("/api/next", headers=headers).json()
    body = json.dumps({"pair_id": pair["pair_id"], "choice": "a"})
    answer = client.post("/api/vote", content=body,
                         headers={**headers, "Content-Type": "text/plain"})  # fmt: skip
    assert answer.status_code == 415
    assert arena.log.votes == []


def test_a_large_body_is_refused(client: TestClient) -> None:
    headers = {"X-Arena-Token": token_of(client), "Content-Type": "application/json"}
    big = b'{"choice": "a", "pad": "' + b"x" * 1_000_000 + b'"}'
    assert client.post("/api/vote", content=big, headers=headers).status_code == 413

    def chunks():  # type: ignore[no-untyped-def]
        yield big[:1000]
        yield big[1000:]

    assert client.post("/api/vote", content=chunks(), headers=headers).status_code == 413


def test_every_answer_forbids_framing(client: TestClient) -> None:
    for answer in (
        client.get("/"),
        client.get("/api/next"),
        client.get("/", headers={"Host": "x"}),
    ):
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_vote_line_without_clips_is_skipped(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path)
    lines = [{"choice": "a"}, {"choice": "a", "a": {"model": "alpha"}, "b": "beta"}, "torn"]
    (run_dir / "votes.jsonl").write_text(
        "\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n",
        encoding="utf-8",
    )
    log = VoteLog(run_dir)
    try:
        assert log.votes == [] and log.skipped == 3
        client = TestClient(build_app(Arena([run_dir], log), "127.0.0.1", PORT), base_url=BASE)
        answer = client.get("/api/next", headers={"X-Arena-Token": token_of(client)})
        assert answer.status_code == 200 and answer.json()["pair_id"]
    finally:
        log.close()
