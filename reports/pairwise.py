"""Model-vs-model statistics on matched jobs: paired differences, a paired test, win rates.

Jobs are matched on (prompt_id, sample): the same prompt and draw index given to two models.
The paired test is the Wilcoxon signed-rank test (two-sided, zero differences dropped as in
Wilcoxon's original procedure), which does not assume the differences are normal; exact
up to 25 non-zero differences (`reports.signed_rank`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from vidbench.core.scorers.base import UNBOUNDED, Bounds
from vidbench.reports.bounded import as_pairs, column_bounds, difference_bounds
from vidbench.reports.data import builtin_bounds
from vidbench.reports.intervals import (
    CONFIDENCE,
    N_RESAMPLES,
    SEED,
    ColumnIntervals,
    is_binary,
    mean_intervals,
    paired_rate_difference_ci,
)
from vidbench.reports.signed_rank import (
    exact_signed_rank_p_value as exact_signed_rank_p_value,  # re-exported: older callers
)
from vidbench.reports.signed_rank import signed_rank_p_value

MATCH_KEYS = ("prompt_id", "sample")
PAIRED_TEST = "Wilcoxon signed-rank (two-sided)"


def paired_test_p_value(differences: Sequence[float] | np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value, exact up to 25 non-zero differences (ties by
    midranks); 1.0 when every difference is zero, NaN if < 2 (`reports.signed_rank`)."""
    return signed_rank_p_value(differences)


def matched_values(df: pd.DataFrame, metric: str, keys: Sequence[str] = MATCH_KEYS) -> pd.DataFrame:
    """Wide table: one row per (prompt_id, sample), one column per model, the metric's values."""
    cols = [*keys, "model", metric]
    values = df[cols].copy()
    values[metric] = pd.to_numeric(values[metric], errors="coerce")
    values = values.dropna(subset=[metric])
    # Duplicate keys (should not happen) are averaged rather than silently dropped.
    return values.pivot_table(index=list(keys), columns="model", values=metric, aggfunc="mean")


def paired_differences(
    df: pd.DataFrame,
    metrics: Sequence[str],
    models: Sequence[str] | None = None,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    bounds: Mapping[str, Bounds] | None = None,
) -> pd.DataFrame:
    """For each metric and model pair (a, b): mean of a − b on matched jobs, its CI, p-value.

    The CI is the mean interval of `reports.intervals` on the differences (Newcombe's paired
    interval for 0/1 metrics), inside (low − high, high − low) of the metric's range
    (`bounds`: metric → (low, high); None: the scorers' declarations). One bootstrap draw
    of the matched jobs serves all metrics of a pair (a job missing a metric is skipped for
    that metric), which keeps large runs fast.
    """
    ranges = builtin_bounds() if bounds is None else bounds
    columns = [
        "metric",
        "model_a",
        "model_b",
        "n_pairs",
        "mean_a",
        "mean_b",
        "mean_diff",
        "ci_low",
        "ci_high",
        "p_value",
    ]
    all_models = sorted(df["model"].unique()) if models is None else list(models)
    wides = {m: matched_values(df, m) for m in metrics if m in df.columns}
    rows = []
    for i, model_a in enumerate(all_models):
        for model_b in all_models[i + 1 :]:
            pairs = {}
            for metric, wide in wides.items():
                if model_a in wide.columns and model_b in wide.columns:
                    pairs[metric] = wide[[model_a, model_b]].dropna()
            if not pairs:
                continue
            diffs = pd.DataFrame({m: both[model_a] - both[model_b] for m, both in pairs.items()})
            spans = difference_bounds(
                column_bounds([ranges.get(m, UNBOUNDED) for m in pairs], len(pairs))
            )
            found = mean_intervals(
                diffs.to_numpy(dtype=np.float64),
                confidence,
                n_resamples,
                seed,
                False,
                as_pairs(spans),
            )
            for j, (metric, both) in enumerate(pairs.items()):
                rows.append(_pair_row(metric, (model_a, model_b), both, found, j, confidence))
    order = {m: k for k, m in enumerate(metrics)}
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("metric", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


def _pair_row(
    metric: str,
    models: tuple[str, str],
    both: pd.DataFrame,
    found: ColumnIntervals,
    column: int,
    confidence: float,
) -> list[object]:
    """One paired_differences row; 0/1 metrics get Newcombe's paired interval instead."""
    model_a, model_b = models
    low, high = found.low[column], found.high[column]
    first, second = both[model_a].to_numpy(dtype=float), both[model_b].to_numpy(dtype=float)
    values = first - second
    if values.size >= 2 and is_binary(first) and is_binary(second):
        low, high = paired_rate_difference_ci(first == 1, second == 1, confidence)
    empty = values.size == 0
    return [
        metric,
        model_a,
        model_b,
        int(values.size),
        np.nan if empty else float(first.mean()),
        np.nan if empty else float(second.mean()),
        np.nan if empty else float(values.mean()),
        float(low) if values.size >= 2 else np.nan,
        float(high) if values.size >= 2 else np.nan,
        paired_test_p_value(values),
    ]


def win_rate_matrix(
    df: pd.DataFrame, metric: str, direction: str, models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Share of matched jobs where the row model beats the column model (ties count half).

    `direction` is the metric's declared direction: 'higher' or 'lower' is better. NaN where
    two models share no matched job; the diagonal is NaN.
    """
    if direction not in ("higher", "lower"):
        raise ValueError(f"win rates need a direction of 'higher' or 'lower', not {direction!r}")
    all_models = sorted(df["model"].unique()) if models is None else list(models)
    wide = matched_values(df, metric) if metric in df.columns else pd.DataFrame()
    sign = 1.0 if direction == "higher" else -1.0
    matrix = pd.DataFrame(np.nan, index=all_models, columns=all_models, dtype=np.float64)
    for model_a in all_models:
        for model_b in all_models:
            if model_a == model_b or model_a not in wide.columns or model_b not in wide.columns:
                continue
            both = wide[[model_a, model_b]].dropna().to_numpy()
            if both.shape[0] == 0:
                continue
            delta = sign * (both[:, 0] - both[:, 1])
            matrix.loc[model_a, model_b] = float(((delta > 0) + 0.5 * (delta == 0)).mean())
    return matrix
