"""Per-model and per-category statistics: means with CIs, Wilson rates, latency and cost.

Every function is a pure function of the results DataFrame (one row per job). Confidence
intervals are 95% by default and come from `reports.intervals` (chosen by measured coverage).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from vidbench.core.scorers.base import UNBOUNDED, Bounds
from vidbench.reports.data import FAILED_STATUSES, NOT_ATTEMPTED, builtin_bounds
from vidbench.reports.intervals import CONFIDENCE, N_RESAMPLES, SEED, mean_intervals, wilson_ci

LATENCY_PERCENTILES = (50, 90, 95)


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
    bounds: Mapping[str, Bounds] | None = None,
) -> pd.DataFrame:
    """Long table: group keys, metric, n, mean, ci_low, ci_high and the interval used; each
    interval inside its metric's range (`bounds`; None: the scorers' declarations)."""
    columns = [*by, "metric", "n", "mean", "ci_low", "ci_high", "interval"]
    present = [m for m in metrics if m in df.columns]
    if not present or df.empty:
        return pd.DataFrame(columns=columns)
    declared = builtin_bounds() if bounds is None else bounds
    ranges = [declared.get(m, UNBOUNDED) for m in present]
    rows = []
    for key, group in _groups(df, by):
        matrix = group[present].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
        found = mean_intervals(matrix, confidence, n_resamples, seed, bounds=ranges)
        for i, metric in enumerate(present):
            rows.append(
                [
                    *key,
                    metric,
                    int(found.n[i]),
                    found.mean[i],
                    found.low[i],
                    found.high[i],
                    found.method[i],
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
