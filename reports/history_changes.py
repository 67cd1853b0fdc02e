"""Change points and provider drift across a run history, and the pinned-baseline gate for CI.

A **change point** is a step between consecutive runs of the same configuration group
(`reports.history`: suite, models and settings) and model where a
metric moved beyond its noise: the paired tests of `compare` (`compare_frames`: Wilcoxon on
matched prompts, exact McNemar for rates, Mann-Whitney for latency p50) with the
Benjamini-Hochberg correction over the tests of each step (every model × metric between two
consecutive runs of a suite, as one `compare` is one family), then compare's own rule (the
CI excludes 0 and the change is larger than the metric's threshold). A family per step, not
per history: over 1,000 runs a whole-history family would need p < 0.05/75,000, which a
20-prompt Wilcoxon test cannot reach (its smallest p is 2/2^20), so a long history would hide
every change.

Testing every step in detail is slow (compare bootstraps each metric), so DuckDB first
computes each step's matched differences per model and metric; only those beyond the
metric's threshold (half of it for rates, which compare matches on attempted jobs) and with
a raw paired p below alpha are tested by `compare_frames`. The rest cannot pass compare's
rule after the correction and count as p = 1 in it, which keeps it conservative.

**Provider drift**: a different provider model version in the task responses
(`provider_model_version`, else `provider_model`), a changed price entry in the manifest,
and a latency distribution shift (two-sample Kolmogorov-Smirnov on delivered clips, corrected
with the rest).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from vidbench.reports.compare import (
    DEFAULT_THRESHOLDS,
    RATE_METRICS,
    Comparison,
    Threshold,
    compare_frames,
)
from vidbench.reports.data import declared_regression_thresholds
from vidbench.reports.gate import ALPHA, bh_adjust, corrected_change
from vidbench.reports.history import History
from vidbench.reports.pairwise import paired_test_p_value

__all__ = ["ALPHA", "ChangePoint", "Drift", "bh_adjust", "corrected_change", "find_changes"]

DEFAULT_RELATIVE_THRESHOLD = 0.02


@dataclass(frozen=True)
class ChangePoint:
    """A significant move of one metric for one model between two consecutive runs."""

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


def matched_steps(history: History, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per step × metric: matched jobs, baseline mean and mean difference (DuckDB join)."""
    connection = history.connection
    connection.register("steps_df", pairs)
    return connection.execute(
        """
        SELECT s.before, s.after, s.model, b.metric, count(*) AS n,
               avg(b.value) AS base, avg(a.value - b.value) AS difference,
               list(a.value - b.value) AS differences
        FROM steps_df s
        JOIN long_values b ON b.filename = s.before AND b.model = s.model
        JOIN long_values a ON a.filename = s.after AND a.model = s.model AND a.metric = b.metric
                   AND a.prompt_id = b.prompt_id AND a.sample = b.sample
        GROUP BY ALL
        """
    ).df()


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


def screened(
    history: History,
    pairs: pd.DataFrame,
    delivered: dict[tuple[str, str], np.ndarray],
    other_p: dict[tuple[str, str], list[float]],
    alpha: float = ALPHA,
) -> tuple[dict[tuple[str, str, str], set[str]], Counter[tuple[str, str]]]:
    """(before, after, model) → metrics worth a detailed test; tests per (before, after) step.

    Necessary conditions for compare's rule after the correction, so nothing that could be a
    change point is skipped: the change exceeds the threshold (matched mean difference; the
    latency median difference), and the raw p (the same Wilcoxon and Mann-Whitney tests as
    compare) is at most alpha·k/m, where m counts the step's tests and k its p-values that
    could be at most alpha (Benjamini-Hochberg rejects p only if p ≤ alpha·R/m with R ≤ k).
    `other_p` holds each step's other p-values (the latency KS tests), which count in m and k.
    Rates and 0/1 metrics (McNemar in compare) pass on the threshold alone.
    """
    limits = thresholds()
    default = Threshold("relative", DEFAULT_RELATIVE_THRESHOLD)
    tests: Counter[tuple[str, str]] = Counter()
    candidates: list[tuple[tuple[str, str, str], str, float]] = []  # p = 0.0: not filtered
    for row in matched_steps(history, pairs).itertuples():
        metric = str(row.metric)
        direction = history.directions.get(metric, "none")
        if direction not in ("higher", "lower") or row.n < 2 or metric == "latency_s":
            continue
        tests[(row.before, row.after)] += 1
        differences = np.asarray(row.differences, dtype=float)
        binary = metric in RATE_METRICS or bool(np.isin(differences, (-1.0, 0.0, 1.0)).all())
        limit = limits.get(metric, default).absolute_for(float(row.base)) * (0.5 if binary else 1.0)
        if abs(float(row.difference)) > limit:
            p_value = 0.0 if binary else paired_test_p_value(differences)
            candidates.append(((row.before, row.after, row.model), metric, p_value))
    latency_limit = limits.get("latency_p50_s", default)
    for step in pairs.to_dict("records"):
        before = delivered.get((step["before"], step["model"]), np.empty(0))
        after = delivered.get((step["after"], step["model"]), np.empty(0))
        if before.size < 2 or after.size < 2:
            continue
        tests[(step["before"], step["after"])] += 1
        base = float(np.median(before))
        if abs(float(np.median(after)) - base) > latency_limit.absolute_for(base):
            p_value = scipy_stats.mannwhitneyu(after, before, alternative="two-sided").pvalue
            key = (step["before"], step["after"], step["model"])
            candidates.append((key, "latency_p50_s", float(p_value)))
    small: Counter[tuple[str, str]] = Counter(
        {family: sum(p <= alpha for p in ps) for family, ps in other_p.items()}
    )
    for key, _, p_value in candidates:
        small[key[:2]] += p_value <= alpha
    wanted: dict[tuple[str, str, str], set[str]] = {}
    for key, metric, p_value in candidates:
        family = key[:2]
        m = tests[family] + len(other_p.get(family, []))
        if p_value <= alpha * small[family] / max(1, m):
            wanted.setdefault(key, set()).add(metric)
    return wanted, tests


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
        price_before = prices.get(step["before"], {}).get(step["model"])
        price_after = prices.get(step["after"], {}).get(step["model"])
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


