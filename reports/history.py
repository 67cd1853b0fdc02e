"""Run history: every run's results.parquet and manifest.json, queried with DuckDB.

No second store: a history is a query over the run directories as they are on disk, so it
is never out of sync. The files are read one by one (`history_files`: no path reaches
DuckDB, which globs; bad runs and columns are skipped and named), then held in memory. One row per run × model × metric with the mean and a 95% CI: DuckDB
gives each group's count, mean and sd, and `reports.history_intervals` turns them into the
report's intervals (Wilson for rates and 0/1 metrics, t for means, inside the metric's range).

Runs are grouped by their configuration fingerprint (`core.plan.fingerprint`: the suite's
sha256, the models and their settings, samples, the `--sample` draw): only runs of one
group are compared, so a `--sample 2` run or a run with other models never stands in for
the full run before it. The fingerprint is read from manifest.json, or derived from it for
runs written before manifests carried one.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vidbench.core.scorers.base import Bounds
from vidbench.core.seam.bounded_json import parse_json_bounded
from vidbench.core.store.confine import read_run_file
from vidbench.core.store.store import MAX_SCORERS_META_BYTES, SCORERS_META
from vidbench.reports.analysis import JOB_METRICS
from vidbench.reports.data import (
    BUILTIN_DIRECTIONS,
    FAILED_STATUSES,
    NON_METRIC_COLUMNS,
    NOT_ATTEMPTED,
    metric_bounds,
    metric_directions,
)
from vidbench.reports.history_files import (
    LeftOut,
    RunUnreadable,
    Skipped,
    combine_results,
    find_runs,
    read_manifest,
    read_results,
    scan_runs,
)
from vidbench.reports.history_intervals import run_intervals

__all__ = ["History", "find_runs", "group_label", "load_history", "long_values_sql"]
RUN_FIELDS = [
    "run", "suite", "suite_sha256", "created_at", "vidbench_version", "prices", "simulated",
    "group", "sampled", "path",
]  # fmt: skip

NUMERIC_TYPES = frozenset(
    [
        "DOUBLE",
        "FLOAT",
        "BIGINT",
        "INTEGER",
        "SMALLINT",
        "TINYINT",
        "HUGEINT",
        "BOOLEAN",
        "UBIGINT",
        "UINTEGER",
        "USMALLINT",
        "UTINYINT",
        "DECIMAL",
    ]
)


@dataclass
class History:
    """The runs found, their per-run × model × metric table, and the open DuckDB view."""

    runs: pd.DataFrame  # run, path, suite, suite_sha256, created_at, group, sampled, order, …
    table: pd.DataFrame  # run, suite, group, created_at, model, metric, n, mean, sd, ci_low, …
    metrics: list[str]
    directions: dict[str, str]
    has_usable: bool
    connection: duckdb.DuckDBPyConnection = field(repr=False)
    skipped: list[Skipped] = field(default_factory=list)  # folders not read as runs, and why
    left_out: list[LeftOut] = field(default_factory=list)  # one run's columns not read

    def run_results(self, path: str, model: str | None = None) -> pd.DataFrame:
        """One run's results rows (optionally one model's), straight from its parquet file."""
        sql = "SELECT * EXCLUDE (filename) FROM results WHERE filename = ?"
        params: list[Any] = [path]
        if model is not None:
            sql += " AND model = ?"
            params.append(model)
        return self.connection.execute(sql, params).df()

    def prices(self, path: str) -> dict[str, Any]:
        """A run's manifest price table (model → price entry)."""
        row = self.runs.loc[self.runs["path"] == path, "prices"]
        value = json.loads(row.iloc[0]) if len(row) and isinstance(row.iloc[0], str) else {}
        return value if isinstance(value, dict) else {}


def _manifests(paths: list[Path]) -> tuple[pd.DataFrame, list[Skipped]]:
    """The runs table from each run's manifest (read by `history_files`), oldest first."""
    rows, skipped = [], []
    for path in paths:
        try:
            rows.append(read_manifest(path))
        except RunUnreadable as exc:
            skipped.append(Skipped(str(path), str(exc)))
    runs = pd.DataFrame(rows, columns=RUN_FIELDS)
    runs["run"] = [
        r if isinstance(r, str) and r else Path(p).name
        for r, p in zip(runs["run"], runs["path"], strict=True)
    ]
    runs = runs.sort_values(["created_at", "path"]).reset_index(drop=True)
    runs["order"] = range(len(runs))
    return runs, skipped


def group_label(fingerprint: str, sampled: bool) -> str:
    """A group as people see it: the fingerprint's first 8 hex digits, and 'sample' if so."""
    return fingerprint[:8] + (" (sample)" if sampled else "")


