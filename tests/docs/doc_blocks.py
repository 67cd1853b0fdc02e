"""Fenced code blocks of the Markdown docs, with the marker that keeps one from running."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The comment, on the line right before a fence, that says why the block cannot run here.
NOT_RUN = re.compile(r"<!--\s*not-run:\s*(.+?)\s*-->")
FENCE = re.compile(r"^(\s*)(`{3,})([\w+-]*)[^\n]*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language, its text, why it is not run (if so)."""

    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    not_run: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, language = opening.groups()
        before = lines[index - 1] if index else ""
        marker = NOT_RUN.search(before)
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            body.append(lines[end][len(indent) :] if lines[end].startswith(indent) else lines[end])
            end += 1
        found.append(
            Block(
                path,
                index + 1,
                language.lower(),
                "\n".join(body) + "\n",
                marker.group(1) if marker else None,
            )
        )
        index = end + 1
    return found


def console_commands(text: str) -> str:
    """The commands of a ```console block: its `$ ` lines (the rest is shown output)."""
    return "\n".join(line[2:] for line in text.splitlines() if line.startswith("$ ")) + "\n"
