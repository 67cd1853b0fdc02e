"""A run killed with SIGKILL mid-way resumes without paying twice.

The simulator runs as its own process (it survives the killed run and keeps counting);
the run is a real `vidbench run` subprocess.
"""

from __future__ import annotations

import contextlib
import json
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

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.store.store import RunDir

PROMPTS = 6


def read_records(run_dir: Path) -> list[dict]:
    path = run_dir / "records.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            out.append(json.loads(line))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
def test_interrupted_run_resumes_and_creates_each_task_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    suite = tmp_path / "suite.yaml"
    lines = ["suite: kill", "defaults: {duration: 4, ratio: '16:9'}", "prompts:"]
    lines += [
        f"  - {{id: p{i}, category: motion, text: 'A blue ball number {i} rolls across a lawn'}}"
        for i in range(PROMPTS)
    ]
    suite.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sim, urls = start_simulator(
        "--profile", "default", cache_dir=tmp_path / "cache", entry=SERVER_SIM, startup_s=60
    )
    try:
        # Conformance only: this test is about tasks created once, and flicker's optical flow
        # (most of a resumed run's CPU) checks nothing here.
        config = write_config(
            tmp_path,
            (
                f"  - {{id: seedance, adapter: ark, model: doubao-seedance-2-0-260128, base_url: '{urls['ark']}',\n"
                "     api_key_env: VB_KILL_TEST_API_KEY, max_concurrency: 3, params: {resolution: 480p}}\n"
            ),
            scorers="[conformance]",
        )
        env = dict(os.environ, VB_KILL_TEST_API_KEY=SIM_API_KEY)
        run = subprocess.Popen(
            [sys.executable, "-m", "vidbench.cli.app", "run", str(config), "--yes"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        run_dir = None
        deadline = time.time() + 120
        killed_with_work_left = False
        while time.time() < deadline and run.poll() is None:
            runs = list((tmp_path / "runs").glob("e2e-*")) if (tmp_path / "runs").exists() else []
            if runs:
                run_dir = runs[0]
                records = read_records(run_dir)
                submitted = {r["job_id"] for r in records if r["event"] == "submitted"}
                intents = {r["job_id"] for r in records if r["event"] == "intent"}
                finished = {r["job_id"] for r in records if r["event"] == "finished"}
                # Kill while tasks are in flight and no create is half-recorded.
                if submitted and intents == submitted and len(finished) < PROMPTS:
                    os.kill(run.pid, sig)
                    killed_with_work_left = True
                    break
            time.sleep(0.02)
        run.wait(timeout=30)
        assert killed_with_work_left, "the run finished before it could be killed"
        assert run_dir is not None
        before = read_records(run_dir)
        if sig == signal.SIGKILL:
            assert run.returncode == -signal.SIGKILL
        else:
            assert run.returncode == 4, run.stderr.read() if run.stderr else ""
            assert any(r["event"] == "interrupted" for r in before)
        unfinished = PROMPTS - len({r["job_id"] for r in before if r["event"] == "finished"})
        assert unfinished > 0

        resumed = subprocess.run(
            [sys.executable, "-m", "vidbench.cli.app", "run", "--resume", str(run_dir), "--yes"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        states = RunDir(run_dir).states()
        assert len(states) == PROMPTS
        assert all(s.final_status is not None for s in states.values())
        assert not [s for s in states.values() if s.final_status == "errored"]
        stats = httpx.get(urls["stats"], timeout=10).json()
        creates = sum(
            r["count"]
            for r in stats["requests"]
            if r["provider"] == "ark" and r["operation"] == "create" and r["status"] == 200
        )
        assert creates == PROMPTS
        task_ids = [s.task_id for s in states.values()]
        assert len(set(task_ids)) == PROMPTS
        # The key came from the environment and is written nowhere.
        for path in run_dir.rglob("*"):
            if path.is_file() and path.suffix in (".json", ".jsonl", ".md", ".html", ".csv"):
                assert SIM_API_KEY not in path.read_text(encoding="utf-8", errors="replace"), path
        assert "VB_KILL_TEST_API_KEY" in (run_dir / "manifest.json").read_text(encoding="utf-8")
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
