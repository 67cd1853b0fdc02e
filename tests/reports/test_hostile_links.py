"""A shared run directory is untrusted: report files, votes and the journal planted as
symlinks to a file outside the run are never written through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from arena_helpers import make_arena_run
from report_helpers import synthetic_results, write_run

from vidbench.cli.app import main
from vidbench.core.arena.votes import Clip, VoteLog
from vidbench.core.store.journal import Journal
from vidbench.core.store.safe_files import UnsafePath
from vidbench.reports.build import write_reports

OLD_NS = 1_000_000_000


def _outside(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "home"
    folder.mkdir(exist_ok=True)
    victim = folder / name
    victim.write_bytes(b"# precious, not vidbench's\n")
    os.utime(victim, ns=(OLD_NS, OLD_NS))
    return victim


def _untouched(victim: Path) -> bool:
    stat = victim.stat()
    return victim.read_bytes() == b"# precious, not vidbench's\n" and stat.st_mtime_ns == OLD_NS


@pytest.mark.parametrize("name", ["report.md", "report.html", "summary.csv"])
def test_report_file_planted_as_link_is_refused(tmp_path: Path, name: str) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_run(run_dir, synthetic_results(), media=False)
    victim = _outside(tmp_path, "bashrc")
    (run_dir / name).symlink_to(victim)
    with pytest.raises(UnsafePath, match="refusing to write through a symbolic link"):
        write_reports(run_dir)
    assert _untouched(victim)
    assert (run_dir / name).is_symlink()


def test_report_command_exits_2_on_a_planted_link(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_run(run_dir, synthetic_results(), media=False)
    victim = _outside(tmp_path, "bashrc")
    (run_dir / "report.md").symlink_to(victim)
    assert main(["report", str(run_dir)]) == 2
    assert _untouched(victim)


def test_plot_planted_as_link_is_refused(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_run(run_dir, synthetic_results(), media=False)
    victim = _outside(tmp_path, "plot.png")
    (run_dir / "plots").mkdir()
    (run_dir / "plots" / "quality_vs_cost.png").symlink_to(victim)
    with pytest.raises(UnsafePath):
        write_reports(run_dir)
    assert _untouched(victim)


def test_votes_planted_as_link_is_refused(tmp_path: Path) -> None:
    run_dir = make_arena_run(tmp_path / "run")
    victim = _outside(tmp_path, "bashrc")
    (run_dir / "votes.jsonl").symlink_to(victim)
    with pytest.raises(UnsafePath):
        log = VoteLog(run_dir)
        clip = Clip("r", "j1", "m1", "p", "t", run_dir / "a.mp4")
        log.append(clip, clip, "a", None, 1.0)
    assert _untouched(victim)
    (run_dir / "votes.jsonl").unlink()
    VoteLog(run_dir).close()  # the lock was released on refusal


def test_journal_planted_as_link_is_refused(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    victim = _outside(tmp_path, "bashrc")
    (run_dir / "records.jsonl").symlink_to(victim)
    journal = Journal(run_dir / "records.jsonl")
    with pytest.raises(UnsafePath):
        journal.append("planned", "job-1")
    assert _untouched(victim)
