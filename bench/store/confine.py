"""Confinement of untrusted relative paths (results tables, records) to a run directory.

A path named by a shared run is used only when it is relative, resolves to a regular file
inside the run's resolved root, and neither it nor any folder between the root and it is a
symbolic link. Anything else is refused with the reason, never copied, transcoded or served.
A run's own files read by another process (`history` reading a runs root) are opened without
following a link, only when regular, and within a size cap (`read_run_file`).
Imports the standard library only.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from vidbench.core.common.video import VIDEO_DEMUXERS, VIDEO_SUFFIXES

__all__ = [
    "VIDEO_DEMUXERS",
    "VIDEO_SUFFIXES",
    "FileRefused",
    "confine",
    "confined_file",
    "open_confined",
    "open_run_file",
    "read_run_file",
]


def confine(
    root: Path, relative: object, suffixes: tuple[str, ...] | None = None
) -> tuple[Path | None, str | None]:
    """(the resolved file, None) when `relative` names a regular file inside `root`; else (None, why)."""
    if not isinstance(relative, str) or not relative or "\x00" in relative:
        return None, "not a file path"
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or Path(relative).is_absolute() or ".." in pure.parts:
        return None, "outside the run directory"
    if suffixes is not None and pure.suffix.lower() not in suffixes:
        return None, f"not an allowed file type ({', '.join(suffixes)})"
    try:
        base = root.resolve(strict=True)
    except OSError:
        return None, "the run directory is missing"
    current = base
    for part in pure.parts:
        current = current / part
        if os.path.islink(current):
            return None, "a symbolic link"
    try:
        target = current.resolve(strict=True)
    except OSError:
        return None, "missing"
    if target == base or base not in target.parents:
        return None, "outside the run directory"
    if os.path.realpath(current) != os.path.normpath(current):
        return None, "a symbolic link"
    if not target.is_file():
        return None, "not a regular file"
    return target, None


def _walk_open(base: Path, parts: tuple[str, ...]) -> int:
    """A descriptor for base/parts opened one component at a time, never through a link."""
    nofollow = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    folder = os.open(base, os.O_RDONLY | os.O_DIRECTORY | nofollow)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | nofollow, dir_fd=folder)
            os.close(folder)
            folder = inner
        return os.open(parts[-1], os.O_RDONLY | os.O_NONBLOCK | nofollow, dir_fd=folder)
    finally:
        os.close(folder)


def open_confined(
    root: Path, relative: object, suffixes: tuple[str, ...] | None = None
) -> tuple[BinaryIO | None, str | None]:
    """(an open binary file, None) for what `confine` accepts, opened without a window.

    `confine` checks names; between its check and a later open by name, a folder could be
    swapped for a link. Here every component is opened relative to the previous one with
    O_NOFOLLOW, so the file read is the one checked: a regular file with one name (a hard
    link could be a second name of a file outside the run). The caller closes the file.
    """
    target, why = confine(root, relative, suffixes)
    if target is None:
        return None, why
    base = root.resolve(strict=True)
    parts = target.relative_to(base).parts
    try:
        fd = _walk_open(base, parts)
    except OSError:
        return None, "a symbolic link or missing"
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None, "not a regular file"
    if info.st_nlink > 1:
        os.close(fd)
        return None, f"a hard link ({info.st_nlink} names): copy the file into the run to use it"
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), None


def confined_file(
    root: Path, relative: str, suffixes: tuple[str, ...] | None = None
) -> Path | None:
    """The resolved file `relative` names inside `root`, or None (see `confine`)."""
    return confine(root, relative, suffixes)[0]


def inside_root(root: Path, candidate: Path) -> str | None:
    """None when `candidate` (a folder or file under `root`) is no link and resolves inside it; else why."""
    try:
        base = root.resolve(strict=True)
        relative = Path(os.path.abspath(candidate)).relative_to(os.path.abspath(root))
    except (OSError, ValueError):
        return "outside the runs root"
    current = Path(os.path.abspath(root))
    for part in relative.parts:
        current = current / part
        if os.path.islink(current):
            return "a symbolic link"
    target = candidate.resolve()
    if target != base and base not in target.parents:
        return "outside the runs root"
    return None


class FileRefused(ValueError):
    """A run's own file that is not read: a link, not a regular file, unreadable or too large."""


def open_run_file(path: Path, max_bytes: int | None = None) -> BinaryIO:
    """A run's own file (`manifest.json`, `results.parquet`) open for reading: no link at its
    name (O_NOFOLLOW), a regular file (a FIFO would block, a device never end), at most
    `max_bytes` by its size. Raises FileRefused with the reason; the caller closes the file."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        why = "a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or "unreadable"
        raise FileRefused(f"{Path(path).name}: {why}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileRefused(f"{Path(path).name}: not a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        os.close(fd)
        raise FileRefused(
            f"{Path(path).name} is {info.st_size:,} bytes, over the {max_bytes:,}-byte cap"
        )
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_run_file(path: Path, max_bytes: int) -> bytes:
    """The whole of a run's own file, at most `max_bytes` (see `open_run_file`); a file that
    grows past the cap while read is refused too."""
    with open_run_file(path, max_bytes) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused(f"{Path(path).name} is over the {max_bytes:,}-byte cap")
    return data
