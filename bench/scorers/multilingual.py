"""A multilingual CLIP for prompts that are not English and have no English scoring_text.

open_clip's XLM-RoBERTa models (`xlm-roberta-base-ViT-B-32` / `laion5b_s13b_b90k`, …) read
text in about a hundred languages. Weights come the same way as the CLIP scorer's (a local
file, open_clip's cache, else open_clip's download after a short probe); the text tower also
needs the `transformers` package and the Hugging Face tokenizer and config of its text model
(fetched once online, then cached), so without them the model is unavailable with the reason.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.embedders import ClipEmbedder

MULTILINGUAL_WEIGHTS_ENV = "VIDBENCH_MCLIP_WEIGHTS"
DEFAULT_MULTILINGUAL_MODEL = "xlm-roberta-base-ViT-B-32"
DEFAULT_MULTILINGUAL_PRETRAINED = "laion5b_s13b_b90k"


def hf_text_model(model: str) -> str | None:
    """The Hugging Face text model an open_clip architecture builds on, if any."""
    import open_clip

    config = open_clip.get_model_config(model) or {}
    name = (config.get("text_cfg") or {}).get("hf_model_name")
    return str(name) if name else None


class MultilingualClipEmbedder(ClipEmbedder):
    """A second open_clip model for non-English text; its own weights setting and variable."""

    def __init__(self, settings: ClipSettings):
        super().__init__(settings)
        # never the English model's VIDBENCH_CLIP_WEIGHTS: that file is another architecture
        configured = settings.weights or os.environ.get(MULTILINGUAL_WEIGHTS_ENV)
        self.configured_file = Path(configured).expanduser() if configured else None

    def _resolve(self) -> None:
        try:
            text_model = hf_text_model(self.settings.model)
        except Exception as exc:
            self._resolved, self._unavailable = True, f"cannot resolve multilingual CLIP: {exc}"
            return
        if text_model and importlib.util.find_spec("transformers") is None:
            self._resolved = True
            self._unavailable = (
                f"multilingual CLIP {self.settings.model} needs the transformers package for its "
                f"{text_model} text tower (pip install transformers)"
            )
            return
        super()._resolve()
        if self._unavailable and self.configured_file is None:
            self._unavailable += (
                f" (multilingual: set {MULTILINGUAL_WEIGHTS_ENV} or its weights option)"
            )

    def token_count(self, text: str) -> int:
        """Tokens the text takes, start and end tokens included."""
        self.load()
        inner: Any = getattr(self.tokenizer, "tokenizer", None)  # open_clip's HFTokenizer
        if inner is not None:
            return len(inner(text)["input_ids"])
        encode = getattr(self.tokenizer, "encode", None)
        return len(encode(text)) + 2 if encode is not None else 0

    def text_truncated(self, text: str) -> bool:
        """Whether the text is longer than the model's context and gets cut."""
        count = self.token_count(text)  # loads the tokenizer
        return count > int(getattr(self.tokenizer, "context_length", 77) or 77)
