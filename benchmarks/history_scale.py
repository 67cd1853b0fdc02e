"""History at scale (run by benchmarks/history.py after its plant-and-detect part, or alone):
1,000 synthetic runs (5 models x 10 metrics, 20 prompts each) read in place.

Prints the time of each part: reading every results.parquet and manifest.json (one pyarrow read each)
into the run x model x metric table, change points and drift over the 999 steps, the gate
(newest vs pinned run) and the trend plots. The project's target: history over 1,000 runs in
seconds. One drop is planted (model-3, metric_4, from run 700) and one price change
(model-1 from run 400); the script says whether exactly those were found.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

# Run as a script, this file's folder comes first on sys.path and benchmarks/reports.py would
# shadow the `reports` package; drop that entry before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from vidbench.reports.history import load_history  # noqa: E402
from vidbench.reports.history_changes import find_changes  # noqa: E402
from vidbench.reports.history_gate import gate  # noqa: E402
from vidbench.reports.history_report import trend_plots  # noqa: E402

T = TypeVar("T")
MODELS = [f"model-{i}" for i in range(5)]
METRICS = [f"metric_{i}" for i in range(10)]
PROMPTS = 20
DROP = ("model-3", "metric_4", 700)
PRICE_CHANGE = ("model-1", 400)
START = datetime(2026, 1, 1, tzinfo=UTC)


def write_runs(root: Path, n_runs: int, seed: int = 0) -> None:
    """n_runs run directories: results.parquet, manifest.json and scorers.json each."""
    rng = np.random.default_rng(seed)
    prompt_effect = rng.normal(0, 0.05, (len(MODELS), len(METRICS), PROMPTS))
    scorers = {
        "synthetic": {"outputs": {m: {"direction": "higher"} for m in METRICS}, "available": True}
    }
    keys = pd.MultiIndex.from_product([MODELS, range(PROMPTS)], names=["model", "prompt"])
    for index in range(n_runs):
        run_dir = root / f"nightly-{index:04d}"
        run_dir.mkdir(parents=True)
        values = 0.8 + prompt_effect + rng.normal(0, 0.01, prompt_effect.shape)
        if index >= DROP[2]:
            values[MODELS.index(DROP[0]), METRICS.index(DROP[1])] -= 0.05
        table = pd.DataFrame(index=keys).reset_index()
        table["prompt_id"] = "p-" + table.pop("prompt").astype(str)
        table["sample"], table["status"], table["usable"] = 0, "succeeded", True
        table["latency_s"] = 40.0 * rng.lognormal(0, 0.2, len(table))
        table["cost_usd"] = 0.3 * (1 + np.tile(np.arange(PROMPTS), len(MODELS)) / 100)
        for j, metric in enumerate(METRICS):
            table[metric] = values[:, j, :].reshape(-1)
        table.to_parquet(run_dir / "results.parquet", index=False)
        prices = {m: {"usd_per_clip": 0.3} for m in MODELS}
        if index >= PRICE_CHANGE[1]:
            prices[PRICE_CHANGE[0]] = {"usd_per_clip": 0.35}
        manifest = {
            "run_id": run_dir.name,
            "created_at": (START + timedelta(hours=6 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "suite": {"name": "core", "sha256": "c" * 64},
            "prices": prices,
        }
        (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        (run_dir / "scorers.json").write_text(json.dumps(scorers), encoding="utf-8")


class Clock:
    """Wall and CPU time of each part (CPU time is what a busy shared machine cannot inflate)."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, float, float]] = []
        self.lines: list[str] = []

    def time(self, name: str, work: Callable[[], T]) -> T:
        """Run `work`, record its wall and CPU seconds, return its result."""
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.parts.append((name, wall, cpu))
        self.lines.append(f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU")
        return result


def main() -> None:
    """Write the runs, time each part of the history, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        write_runs(root, args.runs)
        print(f"wrote {args.runs} runs in {time.perf_counter() - started:.1f} s (not timed below)")
        clock = Clock()
        history = clock.time("read (pyarrow, one file each)", lambda: load_history([root]))
        changes, drifts = clock.time("change points + drift", lambda: find_changes(history))
        first = str(history.runs["run"].iloc[0])
        gates = clock.time("gate", lambda: gate(history, {"core": first}))
        plots = clock.time("trend plots", lambda: trend_plots(history, root / "plots"))
    print(
        f"table: {len(history.table):,} rows (run x model x metric) from {len(history.runs)} runs"
    )
    for line in clock.lines:
        print(line)
    wall = sum(w for name, w, _ in clock.parts if name != "trend plots")
    cpu = sum(c for name, _, c in clock.parts if name != "trend plots")
    print(f"history without plots: {wall:.2f} s wall, {cpu:.2f} s CPU ({len(plots)} plots extra)")
    found = sorted({(c.model, c.metric, c.after_run, c.kind) for c in changes})
    print(f"change points: {found}")
    print(f"drift: {[(d.model, d.kind, d.after_run) for d in drifts]}")
    print(f"gate regressions: {[(c.model, c.metric) for g in gates for c, _ in g.regressions]}")
    expected = {(DROP[0], DROP[1], f"nightly-{DROP[2]:04d}", "regression")}
    exact = set(found) == expected and [(d.model, d.kind) for d in drifts] == [
        (PRICE_CHANGE[0], "price")
    ]
    print(f"found exactly the planted drop and price change: {exact}")


if __name__ == "__main__":
    main()
