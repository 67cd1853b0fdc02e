"""What many tests build: a planned Job, its `planned` record, a simulator in its own process.

Import as `from factories import make_job` (tests/ is on sys.path through tests/conftest.py).
A test names the fields it depends on and leaves the rest to the defaults here, so a new
Job field is added in one place.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from vidbench.core.store.jobs import Job

JOB_DEFAULTS: dict[str, Any] = {
    "job_id": "m__p__s0",
    "model_id": "m",
    "adapter": "ark",
    "provider_model": "doubao-seedance-2-0-260128",
    "simulated": True,
    "prompt_id": "p",
    "category": "motion",
    "lang": "en",
    "sample": 0,
    "text": "a red ball",
    "duration_requested_s": 4,
    "duration_sent_s": 4,
    "ratio": "16:9",
    "resolution": "720p",
    "audio": False,
}
CLI_SIM = ("vidbench.cli.app", "sim")  # `vidbench sim`
SERVER_SIM = ("vidbench.core.sim.server",)  # `python -m vidbench.core.sim.server`


def make_job(**fields: Any) -> Job:
    """A planned Job: the defaults above with `fields` on top (`clip_text` follows `text`)."""
    values = {**JOB_DEFAULTS, **fields}
    values.setdefault("clip_text", values["text"])
    return Job(**values)


def planned_record(job: Job, ts: float = 0.0) -> dict[str, Any]:
    """The journal's `planned` record of `job`, as `fold_records` reads it."""
    return {"ts": ts, "event": "planned", "job_id": job.job_id, "job": job.to_dict()}


def start_simulator(
    *args: str,
    cache_dir: Path | None = None,
    entry: tuple[str, ...] = CLI_SIM,
    startup_s: float = 90.0,
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The simulators in a process of their own on a free port (`--port 0` plus `args`).

    Returns the process and what it printed, name → value, up to its `stats` line (one line
    per simulated adapter first). `cache_dir` becomes its VIDBENCH_CACHE. The caller stops it.
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env["VIDBENCH_CACHE"] = str(cache_dir)
    command = [sys.executable, "-m", *entry, "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    printed: dict[str, str] = {}
    assert process.stdout is not None
    deadline = time.time() + startup_s
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        key, _, value = line.strip().partition(": ")
        printed[key] = value
        if key == "stats":
            return process, printed
    process.kill()
    process.wait(timeout=10)
    raise AssertionError(f"simulator did not start: {printed}")
