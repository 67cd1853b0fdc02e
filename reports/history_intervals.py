"""The history's per-run intervals, from the report's interval functions (`reports.intervals`).

DuckDB reads every run and gives, per run × model × metric, the count, mean, sd and whether
every value was 0 or 1; the intervals are computed here, vectorised, with the same rules as
a run's report: Wilson for rates and 0/1 metrics (so 20/20 is [0.839, 1], never [1, 1]),
Student's t for means, none (NaN) from fewer than two values or from values without spread
rather than a zero-width one, and every interval clipped to the metric's declared range.
A run's report uses the studentized bootstrap from 10 values on; the history keeps to t,
computed from the moments, so thousands of runs need no resampling (the two were measured
against each other in docs/scorers.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from vidbench.core.scorers.base import SHARE, Bounds
from vidbench.reports.bounded import ColumnBounds, clip, column_bounds
from vidbench.reports.intervals import CONFIDENCE, t_interval, wilson_ci

RATE_COLUMNS = ("failure_rate", "rejection_rate", "usable_rate")


def run_intervals(
    table: pd.DataFrame, bounds: Mapping[str, Bounds], confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(ci_low, ci_high, method) per row of a table with metric, n, mean, sd, binary (and
    min, max: the range is widened to them, as a report widens it to its values)."""
    n = table["n"].to_numpy(dtype=np.float64)
    mean = table["mean"].to_numpy(dtype=np.float64)
    sd = table["sd"].to_numpy(dtype=np.float64)
    binary = table["binary"].fillna(False).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        t_low, t_high = t_interval(mean, sd, n, confidence)
        wilson_low, wilson_high = wilson_ci(np.round(mean * n), n, confidence)
    spread = np.nan_to_num(sd, nan=0.0) > 0
    low = np.where(binary, wilson_low, np.where(spread, t_low, np.nan))
    high = np.where(binary, wilson_high, np.where(spread, t_high, np.nan))
    few = n < 2
    low, high = np.where(few, np.nan, low), np.where(few, np.nan, high)
    metrics = table["metric"].astype(str)
    pairs = [SHARE if m in RATE_COLUMNS else bounds.get(m, (None, None)) for m in metrics]
    ranges = column_bounds(pairs, len(pairs)) if pairs else column_bounds(None, 0)
    if "min" in table and "max" in table:  # a wrong declaration never excludes the data
        ranges = ColumnBounds(
            np.fmin(ranges.low, table["min"].to_numpy(dtype=np.float64)),
            np.fmax(ranges.high, table["max"].to_numpy(dtype=np.float64)),
        )
    low, high = clip(low, high, ranges)
    methods = [
        "none (n < 2)" if f else ("Wilson" if b else ("t" if s else "none (no spread)"))
        for f, b, s in zip(few, binary, spread, strict=True)
    ]
    return np.asarray(low), np.asarray(high), methods
