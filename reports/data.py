"""Reading a run directory for the reports: the results table, the manifest and scorer metadata
(directions and ranges of the metrics)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vidbench.core.run.results import BASE_COLUMNS
from vidbench.core.scorers.base import NON_NEGATIVE, SHARE, UNBOUNDED, Bounds
from vidbench.core.scorers.registry import declared_outputs
from vidbench.core.store.confine import FileRefused, open_run_file
from vidbench.core.store.store import (
    MAX_RESULTS_BYTES,
    RESULTS_CSV,
    RESULTS_PARQUET,
    RunDir,
)

# Direction of the harness's own job columns. Scorer metrics' directions come from each
# scorer's declaration (vidbench.core.scorers.registry), overridden by a run's scorers.json.
# "higher" = higher is better, "lower" = lower is better, "none" = descriptive only.
JOB_DIRECTIONS: dict[str, str] = {
    "latency_s": "lower",
    "queue_s": "lower",
    "generation_s": "lower",
    "download_s": "lower",
    "cost_usd": "lower",
    "usable": "higher",
}


# Ranges of the harness's own job columns (scorer outputs declare theirs: Output.bounds).
JOB_BOUNDS: dict[str, Bounds] = {
    "latency_s": NON_NEGATIVE,
    "queue_s": NON_NEGATIVE,
    "generation_s": NON_NEGATIVE,
    "download_s": NON_NEGATIVE,
    "cost_usd": NON_NEGATIVE,
    "cost_native": NON_NEGATIVE,
    "tokens": NON_NEGATIVE,
    "usable": SHARE,
}


def builtin_bounds() -> dict[str, Bounds]:
    """Job columns' ranges plus every registered scorer output's declared range."""
    declared = {
        column: output.bounds
        for column, output in declared_outputs().items()
        if output.bounds != UNBOUNDED
    }
    return {**JOB_BOUNDS, **declared}


def _bounds_from_json(value: Any) -> Bounds | None:
    """[low, high] as scorers.json holds it (null for an open end); None when malformed."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    ends: list[float | None] = []
    for end in value:
        if end is None:
            ends.append(None)
        elif isinstance(end, int | float) and not isinstance(end, bool) and np.isfinite(end):
            ends.append(float(end))
        else:
            return None
    low, high = ends
    return None if low is not None and high is not None and not low < high else (low, high)


def metric_bounds(scorers: dict[str, Any]) -> dict[str, Bounds]:
    """Metric column → (low, high), from scorers.json overriding the built-in declarations."""
    bounds = builtin_bounds()
    for meta in scorers.values():
        outputs = meta.get("outputs") if isinstance(meta, dict) else None
        if not isinstance(outputs, dict):
            continue
        for column, spec in outputs.items():
            found = _bounds_from_json(spec.get("bounds")) if isinstance(spec, dict) else None
            if found is not None:
                bounds[str(column)] = found
    return bounds


def builtin_directions() -> dict[str, str]:
    """Job columns' directions plus every registered scorer output's declared direction."""
    declared = {column: output.direction for column, output in declared_outputs().items()}
    return {**JOB_DIRECTIONS, **declared}


def declared_regression_thresholds() -> dict[str, float]:
    """Metric → the smallest change `compare` counts, as declared by its scorer (absolute)."""
    return {
        column: output.regression_threshold
        for column, output in declared_outputs().items()
        if output.regression_threshold is not None
    }


# A snapshot taken at import, for callers that want a plain dict; builtin_directions() also
# sees scorer plugins installed after import.
BUILTIN_DIRECTIONS: dict[str, str] = builtin_directions()


# Columns of the results table that are never metrics even when numeric: the harness's own
# job, timing and cost columns (latency and cost are summarised separately) and `usable`.
NON_METRIC_COLUMNS = frozenset(BASE_COLUMNS) | {"usable"}

# Statuses that count as an attempt (the denominator of success/failure/usable rates).
NOT_ATTEMPTED = ("skipped", "unsupported")
FAILED_STATUSES = ("failed", "errored")


@dataclass
class RunData:
    """Everything a report needs from one run directory."""

    path: Path
    results: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    scorers: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The run's display name (manifest run_id or name, else the folder name)."""
        for key in ("run_id", "name"):
            value = self.manifest.get(key)
            if isinstance(value, str) and value:
                return value
        return self.path.name

    @property
    def directions(self) -> dict[str, str]:
        """Metric column → direction, scorers.json first, then the scorers' declarations."""
        return metric_directions(self.scorers)

    @property
    def bounds(self) -> dict[str, Bounds]:
        """Metric column → its range (low, high), scorers.json first, then the declarations."""
        return metric_bounds(self.scorers)

    @property
    def metrics(self) -> list[str]:
        """Scorer metric columns with at least one value in this run."""
        return metric_columns(self.results, self.scorers)

    @property
    def simulated_models(self) -> list[str]:
        """Models whose results came from a simulator (manifest or results column)."""
        return simulated_models(self.results, self.manifest)

    @property
    def quality_metric(self) -> str:
        """The manifest's quality metric if it has values here, else 'usable_rate'."""
        wanted = self.manifest.get("quality_metric")
        if (
            isinstance(wanted, str)
            and wanted in self.results.columns
            and has_values(self.results[wanted])
        ):
            return wanted
        return "usable_rate"


