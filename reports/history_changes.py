"""Change points and provider drift across a run history.

A **change point** is a run from which a series (one configuration group × model × metric:
`reports.history_series`) moved beyond its noise. Each step is tested against a pooled
window of earlier runs rather than the previous run alone (`reports.history_window`): per
job key (prompt, sample), the mean of the up to 5 runs before the step against the mean of
the up to 5 runs from it on (the newest run alone at the newest step), with the exact
signed-rank test (metrics; latency of delivered clips on the log scale) or the exact
stratified test that is McNemar's test for windows (0/1 rates). Benjamini-Hochberg controls
the false discovery rate over every test of a family — all series, steps, and the latency
drift tests whose step run lies in one block of 30 runs of the history — and a change is
flagged when its adjusted p < 0.05 and it exceeds the metric's threshold (compare's:
`thresholds()`); consecutive flagged steps of a series in one direction are one change
point. Measured in docs/history.md (`benchmarks/history.py`).

The nightly gate (`reports.history_gate`) is another question — the newest run against one
baseline run, as `compare` decides it — and is not corrected over the history.

**Provider drift**: a different provider model version in the task responses
(`provider_model_version`, else `provider_model`), a changed price entry in the manifest,
and a latency distribution shift (two-sample Kolmogorov-Smirnov between consecutive runs on
delivered clips, in the change points' families).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from vidbench.reports.compare import DEFAULT_THRESHOLDS, Comparison, Threshold
from vidbench.reports.data import declared_regression_thresholds
from vidbench.reports.gate import ALPHA, bh_adjust, corrected_change
from vidbench.reports.history import History
from vidbench.reports.history_series import LATENCY, Series, history_series
from vidbench.reports.history_window import (
    FAMILY_RUNS,
    TEST_NAMES,
    StepTest,
    change_points,
    family_adjusted,
    series_tests,
)

__all__ = ["ALPHA", "ChangePoint", "Drift", "bh_adjust", "corrected_change", "find_changes"]

DEFAULT_RELATIVE_THRESHOLD = 0.02


@dataclass(frozen=True)
class ChangePoint:
    """A run from which one model's metric moved (before_run: the run just before it)."""

    suite: str
    model: str
    metric: str
    before_run: str
    after_run: str
    comparison: Comparison
    p_adjusted: float

    @property
    def kind(self) -> str:
        """'regression' or 'improvement' by the metric's direction."""
        worse = self.comparison.difference < 0
        if self.comparison.direction == "lower":
            worse = not worse
        return "regression" if worse else "improvement"


@dataclass(frozen=True)
class Drift:
    """A provider-side change between consecutive runs: model version, price or latency."""

    suite: str
    model: str
    kind: str  # "model_version" | "price" | "latency_distribution"
    before_run: str
    after_run: str
    before: str
    after: str
    p_adjusted: float | None = None


def steps(history: History) -> pd.DataFrame:
    """Consecutive run pairs (before, after) per suite, configuration group and model."""
    present = history.table[["path", "run", "suite", "group", "order", "model"]].drop_duplicates()
    rows = []
    keys = ["suite", "group", "model"]
    for (suite, _, model), group in present.sort_values("order").groupby(keys):
        ordered = group.drop_duplicates("path").to_dict("records")
        for before, after in zip(ordered, ordered[1:], strict=False):
            rows.append(
                {
                    "suite": suite,
                    "model": model,
                    "before": before["path"],
                    "after": after["path"],
                    "before_run": before["run"],
                    "after_run": after["run"],
                }
            )
    columns = ["suite", "model", "before", "after", "before_run", "after_run"]
    return pd.DataFrame(rows, columns=columns)


def latencies(history: History) -> dict[tuple[str, str], np.ndarray]:
    """(run path, model) → latencies of the delivered clips."""
    delivered = history.connection.execute(
        "SELECT filename, model, latency_s FROM results "
        "WHERE status = 'succeeded' AND latency_s IS NOT NULL"
    ).df()
    return {
        (str(key[0]), str(key[1])): group.to_numpy(dtype=float)
        for key, group in delivered.groupby(["filename", "model"])["latency_s"]
    }


def thresholds() -> dict[str, Threshold]:
    """compare's thresholds: its defaults, then what the scorers declare."""
    declared = {m: Threshold("absolute", v) for m, v in declared_regression_thresholds().items()}
    return {**DEFAULT_THRESHOLDS, **declared}


def _latency_drift(
    pairs: pd.DataFrame, by_run: dict[tuple[str, str], np.ndarray]
) -> list[tuple[dict[str, str], float, str, str]]:
    found = []
    empty = np.empty(0)
    for step in pairs.to_dict("records"):
        values = [
            by_run.get((path, step["model"]), empty) for path in (step["before"], step["after"])
        ]
        if values[0].size < 2 or values[1].size < 2:
            continue
        p_value = float(scipy_stats.ks_2samp(values[0], values[1]).pvalue)
        before = f"p50 {np.median(values[0]):.1f} s, p95 {np.percentile(values[0], 95):.1f} s"
        after = f"p50 {np.median(values[1]):.1f} s, p95 {np.percentile(values[1], 95):.1f} s"
        found.append((step, p_value, before, after))
    return found


