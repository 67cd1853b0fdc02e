"""Confidence intervals, chosen by measured coverage (figures in docs/scorers.md).

Means of continuous metrics: the studentized (bootstrap-t) interval from 10 values, Student's
t below that; 0/1 metrics and rates: Wilson; paired 0/1 differences: Newcombe's method 10.
A metric with a declared range (`bounds`) gets its interval on a scale that respects it
(logit for a range closed at both ends, log for one end: `reports.bounded`), and every
interval is clipped to the range, a difference's to (low − high, high − low). Bootstraps are
seeded, so a report is reproducible. No interval is given from fewer than two values or from
values without spread, rather than a zero-width one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
from scipy import stats as scipy_stats

from vidbench.core.scorers.base import Bounds
from vidbench.reports.bounded import (
    BoundsSpec,
    ColumnBounds,
    as_pairs,
    clip,
    column_bounds,
    difference_bounds,
    from_scale,
    to_scale,
    widened_to,
)

N_RESAMPLES = 2000
SEED = 0
CONFIDENCE = 0.95
# Below this many values the studentized bootstrap's pivots are erratic (docs/scorers.md).
MIN_STUDENTIZED_N = 10
# A resample whose standard error is under this share of the sample's has no spread to speak of.
DEGENERATE_SE_SHARE = 1e-3
# Bound the (resamples x rows) index matrix so very large groups are resampled in chunks.
_MAX_CELLS = 2_000_000


def bootstrap_indices(n: int, n_resamples: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Chunks of a (n_resamples, n) matrix of row indices drawn with replacement."""
    step = max(1, _MAX_CELLS // max(n, 1))
    for start in range(0, n_resamples, step):
        # int32 indices: half the memory traffic of int64 and about three times faster to gather.
        yield rng.integers(0, n, size=(min(n_resamples, start + step) - start, n), dtype=np.int32)


def bootstrap_resample_counts(n: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples, n) matrix: how often each row is drawn in each bootstrap resample."""
    chunks = []
    for draws in bootstrap_indices(n, n_resamples, rng):
        offsets = draws.astype(np.int64) + (np.arange(draws.shape[0])[:, None] * n)
        chunks.append(np.bincount(offsets.ravel(), minlength=draws.size).reshape(draws.shape))
    return np.concatenate(chunks).astype(np.float64)


def _bootstrap_moments(
    values: np.ndarray, n_resamples: int, seed: int, with_se: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Bootstrap means (and, `with_se`, their standard errors sd/√n) per column; NaNs ignored."""
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    n, k = matrix.shape
    present = ~np.isnan(matrix)
    # Centred on each column's mean so that the sum-of-squares variance does not cancel.
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(present.any(axis=0), np.nansum(matrix, axis=0) / present.sum(axis=0), 0)
    filled = np.where(present, matrix - centre, 0.0)
    means = np.empty((n_resamples, k), dtype=np.float64)
    errors = np.empty((n_resamples, k), dtype=np.float64) if with_se else None
    # Metrics usually share their missing-value pattern (all scored on the same clips), so the
    # per-resample count of present values is computed once per distinct pattern.
    pattern_of = [present[:, j].tobytes() for j in range(k)]
    row = 0
    for draws in bootstrap_indices(n, n_resamples, np.random.default_rng(seed)):
        rows = slice(row, row + draws.shape[0])
        counts: dict[bytes, np.ndarray] = {}
        for j in range(k):
            if pattern_of[j] not in counts:
                counts[pattern_of[j]] = present[:, j][draws].sum(axis=1)
            count = counts[pattern_of[j]]
            drawn = filled[:, j][draws]
            with np.errstate(invalid="ignore", divide="ignore"):
                means[rows, j] = drawn.sum(axis=1) / count
                if errors is not None:
                    squares = (drawn * drawn).sum(axis=1) - count * means[rows, j] ** 2
                    errors[rows, j] = np.sqrt(np.maximum(squares, 0.0) / (count - 1) / count)
        row += draws.shape[0]
    return means + centre, errors


def bootstrap_column_means(
    values: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> np.ndarray:
    """(n_resamples, k) bootstrap means of each column of an (n, k) array, NaNs ignored.

    Rows are resampled jointly (one draw serves every column), and each resample's mean is
    over the non-missing values it drew, so a metric missing on some rows needs no separate
    draw.
    """
    return _bootstrap_moments(values, n_resamples, seed, with_se=False)[0]


def percentile_interval(
    resampled: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap bounds per column, ignoring resamples without a value."""
    tail = (1.0 - confidence) / 2.0 * 100.0
    if resampled.size == 0 or np.isnan(resampled).all():
        nan = np.full(resampled.shape[1:] or (1,), np.nan)
        return nan, nan.copy()
    with np.errstate(invalid="ignore"):
        low, high = np.nanpercentile(resampled, [tail, 100.0 - tail], axis=0)
    return np.atleast_1d(low), np.atleast_1d(high)


def t_interval(
    mean: np.ndarray, sd: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval for a mean: mean ± t(n−1) · sd / √n."""
    count = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = scipy_stats.t.ppf(0.5 + confidence / 2.0, count - 1) * sd / np.sqrt(count)
    return mean - half, mean + half


def studentized_interval(
    mean: float, se: float, resampled: np.ndarray, resampled_se: np.ndarray, confidence: float
) -> tuple[float, float]:
    """Bootstrap-t interval (Efron & Tibshirani 1993, §12.5): quantiles of (m* − m) / se*.

    (nan, nan) when more than a tail's share of resamples has (next to) no spread: their
    pivots are ±inf or, through rounding, ±1e16, and would become the interval's ends (nine
    1s and one 2 gave [0.969, 25,466,024]); the caller then uses Student's t. The arguments
    may be on a transformed scale (g(m), g'(m)·se, …): a flat resample at a bound has an
    infinite g(m*) and a NaN g'(m*)·se*, and its pivot is the infinity of its side.
    """
    tail = (1.0 - confidence) / 2.0
    flat = ~(resampled_se > DEGENERATE_SE_SHARE * se)
    if not se > 0 or flat.mean() > tail:
        return (np.nan, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        pivots = np.where(
            flat, np.sign(resampled - mean) * np.inf, (resampled - mean) / resampled_se
        )
    pivots = pivots[~np.isnan(pivots)]
    if pivots.size == 0:
        return (np.nan, np.nan)
    # A resample of identical values has an infinite pivot; it sorts to the end it belongs to.
    with np.errstate(invalid="ignore"):
        low_q, high_q = np.quantile(pivots, [tail, 1.0 - tail])
    return (float(mean - high_q * se), float(mean - low_q * se))


class ColumnIntervals(NamedTuple):
    """Per column: count, mean, CI bounds and the interval used."""

    n: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    method: list[str]


def is_binary(values: np.ndarray) -> bool:
    """True when every non-missing value is 0 or 1 (a pass/fail or boolean metric)."""
    present = values[~np.isnan(values)]
    return bool(present.size) and bool(np.isin(present, (0.0, 1.0)).all())


def interval_method(n: int, sd: float, binary: bool) -> str:
    """The interval a column gets: the one whose coverage was measured best for its kind and n."""
    if n < 2:
        return "none (n < 2)"
    if binary:
        return "Wilson"
    if not sd > 0:
        return "none (no spread)"
    return "t" if n < MIN_STUDENTIZED_N else "studentized bootstrap"


def _moments(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, mean, sd) of each column, NaNs ignored; identical values have sd 0 exactly."""
    n = (~np.isnan(matrix)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n > 0, np.nansum(matrix, axis=0) / n, np.nan)
        sds = np.sqrt(np.nansum((matrix - means) ** 2, axis=0) / (n - 1))
        # Identical values are no spread, whatever rounding left in the sum of squares.
        sds = np.where(
            np.nanmax(matrix, axis=0, initial=-np.inf, where=~np.isnan(matrix))
            > np.nanmin(matrix, axis=0, initial=np.inf, where=~np.isnan(matrix)),
            sds,
            0.0,
        )
    return n, means, sds


def _studentized_on_scale(
    matrix: np.ndarray,
    columns: list[int],
    scale: ColumnBounds,
    settings: tuple[float, int, int],
) -> dict[int, tuple[float, float]]:
    """Column → bootstrap-t bounds computed on the range's scale and mapped back (NaN: degenerate)."""
    confidence, n_resamples, seed = settings
    n, means, sds = _moments(matrix[:, columns])
    sub = ColumnBounds(scale.low[columns], scale.high[columns])
    resampled, resampled_se = _bootstrap_moments(matrix[:, columns], n_resamples, seed, True)
    assert resampled_se is not None
    centre, slope = to_scale(means, sub)
    on_scale, resampled_slope = to_scale(resampled, sub)
    with np.errstate(invalid="ignore"):
        se_on_scale = slope * sds / np.sqrt(n)
        resampled_se_on_scale = resampled_slope * resampled_se
    out = {}
    for i, j in enumerate(columns):
        low, high = studentized_interval(
            centre[i], se_on_scale[i], on_scale[:, i], resampled_se_on_scale[:, i], confidence
        )
        ends = from_scale(np.array([low, high]), ColumnBounds(sub.low[[i, i]], sub.high[[i, i]]))
        out[j] = (float(ends[0]), float(ends[1]))
    return out


def mean_intervals(
    values: np.ndarray,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    binary_as_rate: bool = True,
    bounds: BoundsSpec = None,
    on_scale: bool = False,
) -> ColumnIntervals:
    """Mean and CI of each column of an (n, k) array, NaNs ignored (see docs/scorers.md).

    0/1 columns get the Wilson interval (with `binary_as_rate`); other columns Student's t
    below MIN_STUDENTIZED_N values and the studentized bootstrap from there; a column with
    fewer than 2 values or no spread gets no interval rather than a zero-width one.
    `bounds` (one (low, high) pair, or one per column; None for an open end) is the range
    the values lie in, widened to any value outside it; every interval is clipped to it.
    t and bootstrap-t run on the values' own scale: computing them on the range's logit or
    log scale (`on_scale`) was measured and covered worse (docs/scorers.md).
    """
    matrix = np.asarray(values, dtype=np.float64)
    matrix = matrix[:, None] if matrix.ndim == 1 else matrix
    ranges = widened_to(column_bounds(bounds, matrix.shape[1]), matrix)
    scale = ranges if on_scale else column_bounds(None, matrix.shape[1])
    n, means, sds = _moments(matrix)
    methods = [
        interval_method(int(n[j]), float(sds[j]), binary_as_rate and is_binary(matrix[:, j]))
        for j in range(matrix.shape[1])
    ]
    centre, slope = to_scale(means, scale)
    with np.errstate(invalid="ignore"):
        low_on, high_on = t_interval(centre, slope * sds, n, confidence)
    low, high = from_scale(low_on, scale), from_scale(high_on, scale)
    wilson_low, wilson_high = wilson_ci(np.round(means * n), n, confidence)
    boot = [j for j, m in enumerate(methods) if m == "studentized bootstrap"]
    if boot:
        found = _studentized_on_scale(matrix, boot, scale, (confidence, n_resamples, seed))
        for j, ends in found.items():
            if np.isfinite(ends).all():
                low[j], high[j] = ends
            else:  # degenerate pivots (heavily tied values): Student's t stands
                methods[j] = "t"
    for j, method in enumerate(methods):
        if method == "Wilson":
            low[j], high[j] = wilson_low[j], wilson_high[j]
        elif method.startswith("none"):
            low[j] = high[j] = np.nan
    low, high = clip(low, high, ranges)
    return ColumnIntervals(n, means, low, high, methods)


def bootstrap_mean_ci(
    values: Sequence[float] | np.ndarray,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """(mean, low, high) of a continuous sample: studentized bootstrap (t below 10 values)."""
    found = mean_intervals(
        np.asarray(values, dtype=np.float64), confidence, n_resamples, seed, False
    )
    return (float(found.mean[0]), float(found.low[0]), float(found.high[0]))


def wilson_ci(
    successes: int | np.ndarray, n: int | np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (Wilson 1927); NaN where n is 0."""
    k = np.asarray(successes, dtype=np.float64)
    total = np.asarray(n, dtype=np.float64)
    z = scipy_stats.norm.ppf(0.5 + confidence / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / total
        denominator = 1.0 + z * z / total
        centre = (p + z * z / (2.0 * total)) / denominator
        half = z * np.sqrt(p * (1.0 - p) / total + z * z / (4.0 * total * total)) / denominator
    # No successes (or no failures) puts that end exactly on 0 (or 1); rounding leaves ~1e-17.
    low = np.where(total > 0, np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0)), np.nan)
    high = np.where(total > 0, np.where(k >= total, 1.0, np.clip(centre + half, 0.0, 1.0)), np.nan)
    return low, high


def paired_rate_difference_ci(
    first: np.ndarray, second: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """CI of mean(first) − mean(second) for paired 0/1 outcomes: Newcombe (1998) method 10."""
    a, b = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    n = a.size
    if n == 0:
        return (np.nan, np.nan)
    both, only_a = int(np.sum(a & b)), int(np.sum(a & ~b))
    only_b, neither = int(np.sum(~a & b)), int(np.sum(~a & ~b))
    p1, p2 = (both + only_a) / n, (both + only_b) / n
    (l1, l2), (u1, u2) = wilson_ci(np.array([both + only_a, both + only_b]), n, confidence)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    cross = both * neither - only_a * only_b
    # Newcombe's correction of the phi coefficient: shrink a positive one by n/2, keep a negative.
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / np.sqrt(margins) if margins > 0 else 0.0
    lower_arm = np.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0))
    upper_arm = np.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0))
    return (float(p1 - p2 - lower_arm), float(p1 - p2 + upper_arm))


def paired_difference_ci(
    first: np.ndarray,
    second: np.ndarray,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    bounds: Bounds | None = None,
) -> tuple[float, float, str]:
    """(low, high, method) for mean(first − second) on pairs: Newcombe for 0/1, else as means,
    inside (low − high, high − low) when the metric's `bounds` are given."""
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if is_binary(a) and is_binary(b):
        return (*paired_rate_difference_ci(a == 1, b == 1, confidence), "Newcombe paired")
    diffs = (a - b)[~np.isnan(a - b)]
    if diffs.size >= 2 and np.ptp(diffs) <= 1e-9 * max(1.0, float(np.abs(diffs).max())):
        # Every pair moved by the same amount (a price change, a fixed offset): the change is
        # that amount, not unknown. A NaN here would hide it from the gate forever.
        centre = float(diffs.mean())
        return (centre, centre, "all pairs equal")
    ranges = difference_bounds(column_bounds(bounds, 1))
    found = mean_intervals(a - b, confidence, n_resamples, seed, False, as_pairs(ranges))
    return (float(found.low[0]), float(found.high[0]), found.method[0])
