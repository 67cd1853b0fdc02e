"""Per-model and per-category statistics: bootstrap means, Wilson rates, latency and cost.

Every function is a pure function of the results DataFrame (one row per job). Confidence
intervals are 95% by default: percentile bootstrap for means (seeded, so a report is
reproducible), Wilson score intervals for rates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from reports.data import FAILED_STATUSES, NOT_ATTEMPTED

N_RESAMPLES = 2000
SEED = 0
CONFIDENCE = 0.95
LATENCY_PERCENTILES = (50, 90, 95)
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


def bootstrap_column_means(
    values: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> np.ndarray:
    """(n_resamples, k) bootstrap means of each column of an (n, k) array, NaNs ignored.

    Rows are resampled jointly (one draw serves every column), and each resample's mean is
    over the non-missing values it drew, so a metric missing on some rows needs no separate
    draw.
    """
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    n, k = matrix.shape
    present = ~np.isnan(matrix)
    filled = np.where(present, matrix, 0.0)
    complete = np.asarray(present.all(axis=0), dtype=bool)
    out = np.empty((n_resamples, k), dtype=np.float64)
    # Metrics usually share their missing-value pattern (all scored on the same clips), so the
    # per-resample count of present values is computed once per distinct pattern.
    pattern_of = [present[:, j].tobytes() if not complete[j] else b"" for j in range(k)]
    row = 0
    for draws in bootstrap_indices(n, n_resamples, np.random.default_rng(seed)):
        rows = slice(row, row + draws.shape[0])
        counts: dict[bytes, np.ndarray] = {}
        for j in range(k):
            sums = filled[:, j][draws].sum(axis=1)
            if complete[j]:
                out[rows, j] = sums / n
                continue
            if pattern_of[j] not in counts:
                counts[pattern_of[j]] = present[:, j][draws].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[rows, j] = sums / counts[pattern_of[j]]
        row += draws.shape[0]
    return out


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


def bootstrap_mean_ci(
    values: Sequence[float] | np.ndarray,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """(mean, low, high): the sample mean with a seeded percentile-bootstrap CI; NaNs dropped."""
    array = np.asarray(values, dtype=np.float64)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return (np.nan, np.nan, np.nan)
    if array.size == 1:
        return (float(array[0]), np.nan, np.nan)
    low, high = percentile_interval(bootstrap_column_means(array, n_resamples, seed), confidence)
    return (float(array.mean()), float(low[0]), float(high[0]))


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
    low = np.where(total > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(total > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def latency_percentiles(
    values: Sequence[float] | np.ndarray, percentiles: Sequence[float] = LATENCY_PERCENTILES
) -> dict[str, float]:
    """{'p50': …} numpy (linear-interpolation) percentiles of the non-missing values."""
    array = np.asarray(values, dtype=np.float64)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return {f"p{q:g}": np.nan for q in percentiles}
    found = np.percentile(array, list(percentiles))
    return {f"p{q:g}": float(v) for q, v in zip(percentiles, found, strict=True)}


def _groups(df: pd.DataFrame, by: Sequence[str]) -> list[tuple[tuple[str, ...], pd.DataFrame]]:
    if not by:
        return [((), df)]
    out = []
    for key, group in df.groupby(list(by), sort=True, observed=True):
        out.append(((key,) if not isinstance(key, tuple) else key, group))
    return out


def metric_summary(
    df: pd.DataFrame,
    metrics: Sequence[str],
    by: Sequence[str] = ("model",),
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> pd.DataFrame:
    """Long table: group keys, metric, n, mean, ci_low, ci_high (bootstrap over jobs)."""
    columns = [*by, "metric", "n", "mean", "ci_low", "ci_high"]
    present = [m for m in metrics if m in df.columns]
    if not present or df.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for key, group in _groups(df, by):
        matrix = group[present].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
        n = (~np.isnan(matrix)).sum(axis=0)
        with np.errstate(invalid="ignore"):
            means = np.nanmean(np.where(n > 0, matrix, 0.0), axis=0)
        means = np.where(n > 0, means, np.nan)
        low, high = percentile_interval(
            bootstrap_column_means(matrix, n_resamples, seed), confidence
        )
        for i, metric in enumerate(present):
            single = n[i] < 2
            rows.append(
                [
                    *key,
                    metric,
                    int(n[i]),
                    means[i],
                    np.nan if single else low[i],
                    np.nan if single else high[i],
                ]
            )
    return pd.DataFrame(rows, columns=columns)


def rate_summary(
    df: pd.DataFrame, by: Sequence[str] = ("model",), confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Per group: job counts and success/failure/rejection/usable rates with Wilson CIs.

    The denominator is attempted jobs: every job except `skipped` (budget) and `unsupported`
    (never sent), which are counted separately.
    """
    rows = []
    for key, group in _groups(df, by):
        status = group["status"].astype(str)
        attempted = int((~status.isin(NOT_ATTEMPTED)).sum())
        usable = (
            group["usable"].astype("object").fillna(False).astype(bool)
            & ~status.isin(NOT_ATTEMPTED)
            if "usable" in group.columns and group["usable"].notna().any()
            else None
        )
        counts = {
            "succeeded": int((status == "succeeded").sum()),
            "failed": int(status.isin(FAILED_STATUSES).sum()),
            "rejected": int((status == "rejected").sum()),
            "usable": int(usable.sum()) if usable is not None else -1,
        }
        row: dict[str, object] = dict(zip(by, key, strict=True))
        row.update(
            n_jobs=len(group),
            n_attempted=attempted,
            n_succeeded=counts["succeeded"],
            n_failed=counts["failed"],
            n_rejected=counts["rejected"],
            n_usable=counts["usable"] if usable is not None else np.nan,
            n_unsupported=int((status == "unsupported").sum()),
            n_skipped=int((status == "skipped").sum()),
        )
        for name, label in (
            ("succeeded", "success"),
            ("failed", "failure"),
            ("rejected", "rejection"),
            ("usable", "usable"),
        ):
            if counts[name] < 0 or attempted == 0:
                row[f"{label}_rate"], row[f"{label}_rate_low"], row[f"{label}_rate_high"] = (
                    np.nan,
                ) * 3
                continue
            low, high = wilson_ci(counts[name], attempted, confidence)
            row[f"{label}_rate"] = counts[name] / attempted
            row[f"{label}_rate_low"], row[f"{label}_rate_high"] = float(low), float(high)
        rows.append(row)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(by))


