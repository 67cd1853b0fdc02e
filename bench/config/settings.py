"""Scoring settings a config carries and the scorers read: CLIP weights and where scoring runs.

Below both the scorers and the run config (which validates scorer options through the
scorer registry), so neither imports the other for these.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClipSettings(BaseModel):
    """Which CLIP model the embedding scorers use and where its weights come from."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    model: str = Field("ViT-B-32", description="open_clip architecture name.")
    pretrained: str = Field("openai", description="open_clip pretrained tag.")
    weights: str | None = Field(
        None, description="Local weights file (overrides VIDBENCH_CLIP_WEIGHTS)."
    )
    frames: int = Field(16, ge=1, le=256, description="Uniformly sampled frames per video.")


class ScoringSettings(BaseModel):
    """Where the scoring stage runs: this process, or a pool of Ray actors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    executor: Literal["local", "ray"] = Field("local", description="local or ray.")
    address: str | None = Field(
        None, description="Ray cluster address (auto, ray://host:10001); none starts a local Ray."
    )
    workers: int = Field(
        2,
        ge=1,
        le=1024,
        description="Ray actors, each with its own models; for the local executor, videos "
        "scored at once (one thread each; 1: one video at a time, the next decoding ahead).",
    )
    cpus_per_worker: float = Field(1.0, gt=0, le=256, description="CPUs each actor reserves.")
    gpus_per_worker: float = Field(0.0, ge=0, le=16, description="GPUs each actor reserves.")
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="auto: CUDA when torch sees it, else CPU."
    )
    ship_videos: bool = Field(
        False, description="Send videos through Ray's object store (no shared filesystem)."
    )
