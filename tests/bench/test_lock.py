"""One writer per run directory (vidbench.core.store.lock)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vidbench.core.seam.errors import RunLocked
from vidbench.core.store import lock

HOLD = """
import sys, time
from pathlib import Path
from vidbench.core.store import lock
lock.acquire(Path(sys.argv[1]), "score")
print("held", flush=True)
time.sleep(60)
"""


def _holder(run_dir: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_process_is_refused_naming_the_holder(tmp_path: Path) -> None:
    proc = _holder(tmp_path)
    try:
        with pytest.raises(RunLocked) as info:
            lock.acquire(tmp_path, "run")
        assert f"pid {proc.pid}" in str(info.value)
        assert "vidbench score" in str(info.value)
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    proc = _holder(tmp_path)
    proc.kill()
    proc.wait()
    assert (tmp_path / ".lock").exists()  # the file stays; the kernel dropped the lock
    with lock.run_lock(tmp_path, "run"):
        assert str(os.getpid()) in (tmp_path / ".lock").read_text()


def test_reentrant_within_a_process_and_released_after(tmp_path: Path) -> None:
    with lock.run_lock(tmp_path, "run"), lock.run_lock(tmp_path, "score"):
        pass
    proc = _holder(tmp_path)  # would block forever (and fail readline) if still held
    proc.kill()
    proc.wait()


def test_a_symlink_at_the_lock_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".lock").symlink_to(victim)
    with pytest.raises(OSError):
        lock.acquire(run_dir, "run")
    assert victim.read_text() == "precious"
