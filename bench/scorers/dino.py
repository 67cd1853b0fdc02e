"""DINO image embeddings for subject consistency: a timm ViT filled from a local weights file
(never torch.hub, which downloads code), strictly, so a mismatched file fails loudly."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from vidbench.core.scorers.base import ScorerUnavailable
from vidbench.core.scorers.embedders import configure_torch_threads, file_identity, frames_per_batch

DINO_WEIGHTS_ENV = "VIDBENCH_DINO_WEIGHTS"
DINO_MODEL_ENV = "VIDBENCH_DINO_MODEL"
DEFAULT_DINO_MODEL = "vit_small_patch16_224.dino"


class DinoEmbedder:
    """A DINO ViT created by timm and filled from a local weights file (never torch.hub)."""

    def __init__(self, weights: str, model_name: str = DEFAULT_DINO_MODEL):
        self.weights_path = Path(weights).expanduser()
        self.model_name = model_name
        self.device = "cpu"  # set before loading (vidbench.core.scorers.executor.place_models)
        self._lock = threading.Lock()
        self._model: Any = None
        self.preprocess: Any = None
        self.unavailable = (
            None
            if self.weights_path.is_file()
            else f"DINO weights file not found: {self.weights_path}"
        )

    def identity(self) -> dict[str, Any]:
        """Model id for cache keys and scorers.json."""
        weights = file_identity(self.weights_path) if self.weights_path.is_file() else None
        return {"model": self.model_name, "weights": weights, "weights_source": "file"}

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._model is not None

    def load(self) -> None:
        """Load the model once; raises ScorerUnavailable with the reason."""
        with self._lock:
            if self._model is not None:
                return
            if self.unavailable:
                raise ScorerUnavailable(self.unavailable)
            try:
                import timm
                import torch

                configure_torch_threads()
                model = timm.create_model(self.model_name, pretrained=False, num_classes=0)
                state = torch.load(self.weights_path, map_location="cpu", weights_only=True)
                # strict: a mismatched file must fail, never leave layers randomly initialised
                model.load_state_dict(state.get("model", state), strict=True)
                config = timm.data.resolve_data_config({}, model=model)
                self.preprocess = timm.data.create_transform(**config)
            except Exception as exc:
                self.unavailable = f"DINO model failed to load ({self.model_name}): {exc}"
                raise ScorerUnavailable(self.unavailable) from exc
            self._model = model.to(self.device).eval()

    def prepare(self, frames: list[np.ndarray]) -> Any:
        """Preprocess RGB frames into a batch tensor."""
        import torch
        from PIL import Image

        return torch.stack([self.preprocess(Image.fromarray(frame)) for frame in frames])

    def embed_prepared(self, batch: Any) -> np.ndarray:
        """L2-normalised embeddings, shape (N, D)."""
        import torch

        self.load()
        with torch.inference_mode():
            chunks = batch.split(frames_per_batch(self.device)) if self.device != "cpu" else [batch]
            output = torch.cat([self._model(chunk.to(self.device)).cpu() for chunk in chunks])
            features = torch.nn.functional.normalize(output.float(), dim=-1)
        return features.numpy()


def dino_from_env() -> DinoEmbedder | None:
    """A DINO embedder when VIDBENCH_DINO_WEIGHTS is set, else None (use the CLIP image tower)."""
    weights = os.environ.get(DINO_WEIGHTS_ENV)
    if not weights:
        return None
    return DinoEmbedder(weights, os.environ.get(DINO_MODEL_ENV, DEFAULT_DINO_MODEL))
