"""Arena ratings with ties: Davidson's model against ties counted as half wins.

Planted strengths (5 models, 250 … −230 Elo-like points) and a tie parameter ν; votes drawn
from Davidson's model (random pairs). For each setting, over `--arenas` arenas: coverage of
the planted (centred) ratings by the 95% bootstrap intervals of each fit, the slope of the
fitted against the planted ratings, and the coverage of ν by Davidson's interval.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and benchmarks/reports.py would
# shadow the `reports` package; drop that entry before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from vidbench.reports.bradley_terry import ELO_SCALE, Outcome, fit_ratings  # noqa: E402
from vidbench.reports.davidson import fit_davidson_ratings  # noqa: E402

PLANTED = {"alpha": 250.0, "bravo": 100.0, "charlie": 0.0, "delta": -120.0, "echo": -230.0}


def votes(rng: np.random.Generator, count: int, nu: float) -> list[Outcome]:
    """`count` votes between random pairs, drawn from Davidson's model."""
    names = list(PLANTED)
    log_s = np.array([PLANTED[m] for m in names]) * math.log(10) / ELO_SCALE
    pairs = np.array([rng.choice(len(names), 2, replace=False) for _ in range(count)])
    s_a, s_b = np.exp(log_s[pairs[:, 0]]), np.exp(log_s[pairs[:, 1]])
    tie = nu * np.sqrt(s_a * s_b)
    draw = rng.random(count) * (s_a + s_b + tie)
    scores = np.where(draw < s_a, 1.0, np.where(draw < s_a + tie, 0.5, 0.0))
    return [Outcome(names[a], names[b], float(s)) for (a, b), s in zip(pairs, scores, strict=True)]


def main() -> None:
    """Print coverage and slope per setting."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arenas", type=int, default=200)
    args = parser.parse_args()
    names = sorted(PLANTED)
    planted = np.array([PLANTED[m] for m in names])
    want = 1000 + planted - planted.mean()
    print(f"{args.arenas} arenas per row, 5 models, 95% bootstrap intervals (400 draws)")
    print("votes  nu    Davidson: cover  slope  nu cover   half-win: cover  slope")
    started = time.perf_counter()
    for count, nu in ((400, 0.8), (400, 2.0), (1500, 0.8)):
        rng = np.random.default_rng([count, int(nu * 10)])
        cover = {"d": 0, "h": 0}
        slopes: dict[str, list[float]] = {"d": [], "h": []}
        nu_cover = 0
        for arena in range(args.arenas):
            drawn = votes(rng, count, nu)
            davidson = fit_davidson_ratings(drawn, seed=arena)
            nu_cover += davidson.nu_low <= nu <= davidson.nu_high
            for key, fit in (("d", davidson.ratings), ("h", fit_ratings(drawn, seed=arena))):
                low = np.array([fit.low[m] for m in names])
                high = np.array([fit.high[m] for m in names])
                cover[key] += int(np.sum((low <= want) & (want <= high)))
                got = [fit.rating[m] for m in names]
                slopes[key].append(float(np.polyfit(planted, got, 1)[0]))
        total = 5 * args.arenas
        print(
            f"{count:>5}  {nu:<4}  {cover['d'] / total:>15.3f}  {np.mean(slopes['d']):.3f}  "
            f"{nu_cover / args.arenas:>8.3f}   {cover['h'] / total:>15.3f}  "
            f"{np.mean(slopes['h']):.3f}"
        )
    print(f"{time.perf_counter() - started:.0f} s wall")


if __name__ == "__main__":
    main()
