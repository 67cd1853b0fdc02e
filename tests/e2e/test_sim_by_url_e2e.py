"""A run pointed at a running simulator by `base_url` (no `simulate:`) is marked simulated in
results, manifest, report and console, because the simulator says so in a header; and its
queue time is the provider's own figure (Replicate's created_at -> started_at)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from e2e_helpers import write_config

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer

QUEUE_S = 1.0
PROFILES = {"slow-start": Profile("slow-start", "queued 1 s", queue_s=(QUEUE_S, 0.0), run_s=(0.3, 0.0))}  # fmt: skip


@pytest.fixture
def server() -> Iterator[SimServer]:
    settings = {"replicate": {"render_scale": 0.25}}
    with SimServer(default_profile="slow-start", profiles=PROFILES, settings=settings) as srv:
        yield srv


def test_run_by_base_url_is_marked_simulated_with_provider_queue_time(
    server: SimServer, tmp_path: Path, small_suite: Path
) -> None:
    config = write_config(
        tmp_path,
        f"  - {{id: seedance-replicate, adapter: replicate, model: bytedance/seedance-2.0, "
        f"base_url: '{server.base_url('replicate')}', api_key_env: REPLICATE_API_TOKEN, "
        f"price: {{usd_per_second: 0.1}}, params: {{resolution: 480p}}}}\n",
        scorers="[conformance]",
    )
    env = dict(os.environ, REPLICATE_API_TOKEN=SIM_API_KEY)
    done = subprocess.run(
        [sys.executable, "-m", "vidbench", "run", str(config), "--yes"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "simulated models" in done.stdout
    run_dir = next((tmp_path / "runs").iterdir())
    df = pd.read_parquet(run_dir / "results.parquet")
    succeeded = df[df["status"] == "succeeded"]
    assert len(succeeded) == 3 and bool(df["simulated"].all())
    assert succeeded["queue_s"].tolist() == pytest.approx([QUEUE_S] * 3, abs=0.01)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "seedance-replicate" in manifest["simulated_models"]
    assert "seedance-replicate (sim)" in (run_dir / "report.md").read_text()
