"""The base install, without any extra: torch, open_clip, dlib, face_recognition_models, timm
and ray hidden from the import system, as if never installed. plan, run, report, compare,
history, models and the simulators still work; the CLIP and face scorers say they are
unavailable and name the extra to install; doctor exits 2 naming the same fixes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

EXTRAS_ONLY = ("torch", "torchvision", "torchmetrics", "open_clip", "dlib")
EXTRAS_ONLY += ("face_recognition_models", "timm", "ray", "transformers")

# Loaded at start-up by site: the path finder no longer finds the extras' packages, so
# importlib.util.find_spec answers None and `import torch` raises ModuleNotFoundError.
SITECUSTOMIZE = f"""
from importlib.machinery import PathFinder

HIDDEN = {EXTRAS_ONLY!r}
_find_spec = PathFinder.find_spec.__func__


def find_spec(cls, name, path=None, target=None):
    if name.partition(".")[0] in HIDDEN:
        return None
    return _find_spec(cls, name, path, target)


PathFinder.find_spec = classmethod(find_spec)
"""

CONFIG = """name: base
suite: smoke
scorers: [conformance, clip_alignment, subject_consistency, face_identity, flicker, motion, shots, judge]
output_dir: runs
judge: {model: vidbench-judge-sim, simulate: true}
models:
  - {id: seedance-2.0-fast, adapter: ark, model: doubao-seedance-2-0-fast-260128, simulate: instant}
"""


def _vidbench(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "vidbench", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _ok(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = _vidbench(args, cwd, env)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert "internal error" not in done.stdout + done.stderr
    return done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_base_install_runs_everything_but_the_extras_scorers(tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(hook), "VIDBENCH_LOG_DIR": str(tmp_path / "logs")}
    env["COLUMNS"] = "400"  # one console line per message
    probe = "import importlib.util as u, sys; print(u.find_spec('torch'), 'torch' in sys.modules)"
    assert _ok(["--version"], tmp_path, env)
    hidden = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert hidden.stdout.split() == ["None", "False"]  # the hook holds: torch is not there
    (tmp_path / "base.yaml").write_text(CONFIG, encoding="utf-8")

    _ok(["plan", "base.yaml", "--sample", "2"], tmp_path, env)
    first = _ok(["run", "base.yaml", "--sample", "2", "--seed", "0", "--yes"], tmp_path, env)
    assert "clip_alignment: torch, open_clip not installed: pip install 'vidbench[clip]'" in first
    assert "face_identity: dlib is not installed: pip install 'vidbench[faces]'" in first
    assert "judge " in first and "conformance " in first  # the rest scored
    _ok(["run", "base.yaml", "--sample", "2", "--seed", "0", "--yes"], tmp_path, env)
    baseline, candidate = sorted((tmp_path / "runs").glob("base-*"))
    summary = (baseline / "report.md").read_text(encoding="utf-8")  # Markdown-escaped brackets
    assert "`face_identity` (dlib is not installed: pip install 'vidbench\\[faces\\]')" in summary
    _ok(["report", str(baseline)], tmp_path, env)
    _ok(["compare", str(baseline), str(candidate)], tmp_path, env)
    _ok(["history", "runs"], tmp_path, env)
    _ok(["models"], tmp_path, env)

    doctor = _vidbench(["doctor", "--config", "base.yaml"], tmp_path, env)
    assert doctor.returncode == 2, doctor.stdout + doctor.stderr
    assert "pip install 'vidbench[clip]'" in doctor.stdout + doctor.stderr
    assert "internal error" not in doctor.stdout + doctor.stderr

    port = _free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "vidbench", "sim", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert sim.poll() is None, sim.communicate()[0]
                time.sleep(0.2)
        else:
            pytest.fail("vidbench sim did not listen within 60 s")
    finally:
        sim.terminate()
        sim.wait(timeout=30)
