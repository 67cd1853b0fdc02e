"""open_confined: the file read is the file checked (no link on the way, one name only), and
a video a run names is read by a video demuxer only."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest

from vidbench.core.common.video import check_integrity, open_container, probe
from vidbench.core.scorers.work import Work
from vidbench.core.store import confine as confine_module
from vidbench.core.store.confine import open_confined


def _clip(path: Path, container_format: str = "mp4") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=container_format) as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(6):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 30, np.uint8), "rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_a_plain_file_inside_the_run_is_opened(tmp_path: Path) -> None:
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "a.mp4").write_bytes(b"data")
    handle, why = open_confined(tmp_path, "videos/a.mp4", (".mp4",))
    assert why is None and handle is not None
    with handle:
        assert handle.read() == b"data"


def test_a_hard_link_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(b"secret")
    run = tmp_path / "run"
    (run / "videos").mkdir(parents=True)
    os.link(outside, run / "videos" / "a.mp4")
    handle, why = open_confined(run, "videos/a.mp4", (".mp4",))
    assert handle is None and why is not None and "hard link" in why


def test_a_folder_swapped_for_a_link_after_the_check_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "a.mp4").write_bytes(b"secret")
    run = tmp_path / "run"
    (run / "videos").mkdir(parents=True)
    (run / "videos" / "a.mp4").write_bytes(b"mine")
    checked = confine_module.confine

    def check_then_swap(root: Path, relative: object, suffixes: object = None) -> object:
        found = checked(root, relative, suffixes)  # type: ignore[arg-type]
        (run / "videos" / "a.mp4").unlink()
        (run / "videos").rmdir()
        (run / "videos").symlink_to(secret)  # the attacker's move, between check and open
        return found

    monkeypatch.setattr(confine_module, "confine", check_then_swap)
    handle, why = open_confined(run, "videos/a.mp4", (".mp4",))
    assert handle is None and why is not None


def test_other_containers_renamed_mp4_are_not_demuxed(tmp_path: Path) -> None:
    real = _clip(tmp_path / "real.mp4")
    renamed = _clip(tmp_path / "stream.ts", "mpegts").rename(tmp_path / "renamed.mp4")
    assert probe(real).decodable and check_integrity(real).decodable
    for result in (probe(renamed), check_integrity(renamed)):
        assert not result.decodable and result.error and "cannot open" in result.error
    with pytest.raises(av.error.FFmpegError):
        open_container(renamed)


def test_a_playlist_renamed_mp4_is_not_followed(tmp_path: Path) -> None:
    segment = _clip(tmp_path / "outside" / "secret.ts", "mpegts")
    playlist = tmp_path / "run" / "videos" / "a.mp4"
    playlist.parent.mkdir(parents=True)
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{segment}\n#EXT-X-ENDLIST\n"
    )
    assert not probe(playlist).decodable


def test_scoring_work_opens_its_video_confined(tmp_path: Path) -> None:
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(b"secret")
    run = tmp_path / "run"
    (run / "videos").mkdir(parents=True)
    os.link(outside, run / "videos" / "j.mp4")
    video = run / "videos" / "j.mp4"
    work = Work(None, video, "0" * 64, [], {}, set(), {}, run_root=run)  # type: ignore[arg-type]
    source, why = work.open_video()
    assert source is None and why is not None and "hard link" in why


def test_a_runs_own_file_is_read_only_when_plain_and_within_its_cap(tmp_path: Path) -> None:
    from vidbench.core.store.confine import FileRefused, read_run_file

    (tmp_path / "manifest.json").write_bytes(b"{}")
    assert read_run_file(tmp_path / "manifest.json", 2) == b"{}"
    with pytest.raises(FileRefused, match="manifest.json is 2 bytes, over the 1-byte cap"):
        read_run_file(tmp_path / "manifest.json", 1)
    (tmp_path / "secret").write_bytes(b"key")
    (tmp_path / "scorers.json").symlink_to(tmp_path / "secret")
    with pytest.raises(FileRefused, match="scorers.json: a symbolic link"):
        read_run_file(tmp_path / "scorers.json", 100)
    os.mkfifo(tmp_path / "results.parquet")  # opening it for a plain read would block
    with pytest.raises(FileRefused, match="results.parquet: not a regular file"):
        read_run_file(tmp_path / "results.parquet", 100)
