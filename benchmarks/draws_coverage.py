"""Coverage of the report's two draws intervals (issue 24.5), measured by simulation.

Each rep draws a suite: `--prompts` prompts whose usable probability p_i ~ Beta(α, β), each
drawn `--samples` times (Binomial(samples, p_i) usable clips); `reports.draws.draw_stats`
then gives, per model, both figures with their 95% intervals:

- draws per usable clip, 1 / pooled rate, interval = the Wilson interval inverted. Its target
  is 1 / mean(p_i) of the suite's own prompts (what a budget for this suite needs) and, across
  suites, 1 / E[p];
- expected draws for one usable clip of a given prompt, E[1/p] under the beta-binomial fit,
  interval = percentile bootstrap over prompts. Its target is (α + β − 1)/(α − 1), E[1/p]
  over the population of prompts, and for the suite's own prompts mean(1 / p_i).

Prints one row per (setting, prompts, samples): the share of reps whose interval holds each
target. Coverage is a proportion over `--reps` reps: its standard error is about
sqrt(.95 · .05 / reps) (.015 at 200 reps).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, this folder comes first on sys.path and benchmarks/reports.py would shadow
# the `reports` package; drop that entry before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from vidbench.reports.draws import draw_stats  # noqa: E402

# (name, α, β): usable rate .5 spread wide, .8 moderately spread, .8 nearly alike. α > 1 so
# E[1/p] is finite.
SETTINGS = (("Beta(2,2)", 2.0, 2.0), ("Beta(8,2)", 8.0, 2.0), ("Beta(40,10)", 40.0, 10.0))


def one_suite(rng: np.random.Generator, alpha: float, beta: float, prompts: int, samples: int):  # type: ignore[no-untyped-def]
    """(results table, the suite's p_i) for one simulated model."""
    p = rng.beta(alpha, beta, prompts)
    usable = rng.random((prompts, samples)) < p[:, None]
    rows = [
        {"model": "m", "prompt_id": f"p{i}", "sample": s, "status": "succeeded",
         "usable": bool(usable[i, s]), "cost_usd": 0.5}
        for i in range(prompts) for s in range(samples)
    ]  # fmt: skip
    return pd.DataFrame(rows), p


def coverage_row(alpha: float, beta: float, prompts: int, samples: int, reps: int, seed: int) -> dict[str, float]:  # fmt: skip
    rng = np.random.default_rng(seed)
    population_pooled = 1.0 / (alpha / (alpha + beta))
    population_prompt = (alpha + beta - 1.0) / (alpha - 1.0)
    held = {"pooled_suite": 0, "pooled_population": 0, "prompt_suite": 0, "prompt_population": 0}
    for _ in range(reps):
        table, p = one_suite(rng, alpha, beta, prompts, samples)
        (stats,) = draw_stats(table)
        inside = lambda value, low, high: low <= value <= high  # noqa: E731
        lo, hi = stats.draws_per_usable_low, stats.draws_per_usable_high
        held["pooled_suite"] += inside(1.0 / p.mean(), lo, hi)
        held["pooled_population"] += inside(population_pooled, lo, hi)
        lo, hi = stats.prompt_draws_low, stats.prompt_draws_high
        held["prompt_suite"] += inside(float(np.mean(1.0 / p)), lo, hi)
        held["prompt_population"] += inside(population_prompt, lo, hi)
    return {key: count / reps for key, count in held.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--shapes", default="20x3,10x3,40x2", help="prompts x samples, comma-separated")  # fmt: skip
    args = parser.parse_args()
    shapes = [tuple(int(v) for v in shape.split("x")) for shape in args.shapes.split(",")]
    print(f"### Draws intervals: coverage of the nominal 95% ({args.reps} reps per row)\n")
    print("| prompts p_i | prompts × samples | per usable clip: suite | per usable clip: population"
          " | given prompt: suite | given prompt: population |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    started = time.perf_counter()
    for name, alpha, beta in SETTINGS:
        for prompts, samples in shapes:
            row = coverage_row(alpha, beta, prompts, samples, args.reps, args.seed)
            print(f"| {name} | {prompts} × {samples} | {row['pooled_suite']:.3f} | "
                  f"{row['pooled_population']:.3f} | {row['prompt_suite']:.3f} | "
                  f"{row['prompt_population']:.3f} |", flush=True)  # fmt: skip
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
