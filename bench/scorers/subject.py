"""Subject consistency: VBench's formula over the whole video (the headline) and within shots."""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vidbench.core.scorers.base import (
    COSINE,
    NON_NEGATIVE,
    SHARE,
    Output,
    Protocol,
    Scorer,
    ScorerContext,
    Value,
    nan_to_none,
)
from vidbench.core.scorers.consistency import per_shot_consistency, vbench_subject_consistency
from vidbench.core.scorers.dino import DINO_WEIGHTS_ENV, DinoEmbedder, dino_from_env
from vidbench.core.scorers.embedders import ClipEmbedder
from vidbench.core.scorers.sampler import DENSE_SHORT_SIDE_PX, VideoPass
from vidbench.core.store.jobs import Job

VBENCH_DINO_MODEL = "vit_base_patch16_224.dino"  # VBench: DINO ViT-B/16
DENSE_BATCH_FRAMES = 32  # frames per forward pass on every-frame protocols (bounds memory)


class SubjectOptions(BaseModel):
    """Options of the subject-consistency scorer."""

    model_config = ConfigDict(extra="forbid")
    protocol: Literal["vidbench", "vbench"] = Field(
        "vidbench",
        description="vidbench: CLIP image tower (or DINO from VIDBENCH_DINO_WEIGHTS); "
        "vbench: DINO ViT-B/16 from a local weights file, as VBench.",
    )
    dino_weights: str | None = Field(
        None, description="Local DINO ViT-B/16 weights file (protocol vbench; else the env var)."
    )


class SubjectConsistencyScorer(Scorer):
    """VBench subject consistency over the whole video; within shots and across shots too."""

    name = "subject_consistency"
    version = "3"
    needs = frozenset({"uniform", "embeddings", "shots"})
    requires = frozenset({"frames", "weights"})
    Options = SubjectOptions
    outputs = {
        "subject_consistency": Output(
            "higher",
            "VBench subject consistency over the whole video's sampled frames: a subject "
            "swapped at a cut lowers it.",
            bounds=SHARE,
        ),
        "subject_consistency_within_shots": Output(
            "higher",
            "The same formula within each shot, averaged (cuts are not penalised).",
            bounds=SHARE,
        ),
        "cross_shot_similarity": Output(
            "higher",
            "Mean cosine between the shots' mean embeddings (null with one shot).",
            bounds=COSINE,
        ),
        "subject_consistency_frames": Output(
            "none",
            "Frames embedded (every native frame under protocol: vbench).",
            bounds=NON_NEGATIVE,
        ),
    }

    def __init__(
        self,
        embedder: ClipEmbedder | DinoEmbedder,
        frames: int,
        options: SubjectOptions | None = None,
    ):
        self.embedder = embedder
        self.frames = frames
        self.options = options or SubjectOptions()

    @property
    def every_frame(self) -> bool:
        """Whether this scorer reads every native frame (protocol vbench)."""
        return self.options.protocol == "vbench"

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """vbench: DINO ViT-B/16 from a local file; else DINO from the env var, or shared CLIP."""
        options = context.options_for(cls)
        assert isinstance(options, SubjectOptions)
        frames = context.sampler.uniform_frames
        if options.protocol == "vbench":
            weights = options.dino_weights or os.environ.get(DINO_WEIGHTS_ENV) or ""
            if not weights:
                dino = DinoEmbedder("", VBENCH_DINO_MODEL)
                dino.unavailable = (
                    "protocol vbench needs DINO ViT-B/16 weights: set "
                    f"scorer_options.subject_consistency.dino_weights or {DINO_WEIGHTS_ENV}"
                )
                return EveryFrameSubjectConsistencyScorer(dino, frames, options)
            dino = DinoEmbedder(weights, VBENCH_DINO_MODEL)
            return EveryFrameSubjectConsistencyScorer(dino, frames, options)
        backbone = dino_from_env() or context.share("clip", lambda: ClipEmbedder(context.clip))
        return cls(backbone, frames, options)

    def protocol_for(self, column: str) -> Protocol | None:
        """Declared per backbone and scope."""
        dino = isinstance(self.embedder, DinoEmbedder)
        model = f"DINO {self.embedder.model_name}" if dino else "CLIP image tower"
        vbench = self.options.protocol == "vbench"
        scope = {
            "subject_consistency": "whole video (across cuts)",
            "subject_consistency_within_shots": "within each shot, averaged",
            "cross_shot_similarity": "between shots",
            "subject_consistency_frames": "whole video",
        }[column]
        if vbench:
            return Protocol(
                frames=f"every native frame (short side ≤ {DENSE_SHORT_SIDE_PX} px before the transform)",
                model=f"{model} from a local weights file",
                scope=scope,
                comparable_with="VBench subject_consistency (DINO ViT-B/16, every frame, whole video)"
                if column == "subject_consistency"
                else None,
                differences="input: timm's DINO transform (resize to 248, centre crop 224) where "
                "VBench resizes the short side to 224 and keeps the whole frame; weights from a "
                "local file, not torch.hub"
                + ("" if column == "subject_consistency" else "; vidbench's own scope"),
            )
        return Protocol(
            frames=f"{self.frames} uniform frames",
            model=model,
            scope=scope,
            differences="VBench: DINO ViT-B/16 on every frame of the whole video "
            "(protocol: vbench does that)",
        )

    def settings(self) -> dict[str, Any]:
        backbone = "dino" if isinstance(self.embedder, DinoEmbedder) else "clip image tower"
        return {
            "backbone": backbone,
            **self.embedder.identity(),
            "frames": "every" if self.every_frame else self.frames,
            "protocol": self.options.protocol,
        }

    def unavailable_reason(self) -> str | None:
        return self.embedder.unavailable

    def dense_embeddings(self, video: VideoPass) -> np.ndarray:
        """Embeddings of every native frame, in batches."""
        frames = video.dense_frames
        if not frames:
            raise ValueError("no frames decoded (the dense product is missing)")
        return np.concatenate(
            [
                self.embedder.embed_prepared(
                    self.embedder.prepare(frames[start : start + DENSE_BATCH_FRAMES])
                )
                for start in range(0, len(frames), DENSE_BATCH_FRAMES)
            ]
        )

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        times_s = video.uniform_times_s
        if self.every_frame:
            embeddings, times_s = self.dense_embeddings(video), video.dense_times_s
        if embeddings is None or len(embeddings) == 0:
            raise ValueError("no frames to embed")
        within, cross, _ = per_shot_consistency(embeddings, times_s, video.shot_boundaries_s or [])
        return {
            "subject_consistency": nan_to_none(vbench_subject_consistency(embeddings)),
            "subject_consistency_within_shots": nan_to_none(within),
            "cross_shot_similarity": nan_to_none(cross),
            "subject_consistency_frames": len(embeddings),
        }


class EveryFrameSubjectConsistencyScorer(SubjectConsistencyScorer):
    """protocol: vbench — every native frame (the dense product), embedded by the scorer."""

    needs = frozenset({"dense", "shots"})
