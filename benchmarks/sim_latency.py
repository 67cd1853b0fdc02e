"""Simulated latency idle and beside CPU burners: does it measure the simulator or the CPU?

Generates the same config twice with a cold render cache each time (an in-process simulator,
as `vidbench run` does for `simulate:` models): once as the machine is, once while N
processes spin on the CPU (default 2, one per core here). Every task is fixed at 3 s
(queue 0.5 s + run 2.5 s) and renders a 720p 4 s clip. Prints the latency p50 of each
run, their ratio, and the p50 with the render overrun counted in (what latency measured
before the overrun was recorded apart).

    .venv/bin/python benchmarks/sim_latency.py [--jobs 16] [--burners 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from vidbench.core.config.config import load_config
from vidbench.core.run.pipeline import create_run, prepare, run_generation
from vidbench.core.run.results import row_for
from vidbench.core.sim.profiles import PROFILES, Profile

PROFILE = Profile("fixed-3s", "fixed 3 s", queue_s=(0.5, 0.0), run_s=(2.5, 0.0))


def write_config(folder: Path, jobs: int) -> Path:
    lines = [
        f"  - {{id: p{i}, category: motion, text: 'A blue ball number {i} rolls on a lawn'}}"
        for i in range(jobs)
    ]
    head = "suite: s\ndefaults: {duration: 4, ratio: '16:9'}\nprompts:\n"
    (folder / "suite.yaml").write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    config = folder / "c.yaml"
    config.write_text(
        "name: lat\nsuite: suite.yaml\nscorers: [conformance]\noutput_dir: runs\nmodels:\n"
        f"  - {{id: m, adapter: ark, model: doubao-seedance-2-0-260128, simulate: {PROFILE.name},"
        f" max_concurrency: {jobs},\n     params: {{resolution: 720p, generate_audio: true}}}}\n",
        encoding="utf-8",
    )
    return config


def generate(config: Path, cache: Path) -> list[dict[str, Any]]:
    """Results rows of one generation with an empty render cache at `cache`."""
    os.environ["VIDBENCH_CACHE"] = str(cache)
    loaded = load_config(config)
    run_id = f"lat-{cache.name}"
    suite, plan = prepare(loaded, run_id=run_id)
    run = create_run(loaded, suite, plan, run_id, loaded.output_dir, {})
    run_generation(run, loaded)
    return [row_for(state, run) for state in run.states().values()]


def summary(rows: list[dict[str, Any]]) -> tuple[float, float, int]:
    """(latency p50, p50 with the overrun counted in, clips whose render overran)."""
    done = [r for r in rows if r["status"] == "succeeded"]
    overruns = [r["sim_render_overrun_s"] or 0.0 for r in done]
    p50 = statistics.median(r["latency_s"] for r in done)
    with_overrun = statistics.median(
        r["latency_s"] + o for r, o in zip(done, overruns, strict=True)
    )
    return p50, with_overrun, sum(1 for o in overruns if o > 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--burners", type=int, default=2)
    args = parser.parse_args()
    PROFILES[PROFILE.name] = PROFILE
    with tempfile.TemporaryDirectory(prefix="vidbench-simlat-") as tmp:
        folder = Path(tmp)
        config = write_config(folder, args.jobs)
        print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
        idle = summary(generate(config, folder / "idle"))
        spin = [sys.executable, "-c", "while True: pass"]
        burners = [subprocess.Popen(spin) for _ in range(args.burners)]
        time.sleep(0.5)
        try:
            loaded = summary(generate(config, folder / "loaded"))
        finally:
            for proc in burners:
                proc.kill()
                proc.wait()
    for name, (p50, with_overrun, late) in (("idle", idle), ("loaded", loaded)):
        print(
            f"{name:7s} latency p50 {p50:.2f} s; with the render overrun counted in "
            f"{with_overrun:.2f} s; {late}/{args.jobs} renders late"
        )
    print(f"p50 loaded / idle: {loaded[0] / idle[0]:.3f} (target within 0.90-1.10)")
    print(f"  (overrun counted in: {loaded[1] / idle[1]:.3f})")


if __name__ == "__main__":
    main()
