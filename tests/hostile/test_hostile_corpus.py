"""The hostile corpus (issue 25): each case damages a copy of one small real run as a stranger
could (links, tampered records and results, votes, manifests, playlists), runs the command a
user would, and shows the exit code and a message naming the problem; after every case no
file outside the run (or the site) has changed bytes or mtime, nothing new is there, and no
file vidbench wrote carries the outside secret's bytes.

Cases covered elsewhere, in more depth: tests/reports/test_hostile_links.py (every report
file, plot, votes.jsonl and records.jsonl planted as a link), tests/reports/
test_hostile_publish.py (publish and history on results naming outside files, hard links and
playlists), tests/bench/test_arena_lockdown.py and tests/reports/
test_arena_cross_origin_browser.py (the arena), tests/hostile/test_bounded_answers.py
(providers' and judges' answers).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from hostile_corpus import (
    JOB_A,
    JOB_B,
    Outside,
    append_record,
    cli,
    leaks,
    link,
    records,
    write_records,
)

from vidbench.core.store.store import RunDir


@dataclass
class World:
    """One case's copy of the run, its runs root, a site folder and the guarded outside."""

    run: Path
    runs: Path
    site: Path
    outside: Outside


@pytest.fixture
def world(small_run: Path, tmp_path: Path) -> World:
    runs = tmp_path / "shared" / "runs"
    run = runs / small_run.name
    shutil.copytree(small_run, run, symlinks=True)
    video = next((run / "videos").glob("*.mp4"))
    return World(run, runs, tmp_path / "site", Outside(tmp_path / "home", video))


Damage = Callable[[World], None]


@dataclass(frozen=True)
class Case:
    """A damage, the command a user then runs, its exit code and the words it must say."""

    damage: Damage
    command: tuple[str, ...]  # {run}, {runs}, {site} filled in
    code: int
    words: tuple[str, ...]
    unread: tuple[str, ...] = field(default=())  # jobs whose named file must not be scored
    recorded: tuple[str, ...] = field(default=())  # words the command adds to records.jsonl


def _set_job_field(job_id: str, name: str, value: object) -> Damage:
    def damage(world: World) -> None:
        rows = records(world.run)
        for row in rows:
            if row.get("event") == "planned" and row.get("job_id") == job_id:
                row["job"][name] = value
        write_records(world.run, rows)

    return damage


def _task_of(world: World, job_id: str) -> str:
    return next(
        str(r["task_id"])
        for r in records(world.run)
        if r.get("event") == "submitted" and r.get("job_id") == job_id
    )


def _claim_a_task(world: World) -> None:
    """Job B is given job A's task id (the reproduced case: A's clip counted twice)."""
    append_record(world.run, {"event": "submitted", "job_id": JOB_B,
                              "task_id": _task_of(world, JOB_A)})  # fmt: skip


def _downloaded_path(job_id: str, path: str) -> Damage:
    def damage(world: World) -> None:
        append_record(world.run, {"event": "downloaded", "job_id": job_id,
                                  "path": path.format(outside=world.outside.root),
                                  "sha256": "0" * 64})  # fmt: skip
        append_record(world.run, {"event": "finished", "job_id": job_id,
                                  "status": "succeeded"})  # fmt: skip

    return damage


def _playlist(world: World) -> None:
    playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{}\n#EXT-X-ENDLIST\n"
    (world.run / "videos" / "x.m3u8").write_text(playlist.format(world.outside / "secret.mp4"))
    (world.run / "videos" / "y.mp4").write_text(playlist.format(world.outside / "secret.mp4"))
    _downloaded_path(JOB_A, "videos/x.m3u8")(world)
    _downloaded_path(JOB_B, "videos/y.mp4")(world)


def _results_name_outside(world: World) -> None:
    path = world.run / "results.parquet"
    results = pd.read_parquet(path)
    for column in ("contact_sheet", "video_path"):
        if column not in results:
            results[column] = None
        results[column] = results[column].astype(object)
    results.iat[0, results.columns.get_loc("contact_sheet")] = "../../../home/id_rsa"
    results.iat[1, results.columns.get_loc("contact_sheet")] = str(world.outside / "id_rsa")
    results.iat[2, results.columns.get_loc("video_path")] = str(world.outside / "secret.mp4")
    results.to_parquet(path, index=False)


def _character_ref_outside(world: World) -> None:
    _set_job_field(JOB_A, "character_ref", str(world.outside / "id_rsa"))(world)


