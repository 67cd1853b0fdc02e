"""Every shell block of README.md and docs/*.md runs: ```bash, ```sh and ```console (its `$ `
lines), in order, offline, in one workspace shared by all files (so one doc's run directory
serves the next), with the repository's configs/ and prompts/ copied in and `vidbench` on
PATH. A block that cannot run here carries `<!-- not-run: why -->` on the line before its
fence; they are counted and listed. `<!-- expect-exit: N -->` expects that exit status."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import REPO, Block, blocks, console_commands

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

SHELL = ("bash", "sh", "console", "shell")
EXPECT_EXIT = re.compile(r"<!--\s*expect-exit:\s*(\d+)\s*-->")
MAX_NOT_RUN = 12  # few: a block that cannot run is a claim nobody checks
BLOCK_TIMEOUT_S = 600


def doc_files() -> list[Path]:
    """README.md first, then docs/*.md by name."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def shell_blocks() -> list[Block]:
    return [b for path in doc_files() for b in blocks(path) if b.language in SHELL]


def _expected_exit(block: Block) -> int:
    lines = block.path.read_text(encoding="utf-8").splitlines()
    before = lines[block.line - 2] if block.line >= 2 else ""
    marker = EXPECT_EXIT.search(before)
    return int(marker.group(1)) if marker else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _workspace(root: Path) -> dict[str, str]:
    """A folder laid out like a checkout's (configs/, prompts/, .venv) and its environment."""
    for name in ("configs", "prompts"):
        shutil.copytree(REPO / name, root / name)
    (root / ".venv").symlink_to(Path(sys.prefix))
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_KEY"))}
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="200",
        PORT=str(_free_port()),  # blocks that start `vidbench sim` listen here
        VIDBENCH_CLIP_DOWNLOAD="0",
        VIDBENCH_LOG_DIR=str(root / "crash-logs"),
    )
    return env


def _run(block: Block, cwd: Path, env: dict[str, str]) -> str | None:
    """None when the block exits as expected, else what went wrong (with its output)."""
    text = console_commands(block.text) if block.language == "console" else block.text
    script = f"set -euo pipefail\n{text}"
    process = subprocess.Popen(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a `vidbench sim &` the block left behind is ended with it
    )
    try:
        output, _ = process.communicate(timeout=BLOCK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return f"{block.where}: timed out after {BLOCK_TIMEOUT_S} s\n{output[-3000:]}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    expected = _expected_exit(block)
    if process.returncode != expected:
        return (
            f"{block.where}: exited {process.returncode}, expected {expected}\n"
            f"--- block ---\n{block.text}--- output (last 3000 characters) ---\n{output[-3000:]}"
        )
    return None


def test_every_shell_block_in_the_docs_runs(tmp_path: Path) -> None:
    env = _workspace(tmp_path)
    found = shell_blocks()
    skipped = [b for b in found if b.not_run]
    failures = []
    for block in found:
        if block.not_run is None:
            failure = _run(block, tmp_path, env)
            if failure:
                failures.append(failure)
    ran = len(found) - len(skipped)
    print(f"\n{ran} shell blocks ran, {len(skipped)} not run:")
    for block in skipped:
        print(f"  {block.where}: {block.not_run}")
    assert not failures, f"{len(failures)} of {ran} blocks failed:\n\n" + "\n\n".join(failures)
    assert len(skipped) <= MAX_NOT_RUN, [b.where for b in skipped]
    assert sum(1 for b in found if b.path.name == "README.md" and not b.not_run) >= 4


def test_markers_are_read_and_console_blocks_run_their_prompt_lines(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "<!-- not-run: needs a real ARK_API_KEY -->\n```bash\nexit 1\n```\n\n"
        "<!-- expect-exit: 3 -->\n```sh\nexit 3\n```\n\n"
        "```console\n$ echo one\none\n$ echo two\n```\n\n```python\nprint(1)\n```\n",
        encoding="utf-8",
    )
    found = blocks(doc)
    assert [(b.language, b.not_run) for b in found] == [
        ("bash", "needs a real ARK_API_KEY"),
        ("sh", None),
        ("console", None),
        ("python", None),
    ]
    assert console_commands(found[2].text) == "echo one\necho two\n"
    assert _expected_exit(found[1]) == 3 and _expected_exit(found[2]) == 0
