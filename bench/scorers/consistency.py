"""CLIP text alignment, and the VBench subject-consistency formulas (whole video and per shot)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from bench.jobs import Job
from bench.scorers.base import Output, Protocol, Scorer, ScorerContext, Value
from bench.scorers.embedders import ClipEmbedder
from bench.scorers.sampler import VideoPass
from bench.scorers.temporal import shot_index


def clip_numbers(image_embeddings: np.ndarray, text_embedding: np.ndarray) -> tuple[float, float]:
    """(clip_cosine, clip_score): mean cosine, and mean of 100·max(cos, 0) (torchmetrics CLIPScore per frame)."""
    images = image_embeddings / np.linalg.norm(image_embeddings, axis=1, keepdims=True)
    text = text_embedding / np.linalg.norm(text_embedding)
    cosines = images @ text
    return float(cosines.mean()), float((100.0 * np.maximum(cosines, 0.0)).mean())


def vbench_subject_consistency(embeddings: np.ndarray) -> float | None:
    """VBench subject consistency: mean over i≥1 of ½[max(0,cos(f_i−1,f_i)) + max(0,cos(f_0,f_i))]."""
    if len(embeddings) < 2:
        return None
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    to_previous = np.maximum(0.0, np.sum(unit[1:] * unit[:-1], axis=1))
    to_first = np.maximum(0.0, unit[1:] @ unit[0])
    return float(np.mean((to_previous + to_first) / 2.0))


def split_by_shot(
    embeddings: np.ndarray, times_s: list[float], boundaries_s: list[float]
) -> list[np.ndarray]:
    """The embeddings of each shot (in order), using cut times mapped onto the frame times."""
    labels = shot_index(times_s, boundaries_s)
    groups = [
        embeddings[[i for i, label in enumerate(labels) if label == shot]]
        for shot in sorted(set(labels))
    ]
    return [group for group in groups if len(group)]


def per_shot_consistency(
    embeddings: np.ndarray, times_s: list[float], boundaries_s: list[float]
) -> tuple[float | None, float | None, int]:
    """(mean of per-shot VBench consistency, cross-shot similarity, shots with frames).

    A cut is intended, so consistency is measured within shots; cross-shot similarity is
    the mean cosine between the shots' mean embeddings (None with one shot).
    """
    shots = split_by_shot(embeddings, times_s, boundaries_s)
    within = [
        value
        for value in (vbench_subject_consistency(group) for group in shots)
        if value is not None
    ]
    consistency = float(np.mean(within)) if within else None
    cross = None
    if len(shots) >= 2:
        means = np.stack([group.mean(axis=0) for group in shots])
        means = means / np.linalg.norm(means, axis=1, keepdims=True)
        pairs = [
            float(means[a] @ means[b]) for a, b in itertools.combinations(range(len(means)), 2)
        ]
        cross = float(np.mean(pairs))
    return consistency, cross, len(shots)


class ClipAlignmentScorer(Scorer):
    """Frame–prompt agreement under CLIP (clip_cosine, clip_score)."""

    name = "clip_alignment"
    version = "1"
    needs = frozenset({"uniform", "embeddings"})
    requires = frozenset({"frames", "weights", "text"})
    protocol = Protocol(
        frames="16 uniform frames",
        model="open_clip ViT-B-32 (openai) by default",
        differences="CLIPSIM-style mean cosine; published CLIPSIM variants use other frames",
    )
    outputs = {
        "clip_score": Output(
            "higher",
            "Mean over sampled frames of 100·max(cos(image, text), 0) (torchmetrics CLIPScore per frame).",
            label="CLIP",
            headline=1,
            protocol=Protocol(
                frames="16 uniform frames",
                model="open_clip ViT-B-32 (openai) by default",
                comparable_with="torchmetrics CLIPScore (per frame, averaged)",
                differences="VBench has no CLIPScore dimension; EvalCrafter's CLIP-Score uses every frame",
            ),
        ),
        "clip_cosine": Output(
            "higher", "Mean cosine between frame and prompt embeddings (CLIPSIM)."
        ),
        "clip_frames": Output("none", "Frames embedded."),
        "clip_text_truncated": Output(
            "none", "The scoring text was longer than 77 tokens and was cut."
        ),
    }

    def __init__(self, embedder: ClipEmbedder):
        self.embedder = embedder
        self._text_cache: dict[str, tuple[np.ndarray, bool]] = {}

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """Built on the stage's shared CLIP model."""
        return cls(context.share("clip", lambda: ClipEmbedder(context.clip)))

    def settings(self) -> dict[str, Any]:
        return {**self.embedder.identity(), "frames": self.embedder.settings.frames}

    def unavailable_reason(self) -> str | None:
        return self.embedder.unavailable

    def job_inputs(self, job: Job) -> dict[str, Any]:
        return {"clip_text": job.clip_text}

    def text(self, text: str) -> tuple[np.ndarray, bool]:
        """Text embedding and truncation flag, computed once per distinct text."""
        if text not in self._text_cache:
            self._text_cache[text] = (
                self.embedder.embed_text(text),
                self.embedder.text_truncated(text),
            )
        return self._text_cache[text]

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        if embeddings is None or len(embeddings) == 0:
            raise ValueError("no frames to embed")
        text_embedding, truncated = self.text(job.clip_text)
        cosine, score = clip_numbers(embeddings, text_embedding)
        return {
            "clip_score": score,
            "clip_cosine": cosine,
            "clip_frames": len(embeddings),
            "clip_text_truncated": truncated,
        }
