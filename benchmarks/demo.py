"""The offline demo from cold: wall time, CPU and where the time went, in one run.

Runs `vidbench demo` in a fresh process with an empty render cache (`VIDBENCH_CACHE` in a
temporary folder), then reads the run directory's journal for the stage boundaries:
generation (first record → last `finished`), scoring (→ last `scored`), report (→
report.html written). CPU is the child process's user + system time. Target in
docs/performance.md: ≤ 60 s.

    .venv/bin/python benchmarks/demo.py [--sample N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def stage_times(run_dir: Path) -> dict[str, float]:
    """Seconds from the run's first record to the end of each stage."""
    stamps: dict[str, float] = {}
    first = None
    for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        first = record["ts"] if first is None else first
        stamps[record["event"]] = record["ts"]
    assert first is not None, "empty journal"
    report = (run_dir / "report.html").stat().st_mtime
    return {
        "generation": stamps.get("finished", first) - first,
        "scoring": stamps.get("scored", first) - first,
        "report": report - first,
    }


def run_demo(out: Path, sample: int | None) -> tuple[float, float, Path]:
    """(wall s, child CPU s, run directory) of one cold `vidbench demo`."""
    env = dict(os.environ, VIDBENCH_CACHE=str(out / "cache"))
    command = [sys.executable, "-m", "vidbench.cli.app", "demo", "--out", str(out / "runs")]
    if sample is not None:
        command += ["--sample", str(sample)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (run_dir,) = sorted((out / "runs").iterdir())
    return wall_s, cpu_s, run_dir


def latency_lines(run_dir: Path) -> list[str]:
    """Per model: latency p50 and the simulator's render overrun left out of it (issue 27.1)."""
    import pandas as pd

    rows = pd.read_parquet(run_dir / "results.parquet")
    done = rows[rows["status"] == "succeeded"]
    lines = []
    for model, group in done.groupby("model"):
        overrun = group["sim_render_overrun_s"].fillna(0.0)
        lines.append(
            f"  {model}: latency p50 {group['latency_s'].median():.2f} s; render overrun left "
            f"out: {int((overrun > 0).sum())}/{len(group)} clips, up to {overrun.max():.2f} s"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="Only N prompts.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidbench-demo-bench-") as tmp:
        wall_s, cpu_s, run_dir = run_demo(Path(tmp), args.sample)
        ends = stage_times(run_dir)
        clips = len(list((run_dir / "videos").glob("*.mp4")))
        latencies = latency_lines(run_dir)
    print(f"cold demo: {wall_s:.1f} s wall, {cpu_s:.1f} s CPU ({clips} clips scored)")
    print(
        f"  generation ends at {ends['generation']:.1f} s, scoring at {ends['scoring']:.1f} s "
        f"({ends['scoring'] - ends['generation']:.1f} s), report at {ends['report']:.1f} s "
        f"({ends['report'] - ends['scoring']:.1f} s); the rest is start-up"
    )
    print(f"  target <= 60 s: {wall_s / 60.0:.2f}x of it")
    print("\n".join(latencies))


if __name__ == "__main__":
    main()
