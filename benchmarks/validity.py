"""Do the statistics mean what they say? Type-I error and power at the stated change.

Prints Markdown tables (docs/scorers.md quotes them):
- type-I error of the paired signed-rank test with k = 2…25 non-zero differences among
  max(20, k) pairs, |d| on six levels (ties), random signs;
- power at the stated smallest detectable change: signed-rank (scipy's test on normal
  differences) and exact McNemar (simulated pairs);
(The draws intervals' coverage is benchmarks/draws_coverage.py, Davidson's ties
benchmarks/davidson.py.)
`--write-table` regenerates reports/power_table.py (seeded; the same file every time).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path; drop it (see reports.py).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from scipy import stats as scipy_stats  # noqa: E402

from vidbench.reports.pairwise import paired_test_p_value  # noqa: E402
from vidbench.reports.power import detectable_mean_change, detectable_rate_change  # noqa: E402
from vidbench.reports.power_exact import table_source  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TABLE_FILE = ROOT / "reports" / "power_table.py"


def type_one_table(draws: int, seed: int = 24) -> str:
    """Markdown: rejection rate at α = .05 under the null, per number of non-zero differences."""
    rng = np.random.default_rng(seed)
    lines = ["| non-zero k | pairs | type-I (α = .05) |", "|---:|---:|---:|"]
    for k in range(2, 26):
        pairs = max(20, k)
        rejected = 0
        for _ in range(draws):
            diffs = np.zeros(pairs)
            diffs[:k] = rng.integers(1, 7, k) * rng.choice((-1.0, 1.0), k)
            rejected += paired_test_p_value(diffs) < 0.05
        lines.append(f"| {k} | {pairs} | {rejected / draws:.4f} |")
    return "\n".join(lines)


def power_table(draws: int, seed: int = 25) -> str:
    """Markdown: simulated power at the stated detectable change, both paired tests."""
    rng = np.random.default_rng(seed)
    lines = ["| n pairs | signed-rank change (sd) | power | McNemar change (ψ = .3) | power |"]
    lines.append("|---:|---:|---:|---:|---:|")
    for n in (6, 8, 10, 15, 20, 25, 30, 40, 50):
        change = detectable_mean_change(1.0, n)
        method = "exact" if n <= 25 else "approx"
        p = scipy_stats.wilcoxon(rng.normal(change, 1.0, (draws, n)), axis=1, method=method)
        rate_change = detectable_rate_change(n, 0.3)
        psi = max(0.3, rate_change)
        worse, better = (psi + rate_change) / 2, (psi - rate_change) / 2
        draw = rng.random((draws, n))
        b = (draw < worse).sum(axis=1)
        c = ((draw >= worse) & (draw < worse + better)).sum(axis=1)
        p_rate = np.minimum(1.0, 2 * scipy_stats.binom.cdf(np.minimum(b, c), b + c, 0.5))
        rate_power = np.mean((b + c > 0) & (p_rate < 0.05))
        lines.append(
            f"| {n} | {change:.3f} | {np.mean(p.pvalue < 0.05):.3f} | {rate_change:.3f} "
            f"| {rate_power:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the tables (or write the power table with --write-table)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-table", action="store_true")
    parser.add_argument("--draws", type=int, default=10_000, help="per row of each table")
    args = parser.parse_args()
    if args.write_table:
        TABLE_FILE.write_text(table_source(60, 0.05, 0.8), encoding="utf-8")
        print(f"wrote {TABLE_FILE.relative_to(ROOT)}")
        return
    for title, make in (
        ("Signed-rank type-I error", type_one_table),
        ("Power at the stated detectable change", power_table),
    ):
        started = time.perf_counter()
        print(f"### {title} ({args.draws:,} draws per row)\n")
        print(make(args.draws))
        print(f"\n({time.perf_counter() - started:.1f} s)\n")


if __name__ == "__main__":
    main()
