"""Faithful local simulators of the provider APIs, served over real HTTP on loopback."""

import os
from pathlib import Path

# Credentials the simulators accept; the runner uses them for `simulate:` models.
SIM_API_KEY = "sim-key"
SIM_ACCESS_KEY = "sim-access"
SIM_SECRET_KEY = "sim-secret-0123456789abcdef"
# On a download answer: seconds it waited for the clip's render after the task was done
# (this machine's CPU, not the simulated provider's latency); the runner records it apart.
OVERRUN_HEADER = "x-sim-render-overrun-s"
# On every answer of a vidbench simulator: a run pointed at one by `base_url` is simulated.
SIMULATOR_HEADER = "x-vidbench-simulator"


def default_cache_dir() -> Path:
    """Where simulator renders are cached across runs."""
    return (
        Path(os.environ.get("VIDBENCH_CACHE", Path.home() / ".cache" / "vidbench")) / "sim-renders"
    )
