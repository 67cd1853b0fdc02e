"""Run history: every run's results.parquet and manifest.json read in place with DuckDB.

No second store: a history is a query over the run directories as they are on disk, so it
is never out of sync. One row per run × model × metric with the mean and a 95% CI: DuckDB
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

from vidbench.core.plan.fingerprint import config_fingerprint, is_sample_run
from vidbench.core.scorers.base import Bounds
from vidbench.core.store.confine import has_glob_characters, inside_root
from vidbench.core.store.store import MANIFEST, RESULTS_PARQUET, SCORERS_META
from vidbench.reports.analysis import JOB_METRICS
from vidbench.reports.data import (
    BUILTIN_DIRECTIONS,
    FAILED_STATUSES,
    NON_METRIC_COLUMNS,
    NOT_ATTEMPTED,
    metric_bounds,
    metric_directions,
)
from vidbench.reports.history_intervals import run_intervals

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


def _refusal(root: Path, candidate: Path) -> str | None:
    """Why a run folder under `root` is skipped (untrusted names and links), or None."""
    if has_glob_characters(str(candidate.resolve())):
        return "its path holds a glob character (* ? [ ] { })"
    for name in ("", MANIFEST, RESULTS_PARQUET):
        why = inside_root(root, candidate / name if name else candidate)
        if why is not None:
            return why
    return None


def find_runs(roots: list[Path]) -> list[Path]:
    """Run directories (manifest.json + results.parquet) given directly or one or two levels down.

    Run folders are untrusted: one whose path holds a glob character, or that is (or holds
    its files as) a symbolic link leaving the root, is skipped with a warning.
    """
    found: dict[Path, None] = {}
    for root in roots:
        root = Path(root)
        candidates = [root, *sorted(root.glob("*/")), *sorted(root.glob("*/*/"))]
        for candidate in candidates:
            if (candidate / MANIFEST).is_file() and (candidate / RESULTS_PARQUET).is_file():
                why = _refusal(root, candidate)
                if why is not None:
                    print(f"warning: skipped run folder {candidate}: {why}", file=sys.stderr)
                    continue
                found[candidate.resolve()] = None
    return list(found)


def _manifests(connection: duckdb.DuckDBPyConnection, paths: list[str]) -> pd.DataFrame:
    manifest_files = [str(Path(p) / MANIFEST) for p in paths]
    query = """
        SELECT filename,
               coalesce(json_extract_string(content, '$.run_id'),
                        json_extract_string(content, '$.name')) AS run,
               coalesce(json_extract_string(content, '$.suite.name'), '?') AS suite,
               json_extract_string(content, '$.suite.sha256') AS suite_sha256,
               json_extract_string(content, '$.created_at') AS created_at,
               json_extract_string(content, '$.vidbench_version') AS vidbench_version,
               CAST(json_extract(content, '$.prices') AS VARCHAR) AS prices,
               CAST(json_extract(content, '$.simulated_models') AS VARCHAR) AS simulated,
               content
        FROM read_text(?)
    """
    runs = connection.execute(query, [manifest_files]).df()
    groups = [_group_of(text) for text in runs["content"]]
    runs["group"] = [fingerprint for fingerprint, _ in groups]
    runs["sampled"] = [sampled for _, sampled in groups]
    runs["path"] = [str(Path(f).parent) for f in runs["filename"]]
    runs["run"] = [
        r if isinstance(r, str) and r else Path(p).name
        for r, p in zip(runs["run"], runs["path"], strict=True)
    ]
    runs["created_at"] = runs["created_at"].fillna("")
    runs = runs.sort_values(["created_at", "path"]).reset_index(drop=True)
    runs["order"] = range(len(runs))
    return runs.drop(columns=["filename", "content"])


def _group_of(content: str) -> tuple[str, bool]:
    """(fingerprint, is a --sample run) of one manifest's text; derived when it has none."""
    try:
        manifest = json.loads(content)
    except ValueError:
        manifest = {}
    manifest = manifest if isinstance(manifest, dict) else {}
    written = manifest.get("fingerprint")
    found = written if isinstance(written, str) and written else config_fingerprint(manifest)
    return found, is_sample_run(manifest)