def read_or_empty(read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A run's JSON file by its RunDir reader (no link followed, size capped), or {} when it
    is absent, refused or not JSON."""
    try:
        return read()
    except (OSError, ValueError):  # FileRefused and UnicodeDecodeError are ValueErrors
        return {}


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a dict, else an empty one (manifest fields are untrusted)."""
    return value if isinstance(value, dict) else {}


def load_run(run_dir: Path | str) -> RunData:
    """Load results.parquet (or results.csv), manifest.json and scorers.json from a run directory.

    Each is opened without following a link, only as a regular file, within its size cap
    (`open_run_file`): a shared run directory must not make a report read a file elsewhere.
    A refused results table raises FileRefused (a ValueError) naming the file and why."""
    path = Path(run_dir)
    return RunData(
        path,
        normalise_results(read_results(path)),
        read_or_empty(RunDir(path).manifest),
        read_or_empty(RunDir(path).scorers_meta),
    )


def read_results(run_dir: Path) -> pd.DataFrame:
    """A run's results.parquet (else results.csv) as it is on disk, read through
    `open_run_file`: no link followed, a regular file within MAX_RESULTS_BYTES."""
    for name, reader in ((RESULTS_PARQUET, pd.read_parquet), (RESULTS_CSV, pd.read_csv)):
        table = run_dir / name
        if table.exists() or table.is_symlink():
            try:
                handle = open_run_file(table, MAX_RESULTS_BYTES)
            except FileRefused as exc:  # name the run: compare and publish read several
                raise FileRefused(f"{run_dir}{os.sep}{exc}") from None
            with handle:
                return pd.DataFrame(reader(handle))
    raise FileNotFoundError(f"no {RESULTS_PARQUET} or {RESULTS_CSV} in {run_dir}")


def normalise_results(df: pd.DataFrame) -> pd.DataFrame:
    """Give a results table the columns every report relies on, with stable types."""
    out = df.copy()
    for column, default in (
        ("model", "?"),
        ("prompt_id", "?"),
        ("category", "uncategorised"),
        ("status", "?"),
    ):
        if column not in out.columns:
            out[column] = default
        out[column] = out[column].astype("object").where(out[column].notna(), default).astype(str)
    if "sample" not in out.columns:
        out["sample"] = 0
    out["sample"] = pd.to_numeric(out["sample"], errors="coerce").fillna(0).astype(int)
    for column in ("latency_s", "cost_usd", "duration_s"):
        out[column] = (
            pd.to_numeric(out[column], errors="coerce") if column in out.columns else np.nan
        )
    return out


def has_values(series: pd.Series) -> bool:
    """True when a column has at least one non-missing numeric value."""
    return bool(pd.to_numeric(series, errors="coerce").notna().any())


def metric_directions(scorers: dict[str, Any]) -> dict[str, str]:
    """Metric column → 'higher' | 'lower' | 'none', from scorers.json overriding the built-ins."""
    return {**builtin_directions(), **declared_directions(scorers)}


def declared_directions(scorers: dict[str, Any]) -> dict[str, str]:
    """Metric column → direction as a run's scorers.json declares it (malformed entries and
    unknown directions left out: the file is input from strangers)."""
    directions: dict[str, str] = {}
    for meta in scorers.values():
        outputs = meta.get("outputs") if isinstance(meta, dict) else None
        if not isinstance(outputs, dict):
            continue
        for column, spec in outputs.items():
            direction = spec.get("direction") if isinstance(spec, dict) else None
            if direction in ("higher", "lower", "none"):
                directions[str(column)] = direction
    return directions


def metric_columns(df: pd.DataFrame, scorers: dict[str, Any]) -> list[str]:
    """Numeric scorer columns present in df with at least one value, in a stable order."""
    # scorers.json order first (the scorers' own order), then the registered declarations.
    from_scorers = [
        str(column)
        for meta in scorers.values()
        if isinstance(meta, dict) and isinstance(meta.get("outputs"), dict)
        for column in meta["outputs"]
    ]
    declared = [
        c
        for c in dict.fromkeys([*from_scorers, *builtin_directions()])
        if c not in NON_METRIC_COLUMNS
    ]
    extra = [c for c in df.columns if c not in NON_METRIC_COLUMNS and c not in declared]
    out = []
    for column in declared + extra:
        if column not in df.columns or column in out:
            continue
        values = df[column]
        numeric = values.dtype == bool or pd.api.types.is_numeric_dtype(values)
        if numeric and has_values(values.astype(float)):
            out.append(column)
    return out


def simulated_models(df: pd.DataFrame, manifest: dict[str, Any]) -> list[str]:
    """Sorted model ids marked simulated by the manifest or by the `simulated` column."""
    names: set[str] = set()
    listed = manifest.get("simulated_models")  # {model id: profile} (a list in older runs)
    if isinstance(listed, list | dict):
        names.update(str(x) for x in listed)
    if "simulated" in df.columns:
        flags = df["simulated"].astype("object").fillna(False).astype(bool)
        names.update(df.loc[flags, "model"].astype(str).unique())
    return sorted(names)


def unavailable_scorers(scorers: dict[str, Any]) -> list[tuple[str, str]]:
    """(scorer, reason) for every scorer that scorers.json says was unavailable."""
    out = []
    for name, meta in scorers.items():
        if isinstance(meta, dict) and meta.get("available") is False:
            out.append((str(name), str(meta.get("reason") or "no reason recorded")))
    return out
