"""protocol: vbench for subject consistency reads every native frame (VBench's protocol), and
says so; a transparent histogram embedder stands in for DINO (no weights here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
from scorer_helpers import add_to_run, make_job, write_video
from skimage import data

from vidbench.core.scorers.base import ScorerContext
from vidbench.core.scorers.sampler import SamplerSettings, decode_pass
from vidbench.core.scorers.scoring import score_run
from vidbench.core.scorers.subject import (
    EveryFrameSubjectConsistencyScorer,
    SubjectConsistencyScorer,
    SubjectOptions,
)
from vidbench.core.scorers.work import Scorers
from vidbench.core.store.store import RunDir


class HistogramEmbedder:
    """8x8x8 RGB histograms as 'embeddings': what is in the picture, not where."""

    model_name = "histogram"
    device = "cpu"
    unavailable = None
    loaded = True
    weights_source = ""

    def __init__(self) -> None:
        self.frames_seen = 0

    def identity(self) -> dict[str, Any]:
        return {"model": "histogram"}

    def load(self) -> None:
        return None

    def prepare(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        return frames

    def embed_prepared(self, frames: list[np.ndarray]) -> np.ndarray:
        self.frames_seen += len(frames)
        hist = [
            cv2.calcHist([f], [0, 1, 2], None, [8, 8, 8], [0, 256, 0, 256, 0, 256]).ravel()
            for f in frames
        ]
        return np.stack(hist).astype(np.float64)


def pan(image: np.ndarray, count: int) -> list[np.ndarray]:
    return [
        np.ascontiguousarray(cv2.resize(image[20 + 2 * i :, 40 + 2 * i :][:300, :300], (160, 160)))
        for i in range(count)
    ]


VBENCH = SubjectOptions(protocol="vbench")


def test_vbench_protocol_embeds_every_native_frame(tmp_path: Path) -> None:
    frames = pan(data.astronaut(), 30) + pan(data.chelsea(), 30)  # 60 frames, a swap at the cut
    path = write_video(tmp_path / "swap.mp4", frames)
    video = decode_pass(path, {"dense", "shots", "uniform"}, SamplerSettings(uniform_frames=16))
    assert len(video.dense_frames) == video.probe.frame_count == 60
    embedder = HistogramEmbedder()
    every = EveryFrameSubjectConsistencyScorer(embedder, 16, VBENCH)  # type: ignore[arg-type]
    values = every.score(make_job("v"), video)
    assert values["subject_consistency_frames"] == 60 and embedder.frames_seen == 60
    # the same formula on the same embeddings of all 60 frames
    from vidbench.core.scorers.consistency import vbench_subject_consistency

    expected = vbench_subject_consistency(HistogramEmbedder().embed_prepared(video.dense_frames))
    assert values["subject_consistency"] == expected
    assert values["subject_consistency"] < values["subject_consistency_within_shots"] - 0.2
    # the uniform protocol reads 16
    uniform = SubjectConsistencyScorer(HistogramEmbedder(), 16)  # type: ignore[arg-type]
    embeddings = HistogramEmbedder().embed_prepared(video.uniform_frames)
    assert uniform.score(make_job("u"), video, embeddings)["subject_consistency_frames"] == 16


def test_vbench_protocol_is_declared_and_runs_through_the_stage(tmp_path: Path) -> None:
    run = tmp_path / "run"
    video = write_video(run / "videos" / "j.mp4", pan(data.astronaut(), 40))
    add_to_run(run, make_job("j"), video)
    scorer = EveryFrameSubjectConsistencyScorer(HistogramEmbedder(), 16, VBENCH)  # type: ignore[arg-type]
    scorers = Scorers({"subject_consistency": scorer}, ScorerContext())
    for _ in range(2):  # a re-score is a cache hit; the first pass decodes every frame
        summary = score_run(run, scorer_set=scorers)
    assert summary.counts["subject_consistency"].cached == 1
    values = RunDir(run).states()["j"].scores["subject_consistency"]
    assert values["subject_consistency_frames"] == 40
    protocol = RunDir(run).scorers_meta()["subject_consistency"]["outputs"]["subject_consistency"][
        "protocol"
    ]
    assert protocol["frames"].startswith("every native frame")
    assert protocol["comparable_with"].startswith("VBench subject_consistency")
    assert "centre crop" in protocol["differences"]  # the one input difference, stated
    within = scorer.protocol_for("subject_consistency_within_shots")
    assert within is not None and within.comparable_with is None


def test_create_picks_the_every_frame_scorer_for_protocol_vbench(tmp_path: Path) -> None:
    weights = tmp_path / "dino.pt"
    weights.write_bytes(b"not loaded here")
    context = ScorerContext(
        options={"subject_consistency": {"protocol": "vbench", "dino_weights": str(weights)}}
    )
    scorer = SubjectConsistencyScorer.create(context)
    assert isinstance(scorer, EveryFrameSubjectConsistencyScorer)
    assert scorer.needs == frozenset({"dense", "shots"}) and scorer.needs_pixels(make_job("x"))
    assert scorer.settings()["frames"] == "every"
    default = SubjectConsistencyScorer.create(ScorerContext())
    assert type(default) is SubjectConsistencyScorer and "dense" not in default.needs
