"""The offline demo from cold: wall time, CPU and where the time went, in one run.

Runs `vidbench demo` in a fresh process with an empty render cache (`VIDBENCH_CACHE` in a
temporary folder), then reads the run directory's journal for the stage boundaries:
generation (first record → last `finished`), scoring (→ last `scored`), report (→
report.html written). CPU is the child process's user + system time. Target in
docs/performance.md: ≤ 60 s.

`--baseline TREE` runs the demo from another source tree too (an extracted older commit:
`git archive COMMIT | tar -x -C TREE`), alternating with this checkout (or `--tree`, another
extracted commit) for `--rounds` rounds, and prints each round's ratio and which scored values
differ: on a shared machine only figures measured side by side compare. Both run the measured
tree's demo config unless `--own-config` is given.

    .venv/bin/python benchmarks/demo.py [--full] [--sample N] [--baseline TREE [--tree TREE] --rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


@dataclass
class DemoRun:
    """One cold demo's figures."""

    label: str
    wall_s: float
    cpu_s: float
    exit_code: int
    ends: dict[str, float]
    clips: int
    distinct_clips: int
    scores: dict[str, dict[str, object]]  # job id → scorer → values (for the comparison)
    files: dict[str, str]  # job id → sha256 of its video
    latencies: list[str]


def stage_times(run_dir: Path) -> dict[str, float]:
    """Seconds from the run's first record to the end of each stage (and the first score)."""
    stamps: dict[str, float] = {}
    first = None
    first_scored = None
    for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        first = record["ts"] if first is None else first
        stamps[record["event"]] = record["ts"]
        if record["event"] == "scored" and first_scored is None:
            first_scored = record["ts"]
    assert first is not None, "empty journal"
    report = run_dir / "report.html"
    return {
        "generation": stamps.get("finished", first) - first,
        "first_score": (first_scored or first) - first,
        "scoring": stamps.get("scored", first) - first,
        "report": (report.stat().st_mtime if report.is_file() else first) - first,
    }


def journal_facts(run_dir: Path) -> tuple[dict[str, str], dict[str, dict[str, object]]]:
    """(job id → sha256 of its video, job id → scorer → last values)."""
    files: dict[str, str] = {}
    scores: dict[str, dict[str, object]] = {}
    for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["event"] == "downloaded":
            files[record["job_id"]] = record["sha256"]
        elif record["event"] == "scored":
            scores.setdefault(record["job_id"], {})[record["scorer"]] = record["values"]
    return files, scores


def run_demo(
    out: Path, sample: int | None, tree: Path, config: Path | None, full: bool = False
) -> DemoRun:
    """One cold `vidbench demo` (`--full`: nine models) from the source tree `tree` (its `src/`
    first on the path); with `config`, that file is the tree's demo config and played as it."""
    env = dict(os.environ, VIDBENCH_CACHE=str(out / "cache"))
    env["PYTHONPATH"] = os.pathsep.join([str(tree / "src"), env.get("PYTHONPATH", "")])
    if config is not None:  # the same demo config for both trees
        shutil.copy(config, tree / "configs" / "demo.yaml")
    command = [sys.executable, "-m", "vidbench.cli.app", "demo", "--out", str(out / "runs")]
    if sample is not None:
        command += ["--sample", str(sample)]
    if full and config is None:
        command.append("--full")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL, cwd=out)
    wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (run_dir,) = sorted((out / "runs").iterdir())
    files, scores = journal_facts(run_dir)
    latencies = latency_lines(run_dir) if (run_dir / "results.parquet").is_file() else []
    return DemoRun(
        str(tree), wall_s, cpu_s, done.returncode, stage_times(run_dir), len(files),
        len(set(files.values())), scores, files, latencies,
    )  # fmt: skip


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


def print_run(run: DemoRun) -> None:
    """The figures of one run."""
    ends = run.ends
    print(
        f"cold demo ({run.label}): {run.wall_s:.1f} s wall, {run.cpu_s:.1f} s CPU "
        f"({run.clips} clips scored, {run.distinct_clips} distinct files; exit {run.exit_code})"
    )
    print(
        f"  generation ends at {ends['generation']:.1f} s, first score at "
        f"{ends['first_score']:.1f} s, scoring ends at {ends['scoring']:.1f} s "
        f"({ends['scoring'] - ends['generation']:.1f} s after generation), report at "
        f"{ends['report']:.1f} s ({ends['report'] - ends['scoring']:.1f} s); the rest is start-up"
    )
    print(
        f"  target <= 60 s: {run.wall_s / 60.0:.2f}x of it; load average {os.getloadavg()[0]:.1f}"
    )


def score_differences(old: DemoRun, new: DemoRun) -> list[str]:
    """Per scorer output, on the jobs whose video is the same file in both runs: how many
    clips' values differ, and by how much at most (numbers)."""
    same = [job for job, sha in new.files.items() if old.files.get(job) == sha]
    differing: dict[str, list[float]] = {}
    for job_id in same:
        before, after = old.scores.get(job_id, {}), new.scores.get(job_id, {})
        for scorer, values in after.items():
            previous = dict(before.get(scorer) or {})  # type: ignore[call-overload]
            for key, value in dict(values).items():  # type: ignore[call-overload]
                if previous.get(key) == value:
                    continue
                was = previous.get(key)
                numbers = isinstance(value, int | float) and isinstance(was, int | float)
                gap = abs(float(value) - float(was)) if numbers else float("nan")
                differing.setdefault(f"{scorer}.{key}", []).append(gap)
    lines = [
        f"  same video file for {len(same)} of {len(new.files)} jobs; on those:",
        *(
            f"    {name}: {len(gaps)} clips differ, by up to {max(gaps):.4g}"
            for name, gaps in sorted(differing.items())
        ),
    ]
    return lines if differing else [*lines, "    every scored value is equal"]


def one_run(sample: int | None, tree: Path, config: Path | None, full: bool = False) -> DemoRun:
    with tempfile.TemporaryDirectory(prefix="vidbench-demo-bench-") as tmp:
        return run_demo(Path(tmp), sample, tree, config, full)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="Only N prompts.")
    parser.add_argument("--full", action="store_true", help="The nine-model demo (demo-full).")
    parser.add_argument("--baseline", type=Path, default=None, help="Another source tree.")
    parser.add_argument(
        "--tree", type=Path, default=HERE, help="The tree measured (default: here)."
    )
    parser.add_argument("--rounds", type=int, default=1, help="Rounds of baseline, this tree.")
    parser.add_argument(
        "--own-config", action="store_true", help="Each tree runs its own configs/demo.yaml."
    )
    args = parser.parse_args()
    tree = args.tree.resolve()
    if args.baseline is None:
        run = one_run(args.sample, tree, None, args.full)
        print_run(run)
        print("\n".join(run.latencies))
        return
    config = (
        None
        if args.own_config
        else tree / "configs" / ("demo-full.yaml" if args.full else "demo.yaml")
    )
    for round_number in range(1, args.rounds + 1):
        old = one_run(args.sample, args.baseline.resolve(), config)
        new = one_run(args.sample, tree, None, args.full)
        print(f"round {round_number}:")
        print_run(old)
        print_run(new)
        print(
            f"  this tree / baseline: wall {new.wall_s / old.wall_s:.2f}x, "
            f"CPU {new.cpu_s / old.cpu_s:.2f}x"
        )
        print("\n".join(score_differences(old, new)))


if __name__ == "__main__":
    main()
