"""Per-model statistics pinned exactly: every column of `model_summary` for two models with
different, asymmetric outcomes, the no-data branches (NaN, never 0), grouping by no key and
by two keys, and metric means with their intervals and resample parameters."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from vidbench.reports.intervals import mean_intervals, wilson_ci
from vidbench.reports.stats import (
    LATENCY_PERCENTILES,
    cost_summary,
    latency_percentiles,
    latency_summary,
    metric_summary,
    model_summary,
    rate_summary,
)


def _jobs() -> pd.DataFrame:
    """Model "a": 8 jobs (3 succeeded, 1 failed, 1 errored, 1 rejected, 1 skipped, 1
    unsupported); model "b": 3 jobs (2 succeeded, 1 failed). Rows listed "b" first."""
    rows = [
        ("b", "c2", "succeeded", True, 12.0, 0.5, 4.0),
        ("a", "c1", "succeeded", True, 10.0, 1.0, 5.0),
        ("a", "c1", "failed", False, 300.0, 0.25, 5.0),
        ("b", "c1", "failed", False, 99.0, np.nan, 4.0),
        ("a", "c2", "succeeded", False, 20.0, 1.0, 10.0),
        ("a", "c2", "errored", False, 400.0, 0.0, 5.0),
        ("a", "c1", "rejected", False, 500.0, 0.0, 5.0),
        ("b", "c2", "succeeded", None, np.nan, 0.5, 4.0),
        ("a", "c1", "skipped", True, 600.0, np.nan, 5.0),
        ("a", "c2", "unsupported", True, 700.0, np.nan, 5.0),
        ("a", "c1", "succeeded", True, 60.0, 1.0, 5.0),
    ]
    return pd.DataFrame(
        rows,
        columns=["model", "category", "status", "usable", "latency_s", "cost_usd", "duration_s"],
    )


def test_latency_percentiles_exact() -> None:
    assert LATENCY_PERCENTILES == (50, 90, 95)
    found = latency_percentiles([10.0, np.nan, 20.0, 30.0, 40.0])
    assert found == pytest.approx({"p50": 25.0, "p90": 37.0, "p95": 38.5})
    assert list(found) == ["p50", "p90", "p95"]
    assert latency_percentiles([1.0, 3.0], (12.5,)) == {"p12.5": 1.25}
    empty = latency_percentiles([np.nan])
    assert list(empty) == ["p50", "p90", "p95"] and all(np.isnan(v) for v in empty.values())


def test_rate_summary_exact_per_model() -> None:
    rates = rate_summary(_jobs()).set_index("model")
    assert list(rates.index) == ["a", "b"]
    a, b = rates.loc["a"], rates.loc["b"]
    counts = ["n_jobs", "n_attempted", "n_succeeded", "n_failed", "n_rejected", "n_usable"]
    assert [a[c] for c in counts] == [8, 6, 3, 2, 1, 2]
    assert (a["n_unsupported"], a["n_skipped"]) == (1, 1)
    assert [b[c] for c in counts] == [3, 3, 2, 1, 0, 1]
    assert (b["n_unsupported"], b["n_skipped"]) == (0, 0)
    for row, label, k, n in [
        (a, "success", 3, 6),
        (a, "failure", 2, 6),
        (a, "rejection", 1, 6),
        (a, "usable", 2, 6),
        (b, "success", 2, 3),
        (b, "failure", 1, 3),
        (b, "rejection", 0, 3),
        (b, "usable", 1, 3),
    ]:
        low, high = wilson_ci(k, n)
        assert row[f"{label}_rate"] == pytest.approx(k / n, abs=1e-12)
        assert row[f"{label}_rate_low"] == pytest.approx(float(low), abs=1e-12)
        assert row[f"{label}_rate_high"] == pytest.approx(float(high), abs=1e-12)


def test_rate_summary_at_another_confidence() -> None:
    row = rate_summary(_jobs(), confidence=0.8).set_index("model").loc["a"]
    ref = scipy_stats.binomtest(3, 6).proportion_ci(0.8, method="wilson")
    assert (row["success_rate_low"], row["success_rate_high"]) == pytest.approx(
        (ref.low, ref.high), abs=1e-9
    )


def test_rates_without_usable_or_attempts_are_nan() -> None:
    df = _jobs().drop(columns="usable")
    row = rate_summary(df).set_index("model").loc["a"]
    assert np.isnan(row["n_usable"]) and np.isnan(row["usable_rate"])
    assert np.isnan(row["usable_rate_low"]) and np.isnan(row["usable_rate_high"])
    assert row["success_rate"] == pytest.approx(0.5)
    none_known = _jobs().assign(usable=None)
    assert np.isnan(rate_summary(none_known).iloc[0]["usable_rate"])
    skipped = pd.DataFrame({"model": ["m", "m"], "status": ["skipped", "unsupported"]})
    row = rate_summary(skipped).iloc[0]
    assert (row["n_jobs"], row["n_attempted"]) == (2, 0)
    for label in ("success", "failure", "rejection"):
        assert np.isnan(row[f"{label}_rate"]) and np.isnan(row[f"{label}_rate_high"])


def test_rate_summary_without_groups_and_with_two_keys() -> None:
    whole = rate_summary(_jobs(), by=())
    assert len(whole) == 1 and whole.iloc[0]["n_jobs"] == 11
    assert whole.iloc[0]["n_succeeded"] == 5
    two = rate_summary(_jobs(), by=("model", "category")).set_index(["model", "category"])
    assert list(two.index) == [("a", "c1"), ("a", "c2"), ("b", "c1"), ("b", "c2")]
    assert two.loc[("a", "c1"), "n_jobs"] == 5
    assert two.loc[("a", "c1"), "n_attempted"] == 4
    assert two.loc[("b", "c2"), "n_succeeded"] == 2
    empty = rate_summary(_jobs().iloc[:0])
    assert empty.empty and list(empty.columns) == ["model"]


def test_latency_summary_exact() -> None:
    out = latency_summary(_jobs()).set_index("model")
    a, b = out.loc["a"], out.loc["b"]
    assert a["n_latency"] == 3
    assert a["latency_mean_s"] == pytest.approx(30.0)
    assert a["latency_p50_s"] == pytest.approx(20.0)
    assert a["latency_p90_s"] == pytest.approx(52.0)
    assert a["latency_p95_s"] == pytest.approx(56.0)
    assert b["n_latency"] == 1  # the NaN latency is not counted
    assert (b["latency_mean_s"], b["latency_p95_s"]) == (12.0, 12.0)
    none = latency_summary(pd.DataFrame({"model": ["m"], "status": ["failed"], "latency_s": [5.0]}))
    assert none.iloc[0]["n_latency"] == 0 and np.isnan(none.iloc[0]["latency_mean_s"])
    assert list(latency_summary(_jobs().iloc[:0]).columns) == ["model"]


def test_cost_summary_exact() -> None:
    out = cost_summary(_jobs()).set_index("model")
    a, b = out.loc["a"], out.loc["b"]
    assert a["total_cost_usd"] == pytest.approx(3.25)
    assert a["cost_per_clip_usd"] == pytest.approx(3.25 / 3)
    assert a["cost_per_video_second_usd"] == pytest.approx(3.25 / 20)
    assert a["cost_per_usable_clip_usd"] == pytest.approx(3.25 / 2)
    assert b["total_cost_usd"] == pytest.approx(1.0)
    assert b["cost_per_clip_usd"] == pytest.approx(0.5)
    assert b["cost_per_video_second_usd"] == pytest.approx(1.0 / 8)
    assert b["cost_per_usable_clip_usd"] == pytest.approx(1.0)
    assert list(cost_summary(_jobs().iloc[:0]).columns) == ["model"]


def test_cost_summary_nan_branches() -> None:
    unknown = _jobs().assign(cost_usd=np.nan)
    row = cost_summary(unknown).set_index("model").loc["a"]
    assert all(np.isnan(row[c]) for c in row.index)
    no_usable = cost_summary(_jobs().drop(columns="usable")).set_index("model").loc["a"]
    assert np.isnan(no_usable["cost_per_usable_clip_usd"])
    assert no_usable["cost_per_clip_usd"] == pytest.approx(3.25 / 3)
    failed = pd.DataFrame(
        {
            "model": ["m"],
            "status": ["failed"],
            "usable": [True],
            "cost_usd": [0.5],
            "duration_s": [5.0],
        }
    )
    row = cost_summary(failed).iloc[0]
    assert row["total_cost_usd"] == 0.5
    assert np.isnan(row["cost_per_clip_usd"]) and np.isnan(row["cost_per_video_second_usd"])
    assert np.isnan(row["cost_per_usable_clip_usd"])
    zero_s = failed.assign(status="succeeded", duration_s=0.0, usable=False)
    row = cost_summary(zero_s).iloc[0]
    assert row["cost_per_clip_usd"] == 0.5 and np.isnan(row["cost_per_video_second_usd"])
    assert np.isnan(row["cost_per_usable_clip_usd"])


def test_model_summary_is_the_three_tables_side_by_side() -> None:
    df = _jobs()
    merged = model_summary(df)
    assert list(merged["model"]) == ["a", "b"]
    expected = (
        rate_summary(df)
        .merge(latency_summary(df), on=["model"])
        .merge(cost_summary(df), on=["model"])
    )
    pd.testing.assert_frame_equal(merged, expected)
    assert merged.shape == (2, 30)
    whole = model_summary(df, by=())
    assert len(whole) == 1
    assert whole.iloc[0]["n_jobs"] == 11 and whole.iloc[0]["n_latency"] == 4
    assert whole.iloc[0]["total_cost_usd"] == pytest.approx(4.25)
    two = model_summary(df, by=("model", "category"))
    assert len(two) == 4 and {"model", "category", "latency_p50_s"} <= set(two.columns)
    assert two.set_index(["model", "category"]).loc[("a", "c2"), "total_cost_usd"] == 1.0


def test_metric_summary_rows_and_parameters() -> None:
    scores = [20.0, 22.0, 25.0, 21.0, 30.0, 27.0, 23.0, 24.0, 29.0, 26.0, 28.0, 35.0]
    df = pd.DataFrame(
        {
            "model": ["b"] * 2 + ["a"] * 12,
            "score": [5.0, "7"] + scores,
            "flag": [1.0, 0.0] + [1.0] * 9 + [0.0] * 3,
        }
    )
    out = metric_summary(df, ["score", "missing", "flag"], n_resamples=40, seed=2)
    assert list(out.columns) == ["model", "metric", "n", "mean", "ci_low", "ci_high", "interval"]
    assert list(zip(out["model"], out["metric"], strict=True)) == [
        ("a", "score"),
        ("a", "flag"),
        ("b", "score"),
        ("b", "flag"),
    ]
    ref = mean_intervals(np.array(scores), n_resamples=40, seed=2)
    a_score = out.iloc[0]
    assert (a_score["n"], a_score["interval"]) == (12, "studentized bootstrap")
    assert a_score["mean"] == pytest.approx(float(np.mean(scores)))
    assert (a_score["ci_low"], a_score["ci_high"]) == (ref.low[0], ref.high[0])
    other_seed = metric_summary(df, ["score"], n_resamples=40, seed=3).iloc[0]
    assert other_seed["ci_low"] != a_score["ci_low"]
    b_score = out.iloc[2]
    half = scipy_stats.t.ppf(0.975, 1) * math.sqrt(2.0) / math.sqrt(2.0)
    assert b_score["mean"] == 6.0  # "7" is read as a number
    assert (b_score["ci_low"], b_score["ci_high"]) == pytest.approx((6.0 - half, 6.0 + half))
    low, high = wilson_ci(9, 12, 0.8)
    narrow = metric_summary(df, ["flag"], confidence=0.8).iloc[0]
    assert (narrow["ci_low"], narrow["ci_high"]) == pytest.approx((float(low), float(high)))
    assert isinstance(out.iloc[0]["n"], (int, np.integer))


def test_metric_summary_without_metrics_or_rows_is_an_empty_table() -> None:
    columns = ["model", "metric", "n", "mean", "ci_low", "ci_high", "interval"]
    df = pd.DataFrame({"model": ["a"], "score": [1.0]})
    assert list(metric_summary(df, ["nothing"]).columns) == columns
    assert metric_summary(df, ["nothing"]).empty
    assert metric_summary(df.iloc[:0], ["score"]).empty
    whole = metric_summary(df, ["score"], by=())
    assert list(whole.columns) == columns[1:]
    assert whole.iloc[0]["n"] == 1 and whole.iloc[0]["interval"] == "none (n < 2)"


def test_latency_percentiles_read_missing_values_as_none() -> None:
    found = latency_percentiles([10.0, None, 30.0])  # type: ignore[list-item]
    assert found == pytest.approx({"p50": 20.0, "p90": 28.0, "p95": 29.0})


def test_columns_of_python_objects_give_the_same_tables() -> None:
    """Columns read as objects (None for missing, as from JSON records) are numbers too."""
    df = _jobs()
    as_objects = df.assign(
        latency_s=df["latency_s"].astype(object).where(df["latency_s"].notna(), None),
        cost_usd=df["cost_usd"].astype(object).where(df["cost_usd"].notna(), None),
        duration_s=df["duration_s"].astype(object),
    )
    pd.testing.assert_frame_equal(latency_summary(as_objects), latency_summary(df))
    pd.testing.assert_frame_equal(cost_summary(as_objects), cost_summary(df))
    unknown_length = pd.DataFrame(
        {
            "model": ["m", "m"],
            "status": ["succeeded", "succeeded"],
            "cost_usd": [1.0, 1.0],
            "duration_s": pd.Series([4.0, None], dtype=object),
        }
    )
    row = cost_summary(unknown_length).iloc[0]
    assert row["cost_per_video_second_usd"] == pytest.approx(0.5)


def test_unused_categories_make_no_rows() -> None:
    df = _jobs().assign(model=pd.Categorical(_jobs()["model"], categories=["a", "b", "zz"]))
    for table in (rate_summary(df), latency_summary(df), cost_summary(df), model_summary(df)):
        assert list(table["model"]) == ["a", "b"]
    assert list(metric_summary(df.assign(score=1.0), ["score"])["model"]) == ["a", "b"]


def test_a_clip_shorter_than_a_second_has_a_cost_per_second() -> None:
    df = pd.DataFrame(
        {"model": ["m"], "status": ["succeeded"], "cost_usd": [0.2], "duration_s": [0.5]}
    )
    assert cost_summary(df).iloc[0]["cost_per_video_second_usd"] == pytest.approx(0.4)


def test_unreadable_metric_values_are_missing_not_an_error() -> None:
    df = pd.DataFrame({"model": ["a"] * 3, "score": [1.0, "n/a", 3.0]})
    row = metric_summary(df, ["score"]).iloc[0]
    assert (row["n"], row["mean"]) == (2, 2.0)


def test_an_empty_frame_without_groups_is_an_empty_table() -> None:
    df = pd.DataFrame({"score": [1.0]}).iloc[:0]
    assert metric_summary(df, ["score"], by=()).empty
    assert metric_summary(pd.DataFrame({"score": [1.0]}), ["other"], by=()).empty
