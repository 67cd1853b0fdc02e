"""Score and embedding caches under run_dir/cache, one small file per key.

A key hashes the video's sha256, the scorer's name and version, its settings (model id,
pretrained tag, weights identity, sampling) and the job fields its values depend on, so a
changed setting misses the cache instead of serving stale numbers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from vidbench.core.store.confine import open_run_file, read_run_file
from vidbench.core.store.safe_files import write_atomic

MAX_CACHE_FILE_BYTES = 64 * 1024**2  # a score is bytes, an embedding batch kB


def cache_key(*parts: Any) -> str:
    """Stable hex digest of JSON-serialisable parts."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


class ScoreCache:
    """Files under `root`: scores/<key>.json, passes/<key>.json, embeddings/<key>.npy."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, kind: str, key: str, suffix: str) -> Path:
        return self.root / kind / f"{key}{suffix}"

    def get_json(self, kind: str, key: str) -> dict[str, Any] | None:
        """A cached JSON object, or None (a corrupt file counts as a miss)."""
        path = self._path(kind, key, ".json")
        try:  # not through a link planted in a shared run's cache (FileRefused: a ValueError)
            value = json.loads(read_run_file(path, MAX_CACHE_FILE_BYTES))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def put_json(self, kind: str, key: str, value: dict[str, Any]) -> None:
        """Store a JSON object atomically."""
        data = json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")
        _atomic_write(self._path(kind, key, ".json"), data)

    def get_array(self, kind: str, key: str) -> np.ndarray | None:
        """A cached array, or None."""
        path = self._path(kind, key, ".npy")
        try:
            with open_run_file(path, MAX_CACHE_FILE_BYTES) as handle:
                return np.load(handle, allow_pickle=False)
        except (OSError, ValueError):
            return None

    def put_array(self, kind: str, key: str, value: np.ndarray) -> None:
        """Store an array atomically (.npy)."""
        import io

        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(value), allow_pickle=False)
        _atomic_write(self._path(kind, key, ".npy"), buffer.getvalue())