def group_label(fingerprint: str, sampled: bool) -> str:
    """A group as people see it: the fingerprint's first 8 hex digits, and 'sample' if so."""
    return fingerprint[:8] + (" (sample)" if sampled else "")


def _scorer_meta(paths: pd.Series) -> tuple[dict[str, str], dict[str, Bounds]]:
    """Metric directions and ranges: the declarations, then every run's scorers.json."""
    # Runs share a handful of distinct scorers.json files: each distinct one is read once.
    texts: dict[str, None] = {}
    for path in paths:
        meta_path = Path(path) / SCORERS_META
        if meta_path.is_file():
            texts[meta_path.read_text(encoding="utf-8")] = None
    directions = dict(BUILTIN_DIRECTIONS)
    bounds = metric_bounds({})
    for text in texts:
        try:
            meta = json.loads(text)
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


def long_values_sql(metrics: list[str], usable: bool = True) -> str:
    """SQL for the long table: one row per job × metric with a value (NULLs dropped).

    Besides the metric columns: failure_rate, rejection_rate and (when the runs have a
    `usable` column) usable_rate as 0/1 per attempted job.
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
        rates += (
            f", CASE WHEN status IN ({not_attempted}) THEN NULL "
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
) -> None:
    """Table `results`: every run's parquet rows, `filename` being the run directory."""
    parquet_files = [str(Path(p) / RESULTS_PARQUET) for p in run_paths]
    # DDL cannot take prepared parameters, so the paths are inlined as quoted SQL literals.
    files = "[" + ", ".join(_literal(f) for f in parquet_files) + "]"
    model_filter = f"WHERE model = {_literal(model)}" if model is not None else ""
    # One in-memory table (not a view): the steps query it thousands of times, and a view
    # would re-read every parquet file each time. Nothing is written to disk.
    connection.execute(
        "CREATE TABLE results AS SELECT * REPLACE "
        f"(regexp_replace(filename, '/{RESULTS_PARQUET}$', '') AS filename) "
        f"FROM read_parquet({files}, filename = true, union_by_name = true) {model_filter}"
    )


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


def load_history(
    roots: list[Path],
    suite: str | None = None,
    model: str | None = None,
    metric: str | None = None,
    since: str | None = None,
) -> History:
    """Read every run under `roots` with DuckDB; filter by suite, model, metric and date."""
    paths = [str(p) for p in find_runs(roots)]
    if not paths:
        raise FileNotFoundError(
            "no run directories (manifest.json + results.parquet) under "
            + ", ".join(str(r) for r in roots)
        )
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    runs = _manifests(connection, paths)
    if suite is not None:
        runs = runs[runs["suite"] == suite]
    if since is not None:
        runs = runs[runs["created_at"] >= since]
    if runs.empty:
        raise FileNotFoundError("no run matches the filters (--suite / --since)")
    _load_results(connection, list(runs["path"]), model)
    metrics = _metric_columns(connection)
    columns = set(connection.execute("DESCRIBE results").df()["column_name"])
    if metric is not None:
        metrics = [m for m in metrics if m == metric]
    connection.register(
        "runs_df", runs[["path", "run", "suite", "group", "sampled", "created_at", "order"]]
    )
    # The long table (job × metric) once, for the trend table here and the steps' joins later.
    connection.execute(
        f"CREATE TABLE long_values AS {long_values_sql(metrics, 'usable' in columns)}"
    )
    table, scorer_directions = _trend_table(connection, runs, metric)
    directions = {
        **scorer_directions,
        "failure_rate": "lower",
        "rejection_rate": "lower",
        "usable_rate": "higher",
    }
    return History(
        runs.reset_index(drop=True),
        table.reset_index(drop=True),
        metrics,
        directions,
        "usable" in columns,
        connection,
    )
