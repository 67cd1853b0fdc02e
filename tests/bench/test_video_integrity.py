"""The quick download check catches truncated and garbage files without a full decode."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from vidbench.core.common.video import check_integrity


def encode(path: Path, frames: int = 24, faststart: bool = False) -> None:
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        rng = np.random.default_rng(0)
        for _ in range(frames):
            image = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@pytest.mark.parametrize("faststart", [False, True])
def test_whole_file_passes_and_truncated_file_fails(tmp_path: Path, faststart: bool) -> None:
    video = tmp_path / "v.mp4"
    encode(video, faststart=faststart)
    whole = check_integrity(video)
    assert whole.decodable and (whole.width, whole.height) == (64, 48) and whole.frame_count == 24
    data = video.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    result = check_integrity(cut)
    assert not result.decodable
    assert result.error


def test_garbage_and_missing_files_fail_without_raising(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"<html>403 Forbidden</html>")
    assert not check_integrity(junk).decodable
    assert not check_integrity(tmp_path / "missing.mp4").decodable
