"""A history's series: per configuration group, model and metric, a (runs × jobs) array.

`reports.history_window` tests each series; this module reads them from the history's DuckDB
tables. A series holds the runs (in time order) of one suite and configuration group in
which the model measured the metric; a column is one job key (prompt_id, sample); a value is
what that job measured — the scorer metrics and the 0/1 rates (`failure_rate`,
`rejection_rate`, `usable_rate` over attempted jobs) from the long table, and, as
`latency_p50_s`, each delivered clip's latency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vidbench.reports.history import History

LATENCY = "latency_p50_s"


@dataclass(frozen=True)
class Series:
    """One suite × group × model × metric across its runs."""

    suite: str
    group: str
    model: str
    metric: str
    paths: list[str]  # run directories, in time order
    runs: list[str]  # their run ids
    orders: list[int]  # their places in the whole history (History.runs["order"])
    values: np.ndarray  # (runs × jobs), NaN where a run has no value for a job


def _frame(history: History, metrics: list[str], latency: bool) -> pd.DataFrame:
    """Long rows: suite, group, model, metric, path, run, order, job key, value."""
    names = ", ".join("'" + m.replace("'", "''") + "'" for m in metrics) or "NULL"
    job = "CAST({0}.prompt_id AS VARCHAR) || '#' || CAST({0}.sample AS VARCHAR) AS job"
    sql = f"""
        SELECT r.suite, r."group", v.model, v.metric, r.path, r.run, r."order",
               {job.format("v")}, v.value
        FROM long_values v JOIN runs_df r ON r.path = v.filename
        WHERE v.metric IN ({names})
    """
    if latency:
        sql += f"""
        UNION ALL
        SELECT r.suite, r."group", s.model, '{LATENCY}' AS metric, r.path, r.run, r."order",
               {job.format("s")}, CAST(s.latency_s AS DOUBLE) AS value
        FROM results s JOIN runs_df r ON r.path = s.filename
        WHERE s.status = 'succeeded' AND s.latency_s IS NOT NULL
        """
    return history.connection.execute(sql).df()


def history_series(history: History) -> list[Series]:
    """Every series of the history whose metric has a direction (latency: lower)."""
    wanted = [
        m
        for m in history.table["metric"].unique()
        if history.directions.get(str(m)) in ("higher", "lower") and m != "latency_s"
    ]
    columns = {str(c) for c in history.connection.execute("DESCRIBE results").df()["column_name"]}
    latency = {"latency_s", "status", "prompt_id", "sample"} <= columns
    frame = _frame(history, [str(m) for m in wanted], latency)
    out = []
    keys = ["suite", "group", "model", "metric"]
    for (suite, group, model, metric), rows in frame.groupby(keys, sort=True):
        ordered = rows.sort_values("order")
        run_codes, run_paths = pd.factorize(ordered["path"], sort=False)
        job_codes, jobs = pd.factorize(ordered["job"], sort=True)
        values = np.full((len(run_paths), len(jobs)), np.nan)
        values[run_codes, job_codes] = ordered["value"].to_numpy(dtype=np.float64)
        firsts = ordered.drop_duplicates("path")
        out.append(
            Series(
                str(suite),
                str(group),
                str(model),
                str(metric),
                [str(p) for p in firsts["path"]],
                [str(r) for r in firsts["run"]],
                [int(o) for o in firsts["order"]],
                values,
            )
        )
    return out
