"""History with power, plant and detect: how often a persistent drop is found, how often noise is.

Each history is 30 runs of 20 prompts with `--series` series (model x metric) of one metric
kind; series 0 gets a persistent drop from run 15 on of 1, 2 or 3 standard errors (SE: the
standard error of the paired mean difference of two single runs, what one `compare` sees).
The change points are those of `reports.history_window` (the functions `vidbench history`
uses): each step tested against the pooled window of the 5 earlier runs (newest run, and
the 5 runs from the step on), Benjamini-Hochberg over the whole 30-run history, the metric's
threshold. For contrast, the rule before it: each step against the previous run alone,
Benjamini-Hochberg over each step's tests. Kinds:

- continuous: 0.8 + prompt effect (sd 0.05) + run noise (sd 0.08) per job, threshold 2%;
- rate: 0/1 per job at p = 0.9 (the usable rate), threshold 3 points;
- latency: 40 s x lognormal (prompt sd 0.3, run sd 0.4), a drop is a slow-down, threshold
  10% of the median; latency drift (Kolmogorov-Smirnov between consecutive runs) is in the
  family and counts as a flag.

Detected: a regression change point on series 0 within one run of run 15. False flag: any
other change point (or drift). Then the scale benchmark (benchmarks/history_scale.py).
"""

from __future__ import annotations

import argparse
import runpy
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and benchmarks/reports.py would
# shadow the `reports` package; drop that entry before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from scipy import stats as scipy_stats  # noqa: E402

from vidbench.reports.comparisons import Threshold  # noqa: E402
from vidbench.reports.history_window import (  # noqa: E402
    change_points,
    family_adjusted,
    series_tests,
)

RUNS, PROMPTS, DROP_AT = 30, 20, 15
ALPHA = 0.05


@dataclass(frozen=True)
class Kind:
    """How one metric kind is drawn, its threshold and its bad direction."""

    name: str
    threshold: Threshold
    log: bool  # tested on log values (latency)
    higher_is_better: bool


KINDS = (
    Kind("continuous", Threshold("relative", 0.02), False, True),
    Kind("rate", Threshold("absolute", 0.03), False, True),
    Kind("latency", Threshold("relative", 0.10), True, False),
)


def draw_series(kind: Kind, drop_se: float, rng: np.random.Generator) -> np.ndarray:
    """One series: (runs x prompts) values, dropped by `drop_se` SE from run DROP_AT on."""
    dropped = np.arange(RUNS)[:, None] >= DROP_AT
    if kind.name == "continuous":
        noise_sd = 0.08
        se = noise_sd * np.sqrt(2 / PROMPTS)
        values = 0.8 + rng.normal(0, 0.05, PROMPTS) + rng.normal(0, noise_sd, (RUNS, PROMPTS))
        return np.asarray(values - dropped * drop_se * se)
    if kind.name == "rate":
        p = 0.9
        se = np.sqrt(2 * p * (1 - p) / PROMPTS)
        rate = np.where(dropped, p - drop_se * se, p)
        return (rng.random((RUNS, PROMPTS)) < rate).astype(np.float64)
    log_sd = 0.4
    se = log_sd * np.sqrt(2 / PROMPTS)
    logs = rng.normal(0, 0.3, PROMPTS) + rng.normal(0, log_sd, (RUNS, PROMPTS))
    return np.asarray(40.0 * np.exp(logs + dropped * drop_se * se))


def flags(
    kind: Kind, history: list[np.ndarray], window: int, whole_history: bool
) -> list[tuple[int, int, bool]]:
    """(series, step, is a regression) of each change point (and latency drift)."""
    tests = []
    for number, values in enumerate(history):
        tests += series_tests(values, number, kind.threshold, window=window, log=kind.log)
    p_values = np.array([t.p_value for t in tests])
    families = np.zeros(len(tests)) if whole_history else np.array([t.step for t in tests])
    drift_p, drift_keys = [], []
    if kind.log:
        for number, values in enumerate(history):
            for step in range(1, RUNS):
                drift_p.append(scipy_stats.ks_2samp(values[step - 1], values[step]).pvalue)
                drift_keys.append((number, step))
        drift_family = np.zeros(len(drift_p)) if whole_history else [s for _, s in drift_keys]
        p_values = np.concatenate([p_values, drift_p])
        families = np.concatenate([families, drift_family])
    adjusted = family_adjusted(p_values, families)
    worse_sign = not kind.higher_is_better  # a regression raises latency, lowers the rest
    found = [
        (t.series, t.step, (t.difference > 0) == worse_sign)
        for t, _ in change_points(tests, adjusted[: len(tests)], ALPHA)
    ]
    drifts = adjusted[len(tests) :]
    found += [
        (s, step, False) for (s, step), p in zip(drift_keys, drifts, strict=True) if p < ALPHA
    ]
    return found


def measure(
    kind: Kind, drop_se: float, histories: int, series: int, rule: str
) -> tuple[float, float]:
    """(detection rate, share of histories with any false flag) of one setting."""
    rng = np.random.default_rng([KINDS.index(kind), int(drop_se * 10), series, rule == "window"])
    detected = false = 0
    for _ in range(histories):
        history = [draw_series(kind, drop_se if s == 0 else 0.0, rng) for s in range(series)]
        window, whole = (5, True) if rule == "window" else (1, False)
        found = flags(kind, history, window, whole)
        hit = [f for f in found if f[0] == 0 and f[2] and abs(f[1] - DROP_AT) <= 1 and drop_se]
        detected += bool(hit)
        false += any(f not in hit for f in found)
    return detected / histories, false / histories


def main() -> None:
    """Print the detection and false-flag table, then run the scale benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--histories", type=int, default=200, help="histories per setting")
    parser.add_argument("--series", type=int, default=10, help="series per history")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale benchmark")
    args = parser.parse_args()
    started = time.perf_counter()
    print(
        f"{args.histories} histories per row: {RUNS} runs x {PROMPTS} prompts x "
        f"{args.series} series, drop from run {DROP_AT} on series 0"
    )
    print("kind        rule                 noise: any flag   1 SE   2 SE   3 SE")
    for kind in KINDS:
        for rule in ("previous", "window"):
            _, noise = measure(kind, 0.0, args.histories, args.series, rule)
            rates = [measure(kind, d, args.histories, args.series, rule)[0] for d in (1, 2, 3)]
            label = "previous run, BH/step" if rule == "previous" else "window 5, BH/history"
            print(
                f"{kind.name:<11} {label:<22} {noise:>14.3f}  "
                + "  ".join(f"{r:.3f}" for r in rates)
            )
    print(f"plant and detect: {time.perf_counter() - started:.0f} s wall")
    if not args.no_scale:
        sys.argv = [sys.argv[0]]
        runpy.run_path(str(Path(__file__).with_name("history_scale.py")), run_name="__main__")


if __name__ == "__main__":
    main()
