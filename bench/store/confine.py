"""Confinement of untrusted relative paths (results tables, records) to a run directory.

A path named by a shared run is used only when it is relative, resolves to a regular file
inside the run's resolved root, and neither it nor any folder between the root and it is a
symbolic link. Anything else is refused with the reason, never copied, transcoded or served.
Imports the standard library only.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv")
# The demuxer each suffix is opened with: never probed, so a playlist renamed .mp4 is not read as HLS.
VIDEO_DEMUXERS = {".mp4": "mp4", ".mov": "mov", ".webm": "matroska", ".mkv": "matroska"}
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