def _price_compared(entry: Any) -> Any:
    """A manifest price entry as drift compares it: a live price without the time it was read
    (new every run), and the `price` entry of a bundled or config price left out (the list
    price and override beside it say the same, and older runs have none)."""
    if not isinstance(entry, dict):
        return entry
    out = {key: value for key, value in entry.items() if key != "price"}
    price = entry.get("price")
    if isinstance(price, dict) and price.get("source") == "live":
        out["price"] = {key: value for key, value in price.items() if key != "fetched_at"}
    return out


def _version_and_price_drift(history: History, pairs: pd.DataFrame) -> list[Drift]:
    column = "provider_model_version"
    names = set(history.connection.execute("DESCRIBE results").df()["column_name"])
    counted = (
        history.connection.execute(f"SELECT count({column}) FROM results").fetchone()
        if column in names
        else None
    )
    if not counted or not counted[0]:
        column = "provider_model"
    versions: dict[tuple[str, str], str] = {}
    if column in names:
        rows = history.connection.execute(
            f"SELECT filename, model, string_agg(DISTINCT CAST({column} AS VARCHAR), ', ' "
            f"ORDER BY CAST({column} AS VARCHAR)) FROM results GROUP BY ALL"
        ).fetchall()
        versions = {(str(f), str(m)): str(v) for f, m, v in rows if v is not None}
    prices = {str(path): history.prices(str(path)) for path in history.runs["path"]}
    out = []
    for step in pairs.to_dict("records"):
        key_before, key_after = (step["before"], step["model"]), (step["after"], step["model"])
        if (
            key_before in versions
            and key_after in versions
            and versions[key_before] != versions[key_after]
        ):
            out.append(
                Drift(
                    step["suite"],
                    step["model"],
                    "model_version",
                    step["before_run"],
                    step["after_run"],
                    versions[key_before],
                    versions[key_after],
                )
            )
        price_before = _price_compared(prices.get(step["before"], {}).get(step["model"]))
        price_after = _price_compared(prices.get(step["after"], {}).get(step["model"]))
        if price_before is not None and price_after is not None and price_before != price_after:
            out.append(
                Drift(
                    step["suite"],
                    step["model"],
                    "price",
                    step["before_run"],
                    step["after_run"],
                    json.dumps(price_before, sort_keys=True),
                    json.dumps(price_after, sort_keys=True),
                )
            )
    return out


def _comparison(series: Series, found: StepTest, direction: str, alpha: float) -> Comparison:
    """The change point's numbers as a Comparison (what reports and --json show)."""
    kind = (
        "p50" if series.metric == LATENCY else ("rate" if found.test_kind == "binary" else "mean")
    )
    worse = (found.difference < 0) if direction == "higher" else (found.difference > 0)
    test = (
        f"{TEST_NAMES[found.test_kind]}, {found.after_runs} run(s) vs the "
        f"{found.before_runs} before"
    )
    return Comparison(
        series.model,
        series.metric,
        kind,
        direction,
        found.baseline,
        found.candidate,
        found.difference,
        found.ci_low,
        found.ci_high,
        found.p_value,
        found.n,
        found.limit,
        test,
        significant=True,
        regression=bool(worse),
        improvement=not worse,
    )


def window_changes(
    history: History, alpha: float = ALPHA, extra: list[tuple[int, float]] | None = None
) -> tuple[list[ChangePoint], np.ndarray]:
    """The change points of every series (`reports.history_window`), and the adjusted p of
    the `extra` tests (family run order, p) corrected with them."""
    limits = thresholds()
    default = Threshold("relative", DEFAULT_RELATIVE_THRESHOLD)
    found: list[Series] = []
    tests: list[StepTest] = []
    for series in history_series(history):
        limit = limits.get(series.metric, default)
        number = len(found)
        found.append(series)
        tests += series_tests(series.values, number, limit, log=series.metric == LATENCY)
    extra = extra or []
    p_values = np.array([t.p_value for t in tests] + [p for _, p in extra], dtype=np.float64)
    orders = [found[t.series].orders[t.step] for t in tests] + [o for o, _ in extra]
    adjusted = family_adjusted(p_values, np.asarray(orders, dtype=np.int64) // FAMILY_RUNS)
    changes = []
    for test, p_adjusted in change_points(tests, adjusted[: len(tests)], alpha):
        series = found[test.series]
        direction = history.directions.get(series.metric, "lower")
        changes.append(
            ChangePoint(
                series.suite,
                series.model,
                series.metric,
                series.runs[test.step - 1],
                series.runs[test.step],
                _comparison(series, test, direction, alpha),
                p_adjusted,
            )
        )
    return changes, adjusted[len(tests) :]


def find_changes(history: History, alpha: float = ALPHA) -> tuple[list[ChangePoint], list[Drift]]:
    """Every change point and provider drift in the history (see the module docstring)."""
    pairs = steps(history)
    if pairs.empty:
        return [], []
    latency = _latency_drift(pairs, latencies(history))
    order_of = dict(zip(history.runs["path"], history.runs["order"], strict=True))
    extra = [(int(order_of[step["after"]]), p_value) for step, p_value, _, _ in latency]
    changes, drift_adjusted = window_changes(history, alpha, extra)
    drifts = _version_and_price_drift(history, pairs)
    for (step, _, before, after), p in zip(latency, drift_adjusted, strict=True):
        if p < alpha:
            drifts.append(
                Drift(
                    step["suite"],
                    step["model"],
                    "latency_distribution",
                    step["before_run"],
                    step["after_run"],
                    before,
                    after,
                    float(p),
                )
            )
    return changes, drifts
