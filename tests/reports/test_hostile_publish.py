"""Hostile run directories: paths in a shared results table never leave the run (publish, history)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from history_helpers import write_history
from publish_helpers import write_two_runs

from vidbench.cli.app import main
from vidbench.core.store.confine import confined_file
from vidbench.reports.history import load_history

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- not for the site\n"


def _hostile_run(tmp_path: Path) -> tuple[Path, bytes]:
    """Two runs; the first one's results name files outside it. Returns (runs root, secret video bytes)."""
    runs = tmp_path / "runs"
    runs.mkdir()
    run = write_two_runs(runs)[0]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    results = pd.read_parquet(run / "results.parquet")
    video = next(v for v in results["video_path"] if isinstance(v, str))
    secret_video = (run / video).read_bytes() + SECRET  # still decodes, unique bytes
    (outside / "secret.mp4").write_bytes(secret_video)
    (run / "frames").mkdir(exist_ok=True)
    os.symlink(outside / "secret.txt", run / "frames" / "linked.jpg")
    os.symlink(outside / "secret.mp4", run / "videos" / "linked.mp4")
    os.link(outside / "secret.txt", run / "frames" / "hard.jpg")  # a second name, no link
    (run / "videos" / "x.m3u8").write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{outside / 'secret.mp4'}\n#EXT-X-ENDLIST\n",
        encoding="utf-8",
    )
    results["contact_sheet"] = results["contact_sheet"].astype(object)
    results["video_path"] = results["video_path"].astype(object)
    results.iat[0, results.columns.get_loc("contact_sheet")] = "../../outside/secret.txt"
    results.iat[1, results.columns.get_loc("contact_sheet")] = str(outside / "secret.txt")
    results.iat[2, results.columns.get_loc("contact_sheet")] = "frames/linked.jpg"
    results.iat[3, results.columns.get_loc("video_path")] = "videos/x.m3u8"
    results.iat[4, results.columns.get_loc("video_path")] = "videos/linked.mp4"
    results.iat[5, results.columns.get_loc("video_path")] = "../../outside/secret.mp4"
    results.iat[6, results.columns.get_loc("contact_sheet")] = "frames/hard.jpg"
    results.to_parquet(run / "results.parquet", index=False)
    return runs, secret_video


def test_publish_copies_nothing_from_outside_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs, secret_video = _hostile_run(tmp_path)
    site = tmp_path / "site"
    assert main(["publish", str(runs), "--out", str(site), "--link-originals"]) == 0
    for path in site.rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            data = path.read_bytes()
            assert SECRET not in data, path
            assert data != secret_video, path
        assert "secret" not in path.name and "linked" not in path.name, path
        assert "hard" not in path.name, path
        assert path.suffix != ".m3u8", path

    err = capsys.readouterr().err
    for value in ("../../outside/secret.txt", "frames/linked.jpg", "videos/x.m3u8"):
        assert f"skipped contact_sheet '{value}'" in err or f"skipped video_path '{value}'" in err
    assert "videos/linked.mp4" in err and "a symbolic link" in err
    assert "skipped contact_sheet 'frames/hard.jpg': a hard link" in err


def test_a_site_file_planted_as_a_link_is_replaced_not_written_through(tmp_path: Path) -> None:
    runs, _ = _hostile_run(tmp_path)
    site = tmp_path / "site"
    assert main(["publish", str(runs), "--out", str(site)]) == 0
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    planted = [p for p in site.rglob("*.mp4") if p.is_file()][:1]
    planted += [p for p in site.rglob("*.jpg") if p.is_file()][:1]
    assert len(planted) == 2
    for path in planted:
        path.unlink()
        path.symlink_to(victim)
    assert main(["publish", str(runs), "--out", str(site)]) != 0 or all(
        not p.is_symlink() for p in planted
    )
    assert victim.read_bytes() == b"keep me"


def test_confined_file_refuses_escapes_links_and_suffixes(tmp_path: Path) -> None:
    runs, _ = _hostile_run(tmp_path)
    run = sorted(p for p in runs.iterdir())[0]
    assert confined_file(run, "../../outside/secret.txt") is None
    assert confined_file(run, str(tmp_path / "outside" / "secret.txt")) is None
    assert confined_file(run, "frames/linked.jpg") is None
    assert confined_file(run, "videos/x.m3u8", (".mp4",)) is None
    assert confined_file(run, "results.parquet") == (run / "results.parquet").resolve()


def test_history_reads_a_glob_named_run_once_and_skips_a_linked_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_history(tmp_path / "runs", n_runs=2, drop_at=None, price_cut_at=None)
    expected = load_history([tmp_path / "runs"]).table
    # A run named `*` is read once, as itself (DuckDB never sees a path, so it globs nothing).
    (good[1]).rename(tmp_path / "runs" / "*")
    os.symlink(tmp_path / "elsewhere", tmp_path / "runs" / "linked")
    shutil.copytree(good[0], tmp_path / "elsewhere")
    history = load_history([tmp_path / "runs"])
    assert sorted(history.table["n"]) == sorted(expected["n"])
    assert len(history.runs) == 2
    assert f"skipped run folder {tmp_path / 'runs' / 'linked'}: a symbolic link" in (
        capsys.readouterr().err
    )
    assert {Path(p).name for p in history.runs["path"]} == {good[0].name, "*"}
