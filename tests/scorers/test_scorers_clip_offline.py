"""An offline machine with no CLIP weights learns that CLIP is unavailable without importing
open_clip and torch (3 s of CPU before the demo's scoring could start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vidbench.core.scorers.embedders as embedders
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.clip_weights import KNOWN_WEIGHTS_URLS, weights_url
from vidbench.core.scorers.embedders import ClipEmbedder


@pytest.mark.parametrize(("model", "pretrained"), sorted(KNOWN_WEIGHTS_URLS))
def test_known_sources_are_the_installed_open_clips(model: str, pretrained: str) -> None:
    assert KNOWN_WEIGHTS_URLS[(model, pretrained)] == weights_url(model, pretrained)


OFFLINE_SCRIPT = """
import sys
import vidbench.core.scorers.embedders as embedders
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.executor import place_models
from vidbench.core.scorers.sampler import SamplerSettings
from vidbench.core.scorers.work import build_scorers

probed = []
embedders.probe_download = lambda url: probed.append(url) or "ConnectError: offline"
scorers = build_scorers(
    ["clip_alignment", "subject_consistency", "flicker"],
    ClipSettings.model_validate({}),
    SamplerSettings(),
)
reasons = [scorers.by_name[name].unavailable_reason() for name in scorers.by_name]
place_models(scorers, "auto")  # nothing can load: no device to find out
print(reasons[0])
print(probed)
print("open_clip" in sys.modules, "torch" in sys.modules)
"""


def test_offline_without_a_weights_cache_imports_neither_open_clip_nor_torch(
    tmp_path: Path,
) -> None:
    env = {
        "HOME": str(tmp_path),  # no ~/.cache/clip
        "HF_HUB_CACHE": str(tmp_path / "hub"),  # no huggingface_hub cache
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    reason, probed, imported = done.stdout.strip().splitlines()
    assert "are not cached and https://huggingface.co/" in reason
    assert "unreachable (ConnectError: offline" in reason
    assert probed.count("https://huggingface.co/") == 1  # one probe, not one per scorer
    assert imported == "False False"


def test_a_reachable_host_is_probed_once_and_open_clips_cache_still_consulted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from huggingface_hub import constants

    monkeypatch.delenv(embedders.CLIP_WEIGHTS_ENV, raising=False)
    monkeypatch.delenv(embedders.CLIP_DOWNLOAD_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    probed: list[str] = []
    consulted: list[str] = []
    monkeypatch.setattr(embedders, "probe_download", lambda url: probed.append(url))
    monkeypatch.setattr(
        embedders, "cached_open_clip_file", lambda model, tag: consulted.append(model)
    )
    embedder = ClipEmbedder(ClipSettings.model_validate({}))
    assert embedder.unavailable is None and embedder.weights_source == "download"
    assert probed == [KNOWN_WEIGHTS_URLS[("ViT-B-32", "openai")]] and consulted == ["ViT-B-32"]
