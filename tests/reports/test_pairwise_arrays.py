"""The array form of the pairwise statistics gives exactly the tables of the plain pandas form
(a dropna per metric and model pair, the differences aligned by pandas), which is written out
here as the reference: on a real demo's results and on random runs with gaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vidbench.core.scorers.base import UNBOUNDED
from vidbench.reports.bounded import as_pairs, column_bounds, difference_bounds
from vidbench.reports.data import builtin_bounds
from vidbench.reports.intervals import mean_intervals, paired_rate_difference_ci
from vidbench.reports.pairwise import (
    MatchedTable,
    matched_values,
    paired_differences,
    paired_test_p_value,
    win_rate_matrix,
)

DEMO = Path(__file__).parent / "data" / "demo_judge" / "results.parquet"
RESAMPLES = 200


def reference_paired_differences(df: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """The pandas form, as paired_differences was written before its array form."""
    ranges = builtin_bounds()
    models = sorted(df["model"].unique())
    wides = {m: matched_values(df, m) for m in metrics if m in df.columns}
    rows = []
    for i, model_a in enumerate(models):
        for model_b in models[i + 1 :]:
            pairs = {
                m: w[[model_a, model_b]].dropna()
                for m, w in wides.items()
                if model_a in w.columns and model_b in w.columns
            }
            if not pairs:
                continue
            diffs = pd.DataFrame({m: b[model_a] - b[model_b] for m, b in pairs.items()})
            spans = difference_bounds(
                column_bounds([ranges.get(m, UNBOUNDED) for m in pairs], len(pairs))
            )
            found = mean_intervals(
                diffs.to_numpy(dtype=np.float64), 0.95, RESAMPLES, 0, False, as_pairs(spans)
            )
            for j, (metric, both) in enumerate(pairs.items()):
                first = both[model_a].to_numpy(dtype=float)
                second = both[model_b].to_numpy(dtype=float)
                values = first - second
                low, high = found.low[j], found.high[j]
                binary = set(np.unique(first)) | set(np.unique(second)) <= {0.0, 1.0}
                if values.size >= 2 and binary:
                    low, high = paired_rate_difference_ci(first == 1, second == 1, 0.95)
                some = values.size > 0
                rows.append(
                    {
                        "metric": metric,
                        "model_a": model_a,
                        "model_b": model_b,
                        "n_pairs": int(values.size),
                        "mean_a": float(first.mean()) if some else np.nan,
                        "mean_b": float(second.mean()) if some else np.nan,
                        "mean_diff": float(values.mean()) if some else np.nan,
                        "ci_low": float(low) if values.size >= 2 else np.nan,
                        "ci_high": float(high) if values.size >= 2 else np.nan,
                        "p_value": paired_test_p_value(values),
                    }
                )
    out = pd.DataFrame(rows)
    order = {m: k for k, m in enumerate(metrics)}
    return out.sort_values("metric", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


def reference_win_rates(df: pd.DataFrame, metric: str, sign: float) -> pd.DataFrame:
    models = sorted(df["model"].unique())
    wide = matched_values(df, metric)
    matrix = pd.DataFrame(np.nan, index=models, columns=models, dtype=np.float64)
    for a in models:
        for b in models:
            if a != b and a in wide.columns and b in wide.columns:
                both = wide[[a, b]].dropna().to_numpy()
                if both.shape[0]:
                    delta = sign * (both[:, 0] - both[:, 1])
                    matrix.loc[a, b] = float(((delta > 0) + 0.5 * (delta == 0)).mean())
    return matrix


def random_run(seed: int) -> pd.DataFrame:
    """Four models, 12 prompts x 2 samples, three metrics with gaps; one model never scored on
    `judge_score`, one metric 0/1, one job missing from one model."""
    rng = np.random.default_rng(seed)
    rows = []
    for model in ("m-a", "m-b", "m-c", "m-d"):
        for prompt in range(12):
            for sample in range(2):
                if model == "m-c" and prompt == 3 and sample == 1:
                    continue
                rows.append(
                    {
                        "model": model,
                        "prompt_id": f"p{prompt:02d}",
                        "sample": sample,
                        "clip_score": rng.normal(28, 2) if rng.random() > 0.2 else np.nan,
                        "judge_score": np.nan if model == "m-d" else rng.uniform(0, 1),
                        "usable": float(rng.random() > 0.4) if rng.random() > 0.1 else np.nan,
                    }
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_runs_give_the_reference_tables(seed: int) -> None:
    df = random_run(seed)
    metrics = ["clip_score", "judge_score", "usable", "not_a_column"]
    got = paired_differences(df, metrics, n_resamples=RESAMPLES)
    pd.testing.assert_frame_equal(got, reference_paired_differences(df, metrics), check_exact=True)
    for metric in ("clip_score", "judge_score"):
        for sign, direction in ((1.0, "higher"), (-1.0, "lower")):
            pd.testing.assert_frame_equal(
                win_rate_matrix(df, metric, direction),
                reference_win_rates(df, metric, sign),
                check_exact=True,
            )


def test_the_demo_results_give_the_reference_tables() -> None:
    df = pd.read_parquet(DEMO)
    numeric = [
        c
        for c in df.columns
        if c not in ("model", "prompt_id", "sample") and pd.api.types.is_numeric_dtype(df[c])
    ]
    metrics = [c for c in numeric if df[c].notna().any()][:12]
    assert len(metrics) >= 6, metrics
    got = paired_differences(df, metrics, n_resamples=RESAMPLES)
    pd.testing.assert_frame_equal(got, reference_paired_differences(df, metrics), check_exact=True)
    assert (got["n_pairs"] > 0).any()


def test_one_shared_table_gives_the_same_tables_as_one_per_call() -> None:
    df = random_run(3)
    metrics = ["clip_score", "judge_score", "usable"]
    table = MatchedTable.of(df, metrics)
    shared = paired_differences(df, metrics, n_resamples=RESAMPLES, table=table)
    pd.testing.assert_frame_equal(shared, reference_paired_differences(df, metrics))
    for metric in metrics:
        pd.testing.assert_frame_equal(
            win_rate_matrix(df, metric, "higher", table=table),
            reference_win_rates(df, metric, 1.0),
            check_exact=True,
        )
