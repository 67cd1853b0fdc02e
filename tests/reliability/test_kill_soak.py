"""Kill soak: a run SIGKILLed again and again at random moments ends with nothing lost or paid twice.

`vidbench sim` runs in its own process with the `flaky-create` profile (creates refused
with 429, or answered by a connection cut after the task was made); `vidbench run` is
killed with SIGKILL at a random moment of each attempt's activity, then resumed, until it
finishes. The simulator's own counters then say how many tasks were made.

Set VIDBENCH_SOAK_FIGURES=PATH to keep the figures (docs/reliability.md quotes them).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from factories import start_simulator

from vidbench.core.store.store import RunDir

MODEL = "doubao-seedance-2-0-fast-260128"
PROMPTS = 6
# A killed attempt finishes one job or more (tasks the simulator completed while the run was
# down are polled and downloaded at once), so the work must outlast MIN_KILLS with room:
# with 24 jobs the soak once ended after 19 kills (the 20th attempt completed the run).
# With 36, a trial killing without limit used the work up after 29 kills.
SAMPLES = 6
JOBS = PROMPTS * SAMPLES
MIN_KILLS = 20
KILL_WINDOW_S = 0.6  # a kill lands uniformly within this long after the attempt starts working
SOAK_DEADLINE_S = 420.0

pytestmark = [pytest.mark.slow, pytest.mark.reliability, pytest.mark.timeout(600)]


def start_sim(tmp_path: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """`vidbench sim` in its own process; its printed URLs and keys."""
    args = ("--profile", "flaky-create", "--render-scale", "0.25")
    return start_simulator(*args, cache_dir=tmp_path / "cache")


def write_inputs(tmp_path: Path, ark_url: str) -> Path:
    lines = ["suite: soak", "defaults: {duration: 4, ratio: '16:9'}", "prompts:"]
    lines += [
        f"  - {{id: p{i}, category: motion, text: 'A blue ball number {i} rolls across a lawn'}}"
        for i in range(PROMPTS)
    ]
    (tmp_path / "suite.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "soak.yaml"
    config.write_text(
        f"name: soak\nsuite: suite.yaml\nsamples: {SAMPLES}\nscorers: [conformance]\n"
        "output_dir: runs\nmodels:\n"
        f"  - {{id: seedance-fast, adapter: ark, model: {MODEL}, base_url: '{ark_url}',\n"
        "     api_key_env: VB_SOAK_API_KEY, max_concurrency: 3, params: {resolution: 480p}}\n",
        encoding="utf-8",
    )
    return config


def journal_lines(run_dir: Path | None) -> int:
    path = run_dir / "records.jsonl" if run_dir else None
    if path is None or not path.exists():
        return 0
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def find_run(tmp_path: Path) -> Path | None:
    runs = sorted((tmp_path / "runs").glob("soak-*")) if (tmp_path / "runs").exists() else []
    return runs[0] if runs else None


def attempt(
    command: list[str], env: dict[str, str], tmp_path: Path, run_dir: Path | None,
    kill: bool, rng: random.Random,
) -> tuple[int, Path | None]:  # fmt: skip
    """One `vidbench run` (or resume): SIGKILLed at a random moment of its work when `kill`."""
    before = journal_lines(run_dir)
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill:
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            run_dir = run_dir or find_run(tmp_path)
            # The first run is killed only once its whole plan is on disk.
            needed = before + (1 if before else JOBS + 1)
            if journal_lines(run_dir) >= needed:
                time.sleep(rng.uniform(0.0, KILL_WINDOW_S))
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
    try:
        _, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"exit {proc.returncode}: {stderr.decode(errors='replace')[-2000:]}")
    return proc.returncode, run_dir or find_run(tmp_path)


def sim_figures(stats_url: str) -> dict[str, Any]:
    stats = httpx.get(stats_url, timeout=10).json()
    creates = Counter(
        str(r["status"])
        for r in stats["requests"]
        if r["provider"] == "ark" and r["operation"] == "create"
        for _ in range(r["count"])
    )
    made = sum(t["count"] for t in stats["tasks_created"] if t["provider"] == "ark")
    return {"create_requests_by_status": dict(creates), "tasks_created": made}


def listed_task_ids(ark_url: str, key: str) -> set[str]:
    response = httpx.get(
        f"{ark_url}/contents/generations/tasks",
        params={"filter.model": MODEL, "page_size": 500},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    response.raise_for_status()
    return {item["id"] for item in response.json()["items"]}


def journal_figures(run_dir: Path) -> dict[str, Any]:
    records = list(RunDir(run_dir).journal.read())
    reconciled = Counter(r["outcome"] for r in records if r["event"] == "reconciled")
    return {
        "intents": sum(r["event"] == "intent" for r in records),
        "refused": sum(r["event"] == "refused" for r in records),
        "reconciled": dict(reconciled),
        "ambiguous_create": sum(
            r["event"] == "finished" and r.get("error_kind") == "ambiguous_create" for r in records
        ),
    }


def test_kill_soak_ends_with_every_job_succeeded_and_nothing_paid_twice(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("VIDBENCH_SOAK_SEED", "20261130")))
    started = time.time()
    sim, printed = start_sim(tmp_path)
    try:
        key = printed["api key (Bearer / x-goog-api-key)"]
        config = write_inputs(tmp_path, printed["ark"])
        env = dict(os.environ, VB_SOAK_API_KEY=key, VIDBENCH_CACHE=str(tmp_path / "cache"))
        cli = [sys.executable, "-m", "vidbench.cli.app", "run"]
        kills, attempts, code, run_dir = 0, 0, None, None
        while code != 0:
            assert time.time() - started < SOAK_DEADLINE_S, f"not done after {kills} kills"
            command = cli + (["--resume", str(run_dir)] if run_dir else [str(config)]) + ["--yes"]
            code, run_dir = attempt(command, env, tmp_path, run_dir, kills < MIN_KILLS, rng)
            attempts += 1
            kills += code == -signal.SIGKILL
        assert run_dir is not None
        states = RunDir(run_dir).states()
        held = {s.task_id for s in states.values() if s.task_id}
        figures = {
            "jobs": len(states),
            "kills": kills,
            "runs": attempts,
            "wall_s": round(time.time() - started, 1),
            "succeeded": sum(s.final_status == "succeeded" for s in states.values()),
            "distinct_task_ids": len(held),
            "orphans": sorted(listed_task_ids(printed["ark"], key) - held),
            **sim_figures(printed["stats"]),
            **journal_figures(run_dir),
        }
        print(json.dumps(figures, indent=2))
        if os.environ.get("VIDBENCH_SOAK_FIGURES"):
            Path(os.environ["VIDBENCH_SOAK_FIGURES"]).write_text(json.dumps(figures, indent=2))
        assert kills >= MIN_KILLS and figures["jobs"] == JOBS
        assert figures["succeeded"] == JOBS, figures
        assert figures["distinct_task_ids"] == JOBS
        assert figures["tasks_created"] == JOBS, figures  # 0 duplicate creates
        assert figures["orphans"] == []
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