def latency_summary(df: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Per group: latency p50/p90/p95 (s) and mean over succeeded jobs with a latency."""
    rows = []
    for key, group in _groups(df, by):
        done = group.loc[group["status"] == "succeeded", "latency_s"].to_numpy(dtype=np.float64)
        row: dict[str, object] = dict(zip(by, key, strict=True))
        row["n_latency"] = int((~np.isnan(done)).sum())
        row.update({f"latency_{k}_s": v for k, v in latency_percentiles(done).items()})
        row["latency_mean_s"] = float(np.nanmean(done)) if row["n_latency"] else np.nan
        rows.append(row)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(by))


def cost_summary(df: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Per group: total cost and cost per clip, per second of video and per usable clip (USD).

    Total cost counts every job that was charged (a provider may bill a failed task), so the
    per-clip figures are what one delivered (or usable) clip really cost. NaN when no job in
    the group has a known cost.
    """
    rows = []
    for key, group in _groups(df, by):
        cost = group["cost_usd"].to_numpy(dtype=np.float64)
        succeeded = (group["status"] == "succeeded").to_numpy()
        known = bool((~np.isnan(cost)).any())
        total = float(np.nansum(cost)) if known else np.nan
        seconds = float(np.nansum(group.loc[succeeded, "duration_s"].to_numpy(dtype=np.float64)))
        n_clips = int(succeeded.sum())
        if "usable" in group.columns and group["usable"].notna().any():
            n_usable = int(
                (group["usable"].astype("object").fillna(False).astype(bool) & succeeded).sum()
            )
        else:
            n_usable = -1
        row: dict[str, object] = dict(zip(by, key, strict=True))
        row.update(
            total_cost_usd=total,
            cost_per_clip_usd=total / n_clips if known and n_clips else np.nan,
            cost_per_video_second_usd=total / seconds if known and seconds > 0 else np.nan,
            cost_per_usable_clip_usd=total / n_usable if known and n_usable > 0 else np.nan,
        )
        rows.append(row)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(by))


def model_summary(df: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Rates, latency percentiles and costs per group, one row per group."""
    keys = list(by)
    merged = rate_summary(df, by)
    for part in (latency_summary(df, by), cost_summary(df, by)):
        merged = (
            merged.merge(part, on=keys, how="left") if keys else pd.concat([merged, part], axis=1)
        )
    return merged