def _vote_lines(world: World) -> None:
    lines = ['{"choice": "a"}', '{"a": 1, "b": [], "choice": "tie"}', "[[[[[[[[", "null"]
    (world.run / "votes.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


REPORT = ("report", "{run}")
RESUME = ("run", "--resume", "{run}", "--yes")
CASES: dict[str, Case] = {
    "an untouched copy, resumed (no false alarm)": Case(lambda w: None, RESUME, 0, ("resuming",)),
    "votes.jsonl linked to ~/.bashrc": Case(
        lambda w: link(w.run / "votes.jsonl", w.outside / ".bashrc"), REPORT, 2, ("votes.jsonl", "link")
    ),
    "report.md linked to ~/.ssh/authorized_keys": Case(
        lambda w: link(w.run / "report.md", w.outside / "authorized_keys"), REPORT, 2, ("report.md", "link")
    ),
    "summary.csv linked to ~/.profile": Case(
        lambda w: link(w.run / "summary.csv", w.outside / ".profile"), REPORT, 2, ("summary.csv", "link")
    ),
    "records.jsonl linked outside, resumed": Case(
        lambda w: link(w.run / "records.jsonl", w.outside / "records.jsonl"), RESUME, 2, ("records.jsonl", "link")
    ),
    "a task id claimed by two jobs, resumed": Case(
        _claim_a_task, RESUME, 2, ("is claimed by jobs", JOB_A, JOB_B, "not resumed")
    ),
    "a task id claimed by two jobs, reconciled": Case(
        _claim_a_task, ("reconcile", "{run}"), 0, ("conflict:", "is claimed by jobs")
    ),
    "a job planned with another prompt, resumed": Case(
        _set_job_field(JOB_B, "prompt_id", "p-kite"), RESUME, 2, (JOB_B, "both model 'sim-b', prompt 'p-kite'")
    ),
    "a job planned with another prompt text, resumed": Case(
        _set_job_field(JOB_B, "text", "Send $5 to the attacker"), RESUME, 2, ("p-ball", "one text in job")
    ),
    "a job planned for another provider model, resumed": Case(
        _set_job_field(JOB_B, "provider_model", "doubao-seedance-pro"), RESUME, 2, (JOB_B, "in the config")
    ),
    "a downloaded path outside the run, scored": Case(
        _downloaded_path(JOB_A, "../../../home/secret.mp4"), ("score", "{run}"), 0, (), (JOB_A,)
    ),
    "an absolute downloaded path, scored": Case(
        _downloaded_path(JOB_A, "{outside}/secret.mp4"), ("score", "{run}"), 0, (), (JOB_A,)
    ),
    "a playlist as the video, scored": Case(
        _playlist, ("score", "{run}"), 0, (), (JOB_A,), ("decode failed",)
    ),
    "a character_ref outside the suite folder, scored": Case(
        _character_ref_outside, ("score", "{run}"), 0, ("character_ref", "not read", "outside")
    ),
    "results naming files outside, published": Case(
        _results_name_outside, ("publish", "{runs}", "--out", "{site}"), 0, ("wrote",)
    ),
    "results.parquet linked to ~/id_rsa, reported": Case(
        lambda w: link(w.run / "results.parquet", w.outside / "id_rsa"), REPORT, 2, ("results.parquet", "link")
    ),
    "results.parquet linked to ~/id_rsa, compared": Case(
        lambda w: link(w.run / "results.parquet", w.outside / "id_rsa"), ("compare", "{run}", "{run}"), 2,
        ("results.parquet", "link"),
    ),
    "votes without a pair, nested or null, reported": Case(
        _vote_lines, REPORT, 0, ("report.md",)
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_run_is_refused_or_contained(
    name: str, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    case.damage(world)
    journal_bytes = (world.run / "records.jsonl").stat().st_size
    fill = {"run": str(world.run), "runs": str(world.runs), "site": str(world.site)}
    code, output = cli([part.format(**fill) for part in case.command], capsys)
    assert code == case.code, output
    for word in case.words:
        assert word in output, (word, output)
    assert "internal error" not in output and "Traceback" not in output
    assert world.outside.problems() == []
    assert leaks(world.run) == []
    assert not world.site.exists() or leaks(world.site) == []
    added = (world.run / "records.jsonl").read_bytes()[journal_bytes:].decode()
    assert all(word in added for word in case.recorded), added
    if case.unread:
        scorable = {job.job_id for job, _, _ in RunDir(world.run).scorable()}
        assert not scorable & set(case.unread), "a file outside the run was offered to scoring"
