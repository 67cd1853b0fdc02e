"""CLIP weights: downloaded by default, failing fast and clearly when the host is unreachable."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

import vidbench.core.scorers.embedders as embedders
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.embedders import NO_CLIP_WEIGHTS, ClipEmbedder, probe_download


@pytest.fixture
def not_cached(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No local file, nothing in open_clip's cache; records the URLs probed."""
    probed: list[str] = []
    monkeypatch.delenv(embedders.CLIP_WEIGHTS_ENV, raising=False)
    monkeypatch.delenv(embedders.CLIP_DOWNLOAD_ENV, raising=False)
    monkeypatch.setattr(embedders, "cached_open_clip_file", lambda model, tag: None)
    return probed


def test_downloads_by_default_when_the_host_answers(
    not_cached: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedders, "probe_download", lambda url: not_cached.append(url))
    embedder = ClipEmbedder(ClipSettings.model_validate({}))
    assert embedder.unavailable is None and embedder.weights_source == "download"
    assert not_cached == ["https://huggingface.co/timm/vit_base_patch32_clip_224.openai"]


def test_offline_is_refused_with_the_reason(
    not_cached: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedders, "probe_download", lambda url: "ConnectError: no route")
    reason = ClipEmbedder(ClipSettings.model_validate({})).unavailable
    assert reason and "unreachable (ConnectError: no route" in reason
    assert "VIDBENCH_CLIP_WEIGHTS" in reason and "connect timeout 3 s" in reason


def test_downloading_can_be_turned_off(
    not_cached: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(embedders.CLIP_DOWNLOAD_ENV, "0")
    monkeypatch.setattr(embedders, "probe_download", lambda url: not_cached.append(url))
    assert ClipEmbedder(ClipSettings.model_validate({})).unavailable == NO_CLIP_WEIGHTS
    assert not_cached == []  # no probe at all


def test_probe_fails_fast_on_a_refused_connection() -> None:
    with socket.socket() as listener:  # a port that was just free: nothing listens on it
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    started = time.perf_counter()
    problem = probe_download(f"http://127.0.0.1:{port}/", connect_timeout_s=1.0)
    assert problem and problem.startswith("ConnectError")
    assert time.perf_counter() - started < 2.0


def test_with_downloads_off_and_no_cache_folder_open_clip_is_not_even_imported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from huggingface_hub import constants

    monkeypatch.delenv(embedders.CLIP_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv(embedders.CLIP_DOWNLOAD_ENV, "0")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))

    def must_not_run(model: str, tag: str) -> None:
        raise AssertionError("open_clip's cache was consulted")

    monkeypatch.setattr(embedders, "cached_open_clip_file", must_not_run)
    assert ClipEmbedder(ClipSettings.model_validate({})).unavailable == NO_CLIP_WEIGHTS
    (tmp_path / "hub").mkdir()  # a cache exists: it must be looked in
    reason = ClipEmbedder(ClipSettings.model_validate({})).unavailable
    assert reason and "open_clip's cache was consulted" in reason


@pytest.mark.parametrize(
    "model", ["hf-hub:someone/their-clip", "local-dir:/home/x/model", "HF-HUB:a/b"]
)
def test_a_model_name_that_names_a_source_is_refused_before_any_fetch(
    model: str, not_cached: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """open_clip reads `hf-hub:org/repo` as "download that repository's config and weights"
    (any repository, any size, `clip.weights` ignored) and `local-dir:` as a folder to load:
    a config from a stranger could name either. Only architecture names are taken."""
    monkeypatch.setattr(embedders, "probe_download", lambda url: not_cached.append(url))
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"x")
    for settings in ({"model": model}, {"model": model, "weights": str(weights)}):
        reason = ClipEmbedder(ClipSettings.model_validate(settings)).unavailable
        assert reason and "names where to fetch weights from" in reason, reason
    assert not_cached == []
