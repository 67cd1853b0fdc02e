"""A missing extra makes its scorer unavailable with the pip command that installs it, never
an ImportError."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers import embedders, faces


def _hide(monkeypatch: pytest.MonkeyPatch, module: Any, *names: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name in names else real(name, *args, **kwargs)

    monkeypatch.setattr(module.importlib.util, "find_spec", find_spec)


def test_without_torch_and_open_clip_clip_names_the_clip_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hide(monkeypatch, embedders, "torch", "open_clip")
    embedder = embedders.ClipEmbedder(ClipSettings.model_validate({}))
    assert embedder.unavailable == "torch, open_clip not installed: pip install 'vidbench[clip]'"


def test_without_dlib_faces_name_the_faces_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, faces, "dlib")
    assert (
        faces.FaceEmbedder().unavailable == "dlib is not installed: pip install 'vidbench[faces]'"
    )
