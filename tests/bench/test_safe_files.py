"""safe_files: appends and whole-file writes never go through a symlink planted in a run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vidbench.core.seam.errors import ValidationFailed
from vidbench.core.store.safe_files import (
    UnsafePath,
    check_not_link,
    open_append,
    open_append_text,
    open_new,
    write_atomic,
    write_via,
)


def _victim(tmp_path: Path) -> tuple[Path, bytes, int]:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "bashrc"
    victim.write_bytes(b"export SAFE=1\n")
    os.utime(victim, ns=(1_000_000_000, 1_000_000_000))
    return victim, victim.read_bytes(), victim.stat().st_mtime_ns


def _run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    return run


def test_append_through_a_link_is_refused_and_target_unchanged(tmp_path: Path) -> None:
    victim, before, mtime = _victim(tmp_path)
    link = _run(tmp_path) / "votes.jsonl"
    link.symlink_to(victim)
    for opener in (open_append, open_append_text, open_new):
        with pytest.raises(UnsafePath, match="refusing to write through a symbolic link") as info:
            opener(link)
        assert str(link) in str(info.value)
        assert isinstance(info.value, ValidationFailed)  # the CLI maps it to exit 2
    assert victim.read_bytes() == before
    assert victim.stat().st_mtime_ns == mtime


def test_write_atomic_onto_a_link_is_refused(tmp_path: Path) -> None:
    victim, before, mtime = _victim(tmp_path)
    link = _run(tmp_path) / "report.md"
    link.symlink_to(victim)
    with pytest.raises(UnsafePath):
        write_atomic(link, "# pwned\n")
    with pytest.raises(UnsafePath):
        write_via(link, lambda tmp: tmp.write_text("x"))
    assert link.is_symlink()
    assert victim.read_bytes() == before and victim.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in link.parent.iterdir()) == ["report.md"]  # no temp left


def test_dangling_link_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "would-be-created"
    link = _run(tmp_path) / "records.jsonl"
    link.symlink_to(outside)
    with pytest.raises(UnsafePath):
        open_append(link)
    with pytest.raises(UnsafePath):
        write_atomic(link, b"x")
    assert not outside.exists()


def test_linked_parent_inside_root_is_refused(tmp_path: Path) -> None:
    victim, _before, _mtime = _victim(tmp_path)
    run = _run(tmp_path)
    (run / "plots").symlink_to(victim.parent)
    with pytest.raises(UnsafePath):
        check_not_link(run / "plots" / "bashrc")
    with pytest.raises(UnsafePath):
        write_atomic(run / "plots" / "x.svg", "<svg/>")
    check_not_link(run / "fine.txt")


def test_normal_append_and_write(tmp_path: Path) -> None:
    run = _run(tmp_path)
    with open_append(run / "a.jsonl") as handle:
        handle.write(b"one\n")
    with open_append_text(run / "a.jsonl") as text:
        text.write("two\n")
    assert (run / "a.jsonl").read_bytes() == b"one\ntwo\n"
    write_atomic(run / "r.md", "héllo")
    write_atomic(run / "r.md", b"bytes")
    assert (run / "r.md").read_bytes() == b"bytes"
    assert (run / "r.md").stat().st_mode & 0o777 == 0o644
    with open_new(run / "v.part") as part:
        part.write(b"video")
    assert (run / "v.part").read_bytes() == b"video"
    assert sorted(p.name for p in run.iterdir()) == ["a.jsonl", "r.md", "v.part"]


def test_a_linked_run_folder_is_refused_without_a_root(tmp_path: Path) -> None:
    from vidbench.core.store.safe_files import UnsafePath, write_atomic

    outside = tmp_path / "outside"
    outside.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    for name in ("plots", "videos", "frames"):
        (run / name).symlink_to(outside, target_is_directory=True)
        with pytest.raises(UnsafePath):
            write_atomic(run / name / "x.png", b"x")
    (run / "cache").mkdir()
    (run / "cache" / "scores").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath):
        write_atomic(run / "cache" / "scores" / "k.json", b"{}")
    assert list(outside.iterdir()) == []
    (run / "report.md").write_text("ok", encoding="utf-8")  # plain files in a plain run pass
    write_atomic(run / "report.md", b"new")
    assert (run / "report.md").read_bytes() == b"new"


def test_the_manifest_is_never_written_through_a_planted_temp_link(tmp_path: Path) -> None:
    from vidbench.core.store.store import RunDir

    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json.tmp").symlink_to(outside)
    RunDir(run).write_manifest({"name": "x"})
    assert outside.read_text(encoding="utf-8") == "keep"
    assert RunDir(run).manifest() == {"name": "x"}


def test_a_linked_journal_is_refused_on_read(tmp_path: Path) -> None:
    from vidbench.core.store.journal import Journal
    from vidbench.core.store.safe_files import UnsafePath

    outside = tmp_path / "other-records.jsonl"
    outside.write_text('{"event": "planned"}\n', encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    (run / "records.jsonl").symlink_to(outside)
    with pytest.raises(UnsafePath):
        list(Journal(run / "records.jsonl").read())


def test_scorable_skips_videos_a_record_places_outside_the_run(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from vidbench.core.store.store import RunDir

    run = tmp_path / "run"
    (run / "videos").mkdir(parents=True)
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(b"secret")
    (run / "videos" / "ok.mp4").write_bytes(b"ok")
    (run / "videos" / "link.mp4").symlink_to(outside)
    (run / "videos" / "list.m3u8").write_text("#EXTM3U\n", encoding="utf-8")
    names = ["videos/ok.mp4", "../secret.mp4", str(outside), "videos/link.mp4", "videos/list.m3u8"]
    states = {
        name: SimpleNamespace(final_status="succeeded", video_path=name, sha256="x", job=name)
        for name in names
    }
    rundir = RunDir(run)
    rundir.states = lambda: states  # type: ignore[method-assign]
    assert [job for job, _, _ in rundir.scorable()] == ["videos/ok.mp4"]


def test_a_refused_read_says_read_and_a_refused_write_says_write(tmp_path: Path) -> None:
    from vidbench.core.store.safe_files import open_read

    victim, _, _ = _victim(tmp_path)
    run = _run(tmp_path)
    (run / "votes.jsonl").symlink_to(victim)
    with pytest.raises(UnsafePath, match="refusing to read through a symbolic link") as info:
        open_read(run / "votes.jsonl")
    assert str(run / "votes.jsonl") in str(info.value)
    assert info.value.problems[0].message == str(info.value)
    (run / "plots").symlink_to(victim.parent, target_is_directory=True)
    with pytest.raises(UnsafePath, match="refusing to write through a symbolic link"):
        write_atomic(run / "plots" / "a.png", b"x")
