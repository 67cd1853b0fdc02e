"""One writer per run directory: an advisory `fcntl` lock on `<run>/.lock`.

`run`, `run --resume`, `score` and `report` hold it while they write. A second process gets
`RunLocked` naming the holder's pid and command. The kernel drops the lock when its holder
dies, so the lock of a killed process is simply taken over; the file's contents only say who
held it last. Within one process the lock is re-entrant (run → score → report nest).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vidbench.core.seam.errors import RunLocked

LOCK_NAME = ".lock"

_held: dict[Path, tuple[int, int]] = {}  # resolved run dir → (fd, depth)
_guard = threading.Lock()


def _holder(fd: int) -> dict[str, Any]:
    """What the current holder wrote into the lock file (best effort)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = json.loads(os.read(fd, 4096).decode("utf-8", "replace") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _open_lock_file(path: Path) -> int:
    """Open (or create) the lock file without following a symlink planted at its name."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    return os.open(path, flags, 0o644)


def acquire(run_dir: Path, command: str) -> None:
    """Take the run directory's lock or raise RunLocked; re-entrant within this process."""
    key = Path(run_dir).resolve()
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            return
        fd = _open_lock_file(key / LOCK_NAME)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise RunLocked(key, holder) from None
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "argv": sys.argv[1:4],
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(record) + "\n").encode())
        _held[key] = (fd, 1)


def release(run_dir: Path) -> None:
    """Give the lock back once the outermost holder in this process is done."""
    key = Path(run_dir).resolve()
    with _guard:
        if key not in _held:
            return
        fd, depth = _held[key]
        if depth > 1:
            _held[key] = (fd, depth - 1)
            return
        del _held[key]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextlib.contextmanager
def run_lock(run_dir: Path, command: str) -> Iterator[None]:
    """Hold the run directory's lock for the duration of a block."""
    acquire(run_dir, command)
    try:
        yield
    finally:
        release(run_dir)
