"""Where exit 5 writes its traceback: inside the run directory being worked on, else a
private temporary folder; always a new file (O_EXCL), never through a symlink."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vidbench.core.seam.secrets import redact

_run_dir: Path | None = None


def remember_run_dir(path: Path) -> None:
    """The run directory the current command works on (its crash log goes there)."""
    global _run_dir
    _run_dir = Path(path)


def forget_run_dir() -> None:
    """Back to no run directory (tests, or a second command in one process)."""
    global _run_dir
    _run_dir = None


def _log_dir() -> Path:
    """The run directory, else $VIDBENCH_LOG_DIR, else a new private (0700) temp folder."""
    if _run_dir is not None and _run_dir.is_dir():
        return _run_dir
    configured = os.environ.get("VIDBENCH_LOG_DIR")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        return Path(configured)
    return Path(tempfile.mkdtemp(prefix="vidbench-"))


def write_crash_log(text: str) -> Path:
    """Write `text` to a new, uniquely named file (mode 0600) and return its path.

    mkstemp opens with O_CREAT | O_EXCL (and O_NOFOLLOW where the OS has it), so a symlink
    planted at a predictable name can neither be followed nor overwritten.
    """
    fd, name = tempfile.mkstemp(prefix="vidbench-error-", suffix=".log", dir=_log_dir())
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(redact(text))  # a traceback's locals and messages may quote a key
    return Path(name)
