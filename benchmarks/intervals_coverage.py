"""Coverage of the report's 95% mean intervals (`reports.intervals.mean_intervals`).

For each distribution and n, draws `--reps` samples (one column each), computes the interval
the report would show for a metric with the distribution's range, and prints the share
whose interval holds the true mean, the mean width and the share given no interval.
Variants: "scale" (t and bootstrap-t on the range's logit/log scale, then clipped: what the
reports use) and "clip" (on the values' own scale, then clipped). 0/1 data get Wilson in
both. Prints a Markdown table (docs/scorers.md).

    .venv/bin/python benchmarks/intervals_coverage.py [--reps 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from vidbench.reports.intervals import mean_intervals

Sampler = Callable[[np.random.Generator, tuple[int, int]], np.ndarray]
SHARE = (0.0, 1.0)
POSITIVE = (0.0, None)

# name → (sampler, true mean, declared range)
DISTRIBUTIONS: dict[str, tuple[Sampler, float, tuple[float | None, float | None]]] = {
    "normal (3, sd 2), unbounded": (lambda r, s: r.normal(3.0, 2.0, s), 3.0, (None, None)),
    "lognormal (0, 1), ≥ 0": (lambda r, s: r.lognormal(0.0, 1.0, s), float(np.exp(0.5)), POSITIVE),
    "exponential (1), ≥ 0": (lambda r, s: r.exponential(1.0, s), 1.0, POSITIVE),
    "Bernoulli 0.5": (lambda r, s: (r.random(s) < 0.5).astype(float), 0.5, SHARE),
    "Bernoulli 0.9": (lambda r, s: (r.random(s) < 0.9).astype(float), 0.9, SHARE),
    "Bernoulli 0.98": (lambda r, s: (r.random(s) < 0.98).astype(float), 0.98, SHARE),
    "beta (3, 7): score near 0.3, [0, 1]": (lambda r, s: r.beta(3.0, 7.0, s), 0.3, SHARE),
    "share of 4 checks, P(yes) 0.3, [0, 1]": (lambda r, s: r.binomial(4, 0.3, s) / 4, 0.3, SHARE),
}
SIZES = (10, 20, 50)
CHUNK = 250  # columns per call; each call gets its own bootstrap seed


def measure(name: str, n: int, reps: int, seed: int, on_scale: bool) -> tuple[float, float, float]:
    """(coverage, mean width, share without an interval) over `reps` samples of n."""
    sampler, truth, bounds = DISTRIBUTIONS[name]
    rng = np.random.default_rng(seed)
    covered, widths, missing = [], [], []
    for chunk, start in enumerate(range(0, reps, CHUNK)):
        data = sampler(rng, (n, min(CHUNK, reps - start)))
        found = mean_intervals(data, seed=seed * 1000 + chunk, bounds=bounds, on_scale=on_scale)
        present = np.isfinite(found.low) & np.isfinite(found.high)
        covered.append(present & (found.low <= truth) & (truth <= found.high))
        widths.append(np.where(present, found.high - found.low, np.nan))
        missing.append(~present)
    return (
        float(np.concatenate(covered).mean()),
        float(np.nanmean(np.concatenate(widths))),
        float(np.concatenate(missing).mean()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    header = " | ".join(f"n = {n}: scale / clip (width)" for n in SIZES)
    print(f"| data (true mean) | {header} |")
    print("|---|" + "---|" * len(SIZES))
    for name in DISTRIBUTIONS:
        cells = []
        for n in SIZES:
            scaled = measure(name, n, args.reps, args.seed, on_scale=True)
            clipped = measure(name, n, args.reps, args.seed, on_scale=False)
            cell = f"{scaled[0]:.3f} / {clipped[0]:.3f} ({scaled[1]:.3g} / {clipped[1]:.3g})"
            if scaled[2] or clipped[2]:
                cell += f", none {scaled[2]:.1%} / {clipped[2]:.1%}"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    print(
        f"\n{args.reps} samples per cell, seed {args.seed}; {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
