"""Helpers for scorer tests: tiny encoded videos made with PyAV and run directories without the runner."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import factories
import numpy as np
import pytest

from vidbench.core.store.jobs import Job
from vidbench.core.store.journal import Journal


def write_video(
    path: Path,
    frames: Iterable[np.ndarray],
    fps: int = 24,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
) -> Path:
    """Encode RGB uint8 frames (even sides) as H.264 MP4, with optional mono float audio."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        video = None
        astream = None
        if audio is not None:
            astream = container.add_stream("aac", rate=sample_rate, layout="mono")
        for frame in frames:
            if video is None:
                video = container.add_stream("libx264", rate=fps)
                video.height, video.width = frame.shape[:2]
                video.pix_fmt = "yuv420p"
                video.options = {"crf": "18", "preset": "ultrafast"}
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        assert video is not None
        for packet in video.encode():
            container.mux(packet)
        if astream is not None and audio is not None:
            chunk = 1024
            for start in range(0, len(audio), chunk):
                block = audio[start : start + chunk].astype(np.float32)[None, :]
                aframe = av.AudioFrame.from_ndarray(block, format="fltp", layout="mono")
                aframe.sample_rate = sample_rate
                aframe.pts = start
                aframe.time_base = Fraction(1, sample_rate)
                for packet in astream.encode(aframe):
                    container.mux(packet)
            for packet in astream.encode():
                container.mux(packet)
    return path


def make_job(job_id: str, **overrides: Any) -> Job:
    """A Job with plausible defaults for scorer tests."""
    fields: dict[str, Any] = dict(
        job_id=job_id, adapter="sim", provider_model="sim-model", prompt_id=job_id,
        category="test", text="a red square on a blue background", duration_requested_s=1,
        duration_sent_s=1, ratio="4:3", resolution=None,
    )  # fmt: skip
    return factories.make_job(**{**fields, **overrides})


def add_to_run(run_dir: Path, job: Job, video: Path) -> None:
    """Journal a job as planned, downloaded and succeeded, as the runner would."""
    journal = Journal(run_dir / "records.jsonl")
    relative = video.relative_to(run_dir)
    sha256 = hashlib.sha256(video.read_bytes()).hexdigest()
    journal.append("planned", job.job_id, job=job.to_dict())
    journal.append("downloaded", job.job_id, path=str(relative), sha256=sha256)
    journal.append("finished", job.job_id, status="succeeded")
    journal.close()


def moving_square(
    count: int = 24,
    width: int = 64,
    height: int = 48,
    step_px: int = 2,
    noise: float = 0.0,
    seed: int = 0,
) -> list[np.ndarray]:
    """A red square moving right over a blue background, with optional per-frame brightness noise."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(count):
        frame = np.zeros((height, width, 3), np.uint8)
        frame[..., 2] = 160
        x = (i * step_px) % (width - 16)
        frame[16:32, x : x + 16] = (220, 30, 30)
        if noise:
            offset = rng.normal(0, noise)
            frame = np.clip(frame.astype(np.float64) + offset, 0, 255).astype(np.uint8)
        frames.append(frame)
    return frames


@pytest.fixture
def video_writer() -> Callable[..., Path]:
    """write_video as a fixture."""
    return write_video


TINY = "vidbench-test-tiny"
TINY_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 64, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


def save_tiny_clip(folder: Path, name: str, seed: int, file_name: str) -> Path:
    """Register TINY_CONFIG under `name` with open_clip and save random weights for it
    (random weights: tests only); returns the weights file."""
    import open_clip
    import torch

    (folder / f"{name}.json").write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(folder / f"{name}.json")
    torch.manual_seed(seed)
    model, _, _ = open_clip.create_model_and_transforms(name, pretrained=None)
    path = folder / file_name
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny CLIP saved as a local weights file (random weights: tests only)."""
    return save_tiny_clip(tmp_path_factory.mktemp("clip"), TINY, seed=0, file_name="tiny.pt")
