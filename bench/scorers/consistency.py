"""CLIP text alignment, and the VBench subject-consistency formulas (whole video and per shot)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vidbench.core.common.lang import is_english
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.base import (
    COSINE,
    NON_NEGATIVE,
    SHARE,
    Output,
    Protocol,
    Scorer,
    ScorerContext,
    ScorerUnavailable,
    Value,
)
from vidbench.core.scorers.embedders import ClipEmbedder
from vidbench.core.scorers.multilingual import (
    DEFAULT_MULTILINGUAL_PRETRAINED,
    MultilingualClipEmbedder,
)
from vidbench.core.scorers.sampler import VideoPass
from vidbench.core.scorers.temporal import shot_index
from vidbench.core.store.jobs import Job

TextRoute = Literal["text", "scoring_text", "multilingual", "untranslated"]
TRUNCATED_NOTE = (
    "not applicable — truncated: the prompt is not English, has no scoring_text and is longer "
    "than CLIP's 77 tokens (add scoring_text, or configure a multilingual model)"
)


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


class ClipOptions(BaseModel):
    """Options of the CLIP alignment scorer: a multilingual model for untranslated prompts."""

    model_config = ConfigDict(extra="forbid")
    multilingual_model: str | None = Field(
        None,
        description="open_clip multilingual model (e.g. xlm-roberta-base-ViT-B-32) for prompts "
        "that are not English and have no scoring_text; none: such prompts are scored by the "
        "English model, or not at all when longer than 77 tokens.",
    )
    multilingual_pretrained: str = Field(
        DEFAULT_MULTILINGUAL_PRETRAINED, description="Its open_clip pretrained tag."
    )
    multilingual_weights: str | None = Field(
        None, description="Its local weights file (else VIDBENCH_MCLIP_WEIGHTS, cache, download)."
    )


def text_route(job: Job, multilingual: bool) -> TextRoute:
    """Which text CLIP reads and how: English text or scoring_text as is; other text by the
    multilingual model when there is one, else by the English model ("untranslated")."""
    translated = job.clip_text != job.text
    english = is_english(job.clip_text) and (translated or job.lang in ("en", ""))
    if english:
        return "scoring_text" if translated else "text"
    return "multilingual" if multilingual else "untranslated"


def model_label(embedder: ClipEmbedder) -> str:
    """ "model/pretrained", or "model (file NAME)" for weights from a local file."""
    settings = embedder.settings
    if embedder.configured_file is not None:
        return f"{settings.model} (file {embedder.configured_file.name})"
    return f"{settings.model}/{settings.pretrained}"


class ClipAlignmentScorer(Scorer):
    """Frame–prompt agreement under CLIP (clip_cosine, clip_score)."""

    name = "clip_alignment"
    version = "2"
    Options = ClipOptions
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
            bounds=(0.0, 100.0),
            protocol=Protocol(
                frames="16 uniform frames",
                model="open_clip ViT-B-32 (openai) by default",
                comparable_with="torchmetrics CLIPScore (per frame, averaged)",
                differences="VBench has no CLIPScore dimension; EvalCrafter's CLIP-Score uses every frame",
            ),
        ),
        "clip_cosine": Output(
            "higher", "Mean cosine between frame and prompt embeddings (CLIPSIM).", bounds=COSINE
        ),
        "clip_frames": Output("none", "Frames embedded.", bounds=NON_NEGATIVE),
        "clip_text_truncated": Output(
            "none",
            "The text scored was longer than the model's 77 tokens and was cut.",
            bounds=SHARE,
        ),
        "clip_text_source": Output(
            "none",
            "What CLIP read: text (English), scoring_text, multilingual (the prompt through "
            "the multilingual model) or untranslated (a non-English prompt through the English "
            "model, which reads it poorly).",
        ),
        "clip_model": Output("none", "The model that scored this clip (model/pretrained)."),
        "clip_note": Output("none", "Why clip_score is null for this clip."),
    }

    def __init__(
        self, embedder: ClipEmbedder, multilingual: MultilingualClipEmbedder | None = None
    ):
        self.embedder = embedder
        self.multilingual = multilingual
        self._text_cache: dict[tuple[int, str], tuple[np.ndarray, bool]] = {}

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """Built on the stage's shared CLIP model, plus the multilingual one when configured."""
        options = context.options_for(cls)
        assert isinstance(options, ClipOptions)
        embedder = context.share("clip", lambda: ClipEmbedder(context.clip))
        if options.multilingual_model is None:
            return cls(embedder)
        settings = ClipSettings(
            model=options.multilingual_model,
            pretrained=options.multilingual_pretrained,
            weights=options.multilingual_weights,
            frames=context.clip.frames,
        )
        return cls(embedder, MultilingualClipEmbedder(settings))

    def settings(self) -> dict[str, Any]:
        data = {**self.embedder.identity(), "frames": self.embedder.settings.frames}
        if self.multilingual is not None:
            data["multilingual"] = self.multilingual.identity()
        return data

    def unavailable_reason(self) -> str | None:
        return self.embedder.unavailable

    def job_inputs(self, job: Job) -> dict[str, Any]:
        return {"clip_text": job.clip_text, "text": job.text, "lang": job.lang}

    def needs_pixels(self, job: Job) -> bool:
        """The multilingual model embeds the frames itself (its embeddings are not cached)."""
        return text_route(job, self.multilingual is not None) == "multilingual"

    def text(self, text: str, embedder: ClipEmbedder | None = None) -> tuple[np.ndarray, bool]:
        """Text embedding and truncation flag, computed once per model and distinct text."""
        embedder = embedder or self.embedder
        key = (id(embedder), text)
        if key not in self._text_cache:
            self._text_cache[key] = (embedder.embed_text(text), embedder.text_truncated(text))
        return self._text_cache[key]

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        if embeddings is None or len(embeddings) == 0:
            raise ValueError("no frames to embed")
        route = text_route(job, self.multilingual is not None)
        embedder: ClipEmbedder = self.embedder
        note = ""
        if route == "multilingual" and self.multilingual is not None:
            try:
                self.multilingual.device = self.embedder.device  # placed with the English model
                embeddings = self.multilingual.embed_images(video.uniform_frames)
                embedder = self.multilingual
            except ScorerUnavailable as exc:  # the English clips still score
                route, note = "untranslated", f"multilingual model unavailable: {exc}"
        text_embedding, truncated = self.text(job.clip_text, embedder)
        values: dict[str, Value] = {
            "clip_frames": len(embeddings),
            "clip_text_truncated": truncated,
            "clip_text_source": route,
            "clip_model": model_label(embedder),
        }
        if route == "untranslated" and truncated:
            note = "; ".join(filter(None, [TRUNCATED_NOTE, note]))
            return {**values, "clip_score": None, "clip_cosine": None, "clip_note": note}
        cosine, score = clip_numbers(embeddings, text_embedding)
        return {**values, "clip_score": score, "clip_cosine": cosine, "clip_note": note or None}

    def protocol_for(self, column: str) -> Protocol | None:
        """The declared protocol, plus how untranslated prompts are scored in this run."""
        declared = super().protocol_for(column)
        if declared is None or column not in ("clip_score", "clip_cosine"):
            return declared
        if self.multilingual is not None:
            how = (
                f"non-English prompts without scoring_text are scored by {self.multilingual.settings.model}"
                f"/{self.multilingual.settings.pretrained} (another model's scale: clip_model says "
                "which; compare models on the same prompts)"
            )
        else:
            how = (
                "non-English prompts without scoring_text are read by the English model, and are "
                "null (not applicable — truncated) beyond 77 tokens"
            )
        differences = "; ".join(filter(None, [declared.differences, how]))
        return replace(declared, differences=differences)
