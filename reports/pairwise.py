"""Model-vs-model statistics on matched jobs: paired differences, a paired test, win rates.

Jobs are matched on (prompt_id, sample): the same prompt and draw index given to two models.
The paired test is the Wilcoxon signed-rank test (two-sided, zero differences dropped as in
Wilcoxon's original procedure), which does not assume the differences are normal; exact
up to 25 non-zero differences (`reports.signed_rank`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class MatchedPair:
    """One metric's matched jobs of two models: `rows` of the table where both have a value."""

    rows: np.ndarray  # bool mask over MatchedTable's rows
    first: np.ndarray  # model a's values there
    second: np.ndarray  # model b's values there


@dataclass(frozen=True)
class MatchedTable:
    """Every metric's wide table (`matched_values`) on one shared, sorted row index, as arrays:
    the pairs of a model pair are then masks, not a pandas dropna per metric and pair."""

    metrics: tuple[str, ...]
    models: dict[str, dict[str, int]]  # metric → model → column (models with a value only)
    values: dict[str, np.ndarray]  # metric → (rows, models) float array, NaN where none

    @classmethod
    def of(cls, df: pd.DataFrame, metrics: Sequence[str]) -> MatchedTable:
        wides = {m: matched_values(df, m) for m in metrics}
        if not wides:
            return cls((), {}, {})
        index = functools.reduce(lambda a, b: a.union(b), [w.index for w in wides.values()])
        return cls(
            tuple(wides),
            {m: {c: k for k, c in enumerate(w.columns)} for m, w in wides.items()},
            {m: w.reindex(index).to_numpy(dtype=np.float64) for m, w in wides.items()},
        )

    def pair(self, metric: str, model_a: str, model_b: str) -> MatchedPair | None:
        """The metric's matched jobs of the two models (maybe none); None where either model
        has no value of it at all."""
        columns = self.models.get(metric, {})
        if model_a not in columns or model_b not in columns:
            return None
        table = self.values[metric]
        a, b = table[:, columns[model_a]], table[:, columns[model_b]]
        rows = ~np.isnan(a) & ~np.isnan(b)
        return MatchedPair(rows, a[rows], b[rows])

    def pairs(self, model_a: str, model_b: str) -> dict[str, MatchedPair]:
        """`pair` for every metric where both models have values."""
        found = {m: self.pair(m, model_a, model_b) for m in self.metrics}
        return {m: pair for m, pair in found.items() if pair is not None}

    def differences(self, pairs: Mapping[str, MatchedPair]) -> np.ndarray:
        """a − b per metric (columns) on the rows where any metric is matched, NaN elsewhere:
        the table the pandas alignment of the per-metric differences gave (`pairs` not empty)."""
        shown = np.logical_or.reduce([pair.rows for pair in pairs.values()])
        out = np.full((int(shown.sum()), len(pairs)), np.nan)
        for j, pair in enumerate(pairs.values()):
            out[pair.rows[shown], j] = pair.first - pair.second
        return out


def paired_differences(
    df: pd.DataFrame,
    metrics: Sequence[str],
    models: Sequence[str] | None = None,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    bounds: Mapping[str, Bounds] | None = None,
    table: MatchedTable | None = None,
) -> pd.DataFrame:
    """For each metric and model pair (a, b): mean of a − b on matched jobs, its CI, p-value.

    The CI is the mean interval of `reports.intervals` on the differences (Newcombe's paired
    interval for 0/1 metrics), inside (low − high, high − low) of the metric's range
    (`bounds`: metric → (low, high); None: the scorers' declarations). One bootstrap draw
    of the matched jobs serves all metrics of a pair (a job missing a metric is skipped for
    that metric), which keeps large runs fast. `table`: `MatchedTable.of(df, metrics)` when
    the caller has it already (the win rates read the same one).
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
    if table is None:
        table = MatchedTable.of(df, [m for m in metrics if m in df.columns])
    rows = []
    for i, model_a in enumerate(all_models):
        for model_b in all_models[i + 1 :]:
            pairs = table.pairs(model_a, model_b)
            if not pairs:
                continue
            diffs = table.differences(pairs)
            spans = difference_bounds(
                column_bounds([ranges.get(m, UNBOUNDED) for m in pairs], len(pairs))
            )
            found = mean_intervals(diffs, confidence, n_resamples, seed, False, as_pairs(spans))
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
    both: MatchedPair,
    found: ColumnIntervals,
    column: int,
    confidence: float,
) -> list[object]:
    """One paired_differences row; 0/1 metrics get Newcombe's paired interval instead."""
    model_a, model_b = models
    low, high = found.low[column], found.high[column]
    first, second = both.first, both.second
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
    df: pd.DataFrame,
    metric: str,
    direction: str,
    models: Sequence[str] | None = None,
    table: MatchedTable | None = None,
) -> pd.DataFrame:
    """Share of matched jobs where the row model beats the column model (ties count half).

    `direction` is the metric's declared direction: 'higher' or 'lower' is better. NaN where
    two models share no matched job; the diagonal is NaN. `table`: a `MatchedTable` holding
    `metric`, when the caller has one already.
    """
    if direction not in ("higher", "lower"):
        raise ValueError(f"win rates need a direction of 'higher' or 'lower', not {direction!r}")
    all_models = sorted(df["model"].unique()) if models is None else list(models)
    if table is None:
        table = MatchedTable.of(df, [metric] if metric in df.columns else [])
    sign = 1.0 if direction == "higher" else -1.0
    matrix = np.full((len(all_models), len(all_models)), np.nan)
    for i, model_a in enumerate(all_models):
        for j, model_b in enumerate(all_models):
            both = table.pair(metric, model_a, model_b) if model_a != model_b else None
            if both is None or both.first.size == 0:
                continue
            delta = sign * (both.first - both.second)
            matrix[i, j] = float(((delta > 0) + 0.5 * (delta == 0)).mean())
    return pd.DataFrame(matrix, index=all_models, columns=all_models, dtype=np.float64)
