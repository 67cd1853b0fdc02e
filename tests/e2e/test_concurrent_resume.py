"""Two `vidbench run --resume` on one run directory: the second is refused, nothing is paid twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from e2e_helpers import write_config
from factories import SERVER_SIM, start_simulator
from test_kill_resume import read_records

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.store.store import RunDir

PROMPTS = 6


def _suite(tmp_path: Path) -> None:
    lines = ["suite: lock", "defaults: {duration: 4, ratio: '16:9'}", "prompts:"]
    lines += [
        f"  - {{id: p{i}, category: motion, text: 'A red kite number {i} over a beach'}}"
        for i in range(PROMPTS)
    ]
    (tmp_path / "suite.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _planned_run(tmp_path: Path, config: Path, env: dict[str, str]) -> Path:
    """Start a run and SIGKILL it as soon as its jobs are planned (before any create)."""
    run = subprocess.Popen(
        [sys.executable, "-m", "vidbench.cli.app", "run", str(config), "--yes"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        runs = list((tmp_path / "runs").glob("e2e-*")) if (tmp_path / "runs").exists() else []
        if runs and len([r for r in read_records(runs[0]) if r["event"] == "planned"]) == PROMPTS:
            os.kill(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
            return runs[0]
        time.sleep(0.01)
    run.kill()
    raise AssertionError("the run never planned its jobs")


@pytest.mark.slow
def test_second_concurrent_resume_is_refused_and_each_task_created_once(tmp_path: Path) -> None:
    _suite(tmp_path)
    sim, urls = start_simulator(
        "--profile", "default", cache_dir=tmp_path / "cache", entry=SERVER_SIM, startup_s=60
    )
    try:
        config = write_config(
            tmp_path,
            (
                f"  - {{id: seedance, adapter: ark, model: doubao-seedance-2-0-260128, "
                f"base_url: '{urls['ark']}',\n"
                "     api_key_env: VB_LOCK_TEST_API_KEY, max_concurrency: 2, "
                "params: {resolution: 480p}}\n"
            ),
            scorers="[conformance]",  # the lock is under test; flicker's optical flow is not
        )
        env = dict(os.environ, VB_LOCK_TEST_API_KEY=SIM_API_KEY)
        run_dir = _planned_run(tmp_path, config, env)
        resume = [
            sys.executable,
            "-m",
            "vidbench.cli.app",
            "run",
            "--resume",
            str(run_dir),
            "--yes",
        ]
        first = subprocess.Popen(
            resume, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        lock_file = run_dir / ".lock"
        deadline = time.time() + 60
        while time.time() < deadline and not (
            lock_file.exists() and str(first.pid) in lock_file.read_text(errors="replace")
        ):
            time.sleep(0.02)
        second = subprocess.run(resume, env=env, capture_output=True, text=True, timeout=120)
        out, err = first.communicate(timeout=300)
        assert first.returncode == 0, err[-2000:]
        assert second.returncode == 2, second.stderr[-2000:]
        assert f"pid {first.pid}" in second.stderr and "in use" in second.stderr
        states = RunDir(run_dir).states()
        assert all(s.final_status == "succeeded" for s in states.values())
        stats = httpx.get(urls["stats"], timeout=10).json()
        creates = sum(
            r["count"]
            for r in stats["requests"]
            if r["provider"] == "ark" and r["operation"] == "create" and r["status"] == 200
        )
        assert creates == PROMPTS
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