def _detailed_tests(
    history: History, pairs: pd.DataFrame, wanted: dict[tuple[str, str, str], set[str]]
) -> list[tuple[dict[str, str], Comparison]]:
    """compare_frames on the screened steps, in one call: each step is its own 'model'."""
    if not wanted:
        return []
    by_key = {(s["before"], s["after"], s["model"]): s for s in pairs.to_dict("records")}
    befores: list[pd.DataFrame] = []
    afters: list[pd.DataFrame] = []
    for number, key in enumerate(wanted):
        step = by_key[key]
        for side, path in ((befores, step["before"]), (afters, step["after"])):
            rows = history.run_results(path, step["model"])
            rows["model"] = str(number)
            side.append(rows)
    metrics = sorted(set().union(*wanted.values()))
    keys = list(wanted)
    out = []
    for comparison in compare_frames(
        pd.concat(befores, ignore_index=True),
        pd.concat(afters, ignore_index=True),
        history.directions,
        metrics,
    ):
        key = keys[int(comparison.model)]
        if comparison.metric in wanted[key]:
            step = by_key[key]
            out.append((step, dataclasses.replace(comparison, model=step["model"])))
    return out


def find_changes(history: History, alpha: float = ALPHA) -> tuple[list[ChangePoint], list[Drift]]:
    """Every change point and provider drift in the history (see the module docstring)."""
    pairs = steps(history)
    if pairs.empty:
        return [], []
    delivered = latencies(history)
    latency = _latency_drift(pairs, delivered)
    ks_p: dict[tuple[str, str], list[float]] = {}
    for step, p_value, _, _ in latency:
        ks_p.setdefault((step["before"], step["after"]), []).append(p_value)
    wanted, tests = screened(history, pairs, delivered, ks_p, alpha)
    for step, _, _, _ in latency:
        tests[(step["before"], step["after"])] += 1
    tested = _detailed_tests(history, pairs, wanted)
    # One family per step (every model × metric between two consecutive runs), as compare
    # corrects one comparison: a long history does not hide today's change.
    families: dict[tuple[str, str], list[float]] = {}
    for step, comparison in tested:
        families.setdefault((step["before"], step["after"]), []).append(comparison.p_value)
    for step, p_value, _, _ in latency:
        families.setdefault((step["before"], step["after"]), []).append(p_value)
    adjusted = {key: list(bh_adjust(ps, tests[key])) for key, ps in families.items()}

    def next_adjusted(step: dict[str, str]) -> float:
        return float(adjusted[(step["before"], step["after"])].pop(0))

    changes = []
    for step, comparison in tested:
        p_adjusted = next_adjusted(step)
        if corrected_change(comparison, p_adjusted, alpha):
            changes.append(
                ChangePoint(
                    step["suite"],
                    step["model"],
                    comparison.metric,
                    step["before_run"],
                    step["after_run"],
                    comparison,
                    p_adjusted,
                )
            )
    drifts = _version_and_price_drift(history, pairs)
    for step, _, before, after in latency:
        p = next_adjusted(step)
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
