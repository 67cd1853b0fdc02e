"""Publishable paths: what a report shows of a file's location is relative, never local.

A report is shared (a README, a PR, a published site), so the absolute paths a manifest
records (the config's and the suite's files, a weights file named in a scorer's reason)
must not carry the author's machine into it. A path inside the run directory is shown
relative to it, one inside the suite's folder relative to that folder, anything else by its
file name alone. Relative paths (as a config was written) are kept.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

# An absolute POSIX path (or ~/…) starting a word (after a space, quote, bracket, = or ,):
# not a URL's path, not a/b, not the </b> of markup.
_ABSOLUTE = re.compile(r"(?<![^\s\"'(=\[,])(~?/(?:[^\s/\"'<>()\[\]|,;]+/)*[^\s/\"'<>()\[\]|,;]*)")
_WINDOWS = re.compile(r"(?<![\w])([A-Za-z]:\\(?:[^\s\\\"'<>|]+\\)*[^\s\\\"'<>|]*)")


def _inside(path: PurePosixPath, root: str | None) -> str | None:
    if not root:
        return None
    try:
        relative = path.relative_to(PurePosixPath(root))
    except ValueError:
        return None
    return str(relative) if str(relative) != "." else None


def publishable_path(value: str, run_dir: str | None = None, suite_dir: str | None = None) -> str:
    """`value` relative to the run directory or the suite's folder when inside one, its file
    name when absolute elsewhere, unchanged when already relative."""
    text = value.strip()
    if _WINDOWS.fullmatch(text):
        return text.replace("\\", "/").rsplit("/", 1)[-1]
    if not (text.startswith("/") or text.startswith("~/")):
        return value
    path = PurePosixPath(text)
    return _inside(path, run_dir) or _inside(path, suite_dir) or path.name or "/"


def scrub_text(text: str, run_dir: str | None = None, suite_dir: str | None = None) -> str:
    """Free text with every absolute path in it made publishable (see `publishable_path`)."""
    text = _WINDOWS.sub(lambda m: publishable_path(m.group(1)), text)
    return _ABSOLUTE.sub(lambda m: publishable_path(m.group(1), run_dir, suite_dir), text)


def scrub(value: Any, run_dir: str | None = None, suite_dir: str | None = None) -> Any:
    """A JSON-like value (a manifest's config) with every string's absolute paths scrubbed."""
    if isinstance(value, str):
        return scrub_text(value, run_dir, suite_dir)
    if isinstance(value, dict):
        return {k: scrub(v, run_dir, suite_dir) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, run_dir, suite_dir) for v in value]
    return value


def suite_folder(manifest: dict[str, Any]) -> str | None:
    """The folder of the suite file the manifest names (absolute), else None."""
    suite = manifest.get("suite")
    path = suite.get("path") if isinstance(suite, dict) else None
    if isinstance(path, str) and path.startswith("/"):
        return str(PurePosixPath(path).parent)
    return None
