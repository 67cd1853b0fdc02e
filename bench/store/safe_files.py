"""Writes into run directories that never follow a symbolic link planted at the target.

Run directories are shared and untrusted: a `votes.jsonl` or `report.md` that is a link to
`~/.bashrc` must not be written through. Appends open with `O_NOFOLLOW` (the kernel refuses a
link with ELOOP); whole-file writes go to a temp file in the same folder and `os.replace` onto
the name, which replaces a link itself, never its target. Both raise `UnsafePath` on a link.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from vidbench.core.seam.errors import Problem, ValidationFailed

__all__ = [
    "UnsafePath",
    "check_not_link",
    "open_append",
    "open_append_text",
    "open_new",
    "write_atomic",
    "write_via",
]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


RUN_FOLDERS = frozenset({"videos", "plots", "frames", "cache", "posters", "originals"})
RUN_FOLDER_DEPTH = 3  # cache/<kind>/<key> is the deepest a run writes


class UnsafePath(ValidationFailed):
    """A file vidbench would write or read is a symbolic link (or sits under one in the run)."""

    def __init__(self, path: object, operation: str = "write"):
        self.path = path
        self.operation = operation
        message = f"refusing to {operation} through a symbolic link: {path}"
        super().__init__([Problem(file=str(path), location="file", message=message)])
        self.args = (message,)


def check_not_link(path: Path | str, operation: str = "write") -> None:
    """Raise UnsafePath (naming `operation`) when `path` is a symlink, or one of the run's own
    folders on its way is one."""
    target = Path(path)
    if target.is_symlink():
        raise UnsafePath(target, operation)
    # A run's own folders (videos/, plots/, frames/, cache/ and the folders inside cache/) are
    # never links: a linked one would take new files outside.
    for folder in target.parents[:RUN_FOLDER_DEPTH]:
        if folder.name in RUN_FOLDERS and folder.is_symlink():
            raise UnsafePath(folder, operation)
        if folder.name in RUN_FOLDERS:
            break
        if folder.is_symlink() and any(p.name == "cache" for p in folder.parents[:2]):
            raise UnsafePath(folder, operation)


def _open_flags(path: Path | str, flags: int) -> int:
    check_not_link(path)
    try:
        return os.open(path, flags | _NOFOLLOW | _CLOEXEC, 0o644)
    except OSError as exc:
        if Path(path).is_symlink():  # ELOOP (or EEXIST on O_EXCL) for a link planted just now
            raise UnsafePath(path) from None
        raise exc


def open_append(path: Path | str) -> BinaryIO:
    """Open `path` for binary appending, creating it (0644); never through a symlink."""
    fd = _open_flags(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    return os.fdopen(fd, "ab")


def open_append_text(path: Path | str) -> TextIO:
    """As `open_append`, as UTF-8 text."""
    fd = _open_flags(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    return os.fdopen(fd, "a", encoding="utf-8")


def open_new(path: Path | str) -> BinaryIO:
    """Open `path` for binary writing from empty, never through a symlink: an existing link
    is refused; an existing plain file is truncated."""
    fd = _open_flags(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    return os.fdopen(fd, "wb")


def write_via(path: Path | str, writer: Callable[[Path], object]) -> Path:
    """Let `writer` write a temp file in `path`'s folder, fsync it, and `os.replace` it onto
    `path` (a library that writes files itself: pandas, matplotlib). Refuses a link at `path`."""
    target = Path(path)
    check_not_link(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        fd = os.open(tmp, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def write_atomic(path: Path | str, data: bytes | str) -> Path:
    """Write `data` (str as UTF-8) to `path` via a temp file and `os.replace`; refuses a link."""
    payload = data.encode("utf-8") if isinstance(data, str) else data

    def _write(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | _NOFOLLOW | _CLOEXEC)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)

    return write_via(path, _write)


def open_read(path: Path | str) -> BinaryIO:
    """Open a run's own file for reading, never through a symlink (UnsafePath if it is one)."""
    check_not_link(path, "read")
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        if Path(path).is_symlink():
            raise UnsafePath(path, "read") from None
        raise exc
    return os.fdopen(fd, "rb")
