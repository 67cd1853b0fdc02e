"""A run directory with real clips and journal records, for the arena tests."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pandas as pd
from factories import make_job
from report_helpers import write_tiny_mp4

from vidbench.core.store.store import RunDir

MODELS = ("alpha", "beta", "gamma")
PROMPTS = ("p-1", "p-2", "p-3")
REPO = Path(__file__).resolve().parents[2]


def make_arena_run(run_dir: Path) -> Path:
    """3 models × 3 prompts of delivered clips, a manifest, results with one metric."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "videos").mkdir(exist_ok=True)
    (run_dir / "manifest.json").write_text(json.dumps({"name": "arena"}), encoding="utf-8")
    run = RunDir(run_dir)
    rows = []
    for m, model in enumerate(MODELS):
        for prompt in PROMPTS:
            job = make_job(job_id=f"{model}__{prompt}", model_id=model, provider_model=model,
                           prompt_id=prompt, text=f"prompt {prompt} <b>bold</b>", clip_text="x",
                           duration_requested_s=1, duration_sent_s=1, resolution=None)  # fmt: skip
            path = run.video_path(job.job_id)
            write_tiny_mp4(path)
            run.journal.append("planned", job.job_id, job=job.to_dict())
            run.journal.append(
                "downloaded", job.job_id, path=f"videos/{path.name}", sha256="0" * 64
            )
            run.journal.append("finished", job.job_id, status="succeeded")
            rows.append({"job_id": job.job_id, "model": model, "judge_score": 1.0 - 0.3 * m})
    pd.DataFrame(rows).to_parquet(run_dir / "results.parquet", index=False)
    scorers = {"judge": {"outputs": {"judge_score": {"direction": "higher", "description": ""}}}}
    (run_dir / "scorers.json").write_text(json.dumps(scorers), encoding="utf-8")
    return run_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_arena(run_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`python -m vidbench.core.arena.server RUN_DIR --port PORT` in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "vidbench.core.arena.server", str(run_dir), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                message = process.stderr.read().decode() if process.stderr else "died"
                raise RuntimeError(message) from None
            time.sleep(0.1)
    process.kill()
    raise TimeoutError("arena did not start")


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no clean shutdown, as in a crash."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def arena_token(page: str) -> str:
    """The API token the arena injected into its page."""
    found = re.search(r'<meta name="arena-token" content="([A-Za-z0-9_-]+)">', page)
    assert found, "no arena token in the page"
    return found.group(1)


def arena_client(base: str) -> httpx.Client:
    """A client that behaves as the arena's own page: token header from the served page."""
    token = arena_token(httpx.get(f"{base}/").text)
    return httpx.Client(base_url=base, headers={"X-Arena-Token": token})