def _scorer_meta(paths: pd.Series) -> tuple[dict[str, str], dict[str, Bounds]]:
    """Metric directions and ranges: the declarations, then every run's scorers.json."""
    # Runs share a handful of distinct scorers.json files: each distinct one is read once.
    texts: dict[bytes, None] = {}
    for path in paths:
        meta_path = Path(path) / SCORERS_META
        if meta_path.is_file() or meta_path.is_symlink():
            try:  # no link followed, size bounded: a run's scorers.json is a stranger's file
                texts[read_run_file(meta_path, MAX_SCORERS_META_BYTES)] = None
            except ValueError as exc:
                print(f"warning: {path}: {exc}; its metric directions not read", file=sys.stderr)
    directions = dict(BUILTIN_DIRECTIONS)
    bounds = metric_bounds({})
    for text in texts:
        try:
            meta = parse_json_bounded(text, max_bytes=MAX_SCORERS_META_BYTES)
        except ValueError:
            continue
        if isinstance(meta, dict):
            directions.update(metric_directions(meta))
            bounds.update(metric_bounds(meta))
    return directions, bounds


def _metric_columns(connection: duckdb.DuckDBPyConnection) -> list[str]:
    described = connection.execute("DESCRIBE results").df()
    out = []
    for name, kind in zip(described["column_name"], described["column_type"], strict=True):
        numeric = str(kind).split("(")[0] in NUMERIC_TYPES
        if numeric and (name not in NON_METRIC_COLUMNS or name in JOB_METRICS):
            out.append(str(name))
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def long_values_sql(
    metrics: list[str], usable: bool = True, without_usable: tuple[str, ...] = ()
) -> str:
    """SQL for the long table: one row per job × metric with a value (NULLs dropped).

    Besides the metric columns: failure_rate, rejection_rate and (when the runs have a
    `usable` column) usable_rate as 0/1 per attempted job; none for the runs in
    `without_usable` (their table has no usable verdicts, which is not "none usable").
    """
    casts = ", ".join(f"CAST({_quote(m)} AS DOUBLE) AS {_quote(m)}" for m in metrics)
    not_attempted = ", ".join(f"'{s}'" for s in NOT_ATTEMPTED)
    failed = ", ".join(f"'{s}'" for s in FAILED_STATUSES)
    rates = (
        f"CASE WHEN status IN ({not_attempted}) THEN NULL "
        f"WHEN status IN ({failed}) THEN 1.0 ELSE 0.0 END AS failure_rate, "
        f"CASE WHEN status IN ({not_attempted}) THEN NULL "
        "WHEN status = 'rejected' THEN 1.0 ELSE 0.0 END AS rejection_rate"
    )
    rate_names = ["failure_rate", "rejection_rate"]
    if usable:
        unjudged = ", ".join(_literal(path) for path in without_usable) or "NULL"
        rates += (
            f", CASE WHEN status IN ({not_attempted}) THEN NULL "
            f"WHEN filename IN ({unjudged}) THEN NULL "
            "ELSE coalesce(CAST(usable AS DOUBLE), 0.0) END AS usable_rate"
        )
        rate_names.append("usable_rate")
    names = ", ".join(_quote(m) for m in [*metrics, *rate_names])
    return f"""
        UNPIVOT (SELECT filename, model, prompt_id, sample, status, {casts}, {rates}
                 FROM results)
        ON {names} INTO NAME metric VALUE value
    """


def _load_results(
    connection: duckdb.DuckDBPyConnection, run_paths: list[str], model: str | None
) -> tuple[list[Skipped], list[LeftOut], tuple[str, ...]]:
    """Table `results`: every readable run's rows, `filename` being the run directory.

    Each run's parquet file is read by name (`history_files.read_results`), never handed to
    DuckDB as a path: DuckDB globs its file lists. Returns the runs that could not be read,
    the columns left out of single runs, and the runs whose rows carry no usable verdict.
    """
    tables: dict[str, pa.Table] = {}
    skipped: list[Skipped] = []
    for path in run_paths:
        try:
            tables[path] = read_results(Path(path))
        except RunUnreadable as exc:
            skipped.append(Skipped(path, str(exc)))
    if not tables:
        return skipped, [], ()
    combined, left_out = combine_results(tables)
    unjudged = {o.path for o in left_out if o.column == "usable"}
    unjudged |= {path for path, t in tables.items() if "usable" not in t.column_names}
    if model is not None:
        combined = combined.filter(pc.equal(combined["model"], model))
    # One in-memory table (not a view): the steps query it thousands of times.
    connection.register("results_arrow", combined)
    connection.execute("CREATE TABLE results AS SELECT * FROM results_arrow")
    connection.unregister("results_arrow")
    return skipped, left_out, tuple(sorted(unjudged))


