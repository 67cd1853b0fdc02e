"""vidbench.core.common.video.probe on intact, truncated, garbage, silent and audio-bearing MP4s made with PyAV."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vidbench.core.common.video import SILENCE_FLOOR_DBFS, probe

SAMPLE_RATE = 16000


def encode(
    path: Path,
    seconds: float = 1.0,
    fps: int = 24,
    audio: np.ndarray | None = None,
    faststart: bool = False,
) -> Path:
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        astream = (
            container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
            if audio is not None
            else None
        )
        for i in range(int(seconds * fps)):
            frame = np.full((48, 64, 3), (i * 9) % 256, np.uint8)
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if astream is not None and audio is not None:
            for start in range(0, len(audio), 1024):
                block = av.AudioFrame.from_ndarray(
                    audio[None, start : start + 1024].astype(np.float32),
                    format="fltp",
                    layout="mono",
                )
                block.sample_rate, block.pts, block.time_base = (
                    SAMPLE_RATE,
                    start,
                    Fraction(1, SAMPLE_RATE),
                )
                for packet in astream.encode(block):
                    container.mux(packet)
            for packet in astream.encode():
                container.mux(packet)
    return path


def test_intact_video(tmp_path: Path) -> None:
    result = probe(encode(tmp_path / "ok.mp4", seconds=2.0))
    assert result.decodable and result.error is None
    assert (result.width, result.height, result.codec) == (64, 48, "h264")
    assert result.fps == 24.0 and result.frame_count == 48
    assert abs(result.duration_s - 2.0) < 0.05
    assert result.has_audio is False and result.audio_rms_dbfs is None


def test_audio_level_and_silence(tmp_path: Path) -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    loud = probe(encode(tmp_path / "tone.mp4", audio=0.5 * np.sin(2 * np.pi * 440 * t)))
    assert loud.has_audio
    assert (
        abs(loud.audio_rms_dbfs - 20 * np.log10(0.5 / np.sqrt(2))) < 1.5
    )  # sine RMS = A/√2 ≈ -9 dBFS
    silent = probe(encode(tmp_path / "silent.mp4", audio=np.zeros(SAMPLE_RATE)))
    assert silent.has_audio and silent.audio_rms_dbfs <= -90
    assert silent.audio_rms_dbfs >= SILENCE_FLOOR_DBFS


def test_truncated_and_garbage_files_are_not_decodable(tmp_path: Path) -> None:
    for faststart in (False, True):
        data = encode(
            tmp_path / f"full{faststart}.mp4", seconds=2.0, faststart=faststart
        ).read_bytes()
        cut = tmp_path / f"cut{faststart}.mp4"
        cut.write_bytes(data[: len(data) // 2])
        started = time.perf_counter()
        result = probe(cut)
        assert result.decodable is False, faststart
        assert result.error
        assert time.perf_counter() - started < 5
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video" * 50)
    assert probe(garbage).decodable is False
    assert probe(tmp_path / "missing.mp4").decodable is False
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert probe(empty).decodable is False
