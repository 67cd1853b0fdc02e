"""Confinement of untrusted relative paths (results tables, records) to a run directory.

A path named by a shared run is used only when it is relative, resolves to a regular file
inside the run's resolved root, and neither it nor any folder between the root and it is a
symbolic link. Anything else is refused with the reason, never copied, transcoded or served.
Imports the standard library only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from vidbench.core.common.video import VIDEO_DEMUXERS, VIDEO_SUFFIXES

__all__ = ["VIDEO_DEMUXERS", "VIDEO_SUFFIXES", "confine", "confined_file", "open_confined"]

GLOB_CHARACTERS = frozenset("*?[]{}")


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


def has_glob_characters(text: str) -> bool:
    """Whether `text` holds a character DuckDB (or a shell) would expand as a glob."""
    return any(c in GLOB_CHARACTERS for c in text)