def _trend_table(
    connection: duckdb.DuckDBPyConnection, runs: pd.DataFrame, metric: str | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per run × model × metric: n, mean, sd and the report's interval; the metric directions."""
    table = connection.execute(
        """
        SELECT r.run, r.suite, r."group", r.sampled, r.created_at, r."order", r.path,
               v.model, v.metric, count(*) AS n, avg(v.value) AS mean,
               stddev_samp(v.value) AS sd, bool_and(v.value IN (0, 1)) AS binary,
               min(v.value) AS min, max(v.value) AS max
        FROM long_values v JOIN runs_df r ON r.path = v.filename
        GROUP BY ALL ORDER BY r."order", v.model, v.metric
        """
    ).df()
    if metric is not None:
        table = table[table["metric"] == metric].copy()
    scorer_directions, bounds = _scorer_meta(runs["path"])
    table["ci_low"], table["ci_high"], table["interval"] = run_intervals(table, bounds)
    table = table.drop(columns=["binary", "min", "max"])
    return table, scorer_directions


def _say_what_was_not_read(skipped: list[Skipped], left_out: list[LeftOut], read: int) -> None:
    """One warning per folder skipped and per column left out, then a summary line."""
    for skip in skipped:
        print(f"warning: skipped run folder {skip.path}: {skip.reason}", file=sys.stderr)
    for left in left_out:
        print(f"warning: {left.path}: column {left.column!r} {left.reason}", file=sys.stderr)
    if skipped or left_out:
        print(
            f"history: read {read} run(s); skipped {len(skipped)} folder(s); "
            f"left out {len(left_out)} column(s) of single runs",
            file=sys.stderr,
        )


def _usable_column(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether `results` has a usable column of booleans or numbers (text is no verdict)."""
    described = connection.execute("DESCRIBE results").df()
    kinds = dict(zip(described["column_name"], described["column_type"], strict=True))
    return "usable" in kinds and str(kinds["usable"]).split("(")[0] in NUMERIC_TYPES


def _nothing_read(roots: list[Path], skipped: list[Skipped]) -> FileNotFoundError:
    where = ", ".join(str(r) for r in roots)
    if not skipped:
        return FileNotFoundError(
            f"no run directories (manifest.json + results.parquet) under {where}"
        )
    reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped)
    return FileNotFoundError(f"no readable run under {where} (skipped {reasons})")


def load_history(
    roots: list[Path],
    suite: str | None = None,
    model: str | None = None,
    metric: str | None = None,
    since: str | None = None,
) -> History:
    """Read every run under `roots`; filter by suite, model, metric and date.

    Folders that cannot be read as runs are skipped and named (stderr and `History.skipped`);
    FileNotFoundError when no run is left."""
    paths, skipped = scan_runs(roots)
    runs, unreadable = _manifests(paths)
    skipped += unreadable
    if suite is not None:
        runs = runs[runs["suite"] == suite]
    if since is not None:
        runs = runs[runs["created_at"] >= since]
    if runs.empty:
        _say_what_was_not_read(skipped, [], 0)
        if paths and len(unreadable) < len(paths):
            raise FileNotFoundError("no run matches the filters (--suite / --since)")
        raise _nothing_read(roots, skipped)
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    bad, left_out, unjudged = _load_results(connection, list(runs["path"]), model)
    skipped += bad
    runs = runs[~runs["path"].isin({b.path for b in bad})].reset_index(drop=True)
    runs["order"] = range(len(runs))
    _say_what_was_not_read(skipped, left_out, len(runs))
    if runs.empty:
        raise _nothing_read(roots, skipped)
    metrics = _metric_columns(connection)
    if metric is not None:
        metrics = [m for m in metrics if m == metric]
    has_usable = _usable_column(connection)
    connection.register(
        "runs_df", runs[["path", "run", "suite", "group", "sampled", "created_at", "order"]]
    )
    # The long table (job × metric) once, for the trend table here and the steps' joins later.
    long_sql = long_values_sql(metrics, has_usable, unjudged)
    connection.execute(f"CREATE TABLE long_values AS {long_sql}")
    table, scorer_directions = _trend_table(connection, runs, metric)
    directions = {
        **scorer_directions,
        "failure_rate": "lower",
        "rejection_rate": "lower",
        "usable_rate": "higher",
    }
    return History(
        runs, table.reset_index(drop=True), metrics, directions, has_usable, connection,
        skipped, left_out,
    )  # fmt: skip
