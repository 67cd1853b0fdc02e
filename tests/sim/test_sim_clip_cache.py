"""The simulator keeps rendered clips in memory within a byte budget; large ones stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbench.core.sim import clip_cache
from vidbench.core.sim.clip_cache import ClipCache


def clip(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(bytes([len(name)]) * size)
    return path


def test_clips_are_read_once_and_the_oldest_leave_first(tmp_path: Path) -> None:
    cache = ClipCache(budget_bytes=250)
    a, b, c = (clip(tmp_path, n, 100) for n in ("a", "bb", "ccc"))
    assert cache.cached(a) is None
    assert cache.get(a) == a.read_bytes()
    a.write_bytes(b"changed on disk")  # kept bytes are served: a render never changes
    assert cache.cached(a) == bytes([1]) * 100
    assert cache.get(b) == b.read_bytes() and cache.size_bytes == 200
    cache.get(a)  # a is now the most recent
    assert cache.get(c) == c.read_bytes()
    assert cache.size_bytes == 200 and cache.cached(b) is None and cache.cached(a) is not None


def test_a_clip_over_the_size_cap_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clip_cache, "MAX_CLIP_BYTES", 50)
    cache = ClipCache()
    big = clip(tmp_path, "big", 51)
    assert cache.get(big) is None and cache.size_bytes == 0
