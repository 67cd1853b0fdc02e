"""Rendered clips served from memory: a byte-budgeted, least-recently-used cache.

Starlette's FileResponse reads a file in 64 KB chunks, each through a worker thread; with a
hundred downloads at once that thread traffic, on the same cores as the client under test,
became most of the time a download took. Rendered clips are immutable (a render's path is the
hash of its spec), so their bytes can be kept and sent in one write.
"""

from __future__ import annotations

import collections
import threading
from pathlib import Path

DEFAULT_BUDGET_BYTES = 128 * 1024**2
MAX_CLIP_BYTES = 16 * 1024**2  # larger clips are streamed from disk, not kept


class ClipCache:
    """Path → bytes for clips up to MAX_CLIP_BYTES, at most `budget_bytes` in all."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES):
        self.budget_bytes = budget_bytes
        self._clips: collections.OrderedDict[Path, bytes] = collections.OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def cached(self, path: Path) -> bytes | None:
        """The clip's bytes if held (no disk access: safe on an event loop)."""
        with self._lock:
            if path in self._clips:
                self._clips.move_to_end(path)
                return self._clips[path]
        return None

    def get(self, path: Path) -> bytes | None:
        """The clip's bytes (read from disk on first use), or None when too large to keep."""
        held = self.cached(path)
        if held is not None:
            return held
        if path.stat().st_size > MAX_CLIP_BYTES:
            return None
        data = path.read_bytes()
        with self._lock:
            if path not in self._clips:
                self._clips[path] = data
                self._size += len(data)
            while self._size > self.budget_bytes and len(self._clips) > 1:
                _, dropped = self._clips.popitem(last=False)
                self._size -= len(dropped)
        return data

    @property
    def size_bytes(self) -> int:
        """Bytes held now."""
        return self._size
