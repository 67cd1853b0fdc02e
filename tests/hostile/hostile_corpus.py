"""The hostile corpus' kit: a small real run to copy, files outside it to guard, and the
checks every case ends with (a unique module name, imported by the tests of this folder).

`Outside` is what a stranger's run directory points at: a home folder with a key, shell
start-up files and a video. After each case every one of them must have its bytes and its
modification time, and the folder must hold nothing new; and no file vidbench wrote (in the
run or a site) may contain the secret's bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from vidbench.cli.app import main

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- hostile corpus, not for vidbench\n"
OLD_NS = 1_000_000_000  # 2001: any write or touch moves the mtime off it
SUITE = """suite: hostile
version: 1
defaults: {duration: 4, ratio: "16:9"}
prompts:
  - {id: p-ball, category: motion, text: "A red ball rolls across a green lawn"}
  - {id: p-kite, category: scene, text: "A yellow kite over a beach"}
"""
CONFIG = """name: hostile
suite: suite.yaml
scorers: [conformance]
output_dir: runs
models:
  - {id: sim-a, adapter: ark, model: doubao-seedance-2-0-fast-260128, simulate: fast-default}
  - {id: sim-b, adapter: ark, model: doubao-seedance-2-0-260128, simulate: fast-default}
"""
JOB_A, JOB_B = "sim-a__p-ball__s0", "sim-b__p-ball__s0"


def make_small_run(folder: Path) -> Path:
    """A whole simulated run (2 models × 2 prompts, conformance scored, reported)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suite.yaml").write_text(SUITE, encoding="utf-8")
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    assert main(["run", str(folder / "config.yaml"), "--yes"]) == 0
    (run_dir,) = (folder / "runs").iterdir()
    return run_dir


class Outside:
    """A home folder outside the run: files a hostile run names, each guarded."""

    NAMES = ("id_rsa", ".bashrc", ".profile", "authorized_keys", "records.jsonl")

    def __init__(self, root: Path, video: Path):
        self.root = root
        root.mkdir(parents=True)
        for name in self.NAMES:
            (root / name).write_bytes(SECRET)
        # A video that decodes, with the secret's bytes in it: a copy anywhere shows.
        (root / "secret.mp4").write_bytes(video.read_bytes() + SECRET)
        for path in root.iterdir():
            os.utime(path, ns=(OLD_NS, OLD_NS))
        self.before = {path.name: path.read_bytes() for path in root.iterdir()}

    def __truediv__(self, name: str) -> Path:
        return self.root / name

    def problems(self) -> list[str]:
        """Every guarded file changed (bytes or mtime), and anything new in the folder."""
        out = []
        now = {path.name for path in self.root.iterdir()}
        out += [f"new outside: {name}" for name in sorted(now - set(self.before))]
        for name, content in self.before.items():
            path = self.root / name
            if not path.is_file() or path.read_bytes() != content:
                out.append(f"written outside: {name}")
            elif path.stat().st_mtime_ns != OLD_NS:
                out.append(f"touched outside: {name}")
        return out


def leaks(folder: Path) -> list[str]:
    """Files under `folder` (links not followed) that carry the secret's bytes."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if SECRET.strip() in path.read_bytes():
            out.append(str(path.relative_to(folder)))
    return out


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The CLI in-process: (exit code, stdout + stderr with line breaks folded to spaces)."""
    code = main(args)
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


def records(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_records(run_dir: Path, rows: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(row) + "\n" for row in rows)
    (run_dir / "records.jsonl").write_text(text, encoding="utf-8")


def append_record(run_dir: Path, row: dict[str, Any]) -> None:
    with (run_dir / "records.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"ts": 1.0, "schema": 1, **row}) + "\n")


def link(path: Path, target: Path) -> None:
    """Plant `path` as a symbolic link to `target` (what git, tar and unzip keep)."""
    if path.is_symlink() or path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)
