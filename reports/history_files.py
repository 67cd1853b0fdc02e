"""A runs root read as input from strangers: which folders are runs, and each run's files.

`history` reads every run's manifest.json and results.parquet itself, one named file each
(no path ever reaches DuckDB, whose file lists are globs: a folder named `*` read the other
runs again). A run folder that is, or holds its files as, a link leaving the root is skipped,
and so is one whose manifest is over `MAX_MANIFEST_BYTES` (refused by its size, before a byte
is read), is not a JSON object, or whose results file is not a Parquet table with the columns
every row needs. Each skipped folder is named with its reason; the other runs go on.

Columns are made to agree across runs: a column stored as a number in most runs and as text
or a list in one is left out of that one run (and said so), not dropped from every run.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vidbench.core.plan.fingerprint import config_fingerprint, is_sample_run
from vidbench.core.seam.bounded_json import parse_json_bounded
from vidbench.core.store.confine import FileRefused, inside_root, open_run_file, read_run_file
from vidbench.core.store.store import MANIFEST, MAX_MANIFEST_BYTES, RESULTS_PARQUET

# What every results row needs (history groups, pairs and rates by them), and its kind.
REQUIRED_COLUMNS = {"model": "text", "status": "text", "prompt_id": "text", "sample": "number"}
RUN_COLUMN = "filename"  # the run directory of each row, added here (a run's own is refused)
NUMERIC_KINDS = ("number", "boolean")


@dataclass(frozen=True)
class Skipped:
    """A folder under a runs root that is not read as a run, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class LeftOut:
    """A column of one run left out of the history (its type disagrees with the other runs')."""

    path: str
    column: str
    reason: str


class RunUnreadable(ValueError):
    """A run folder whose manifest or results cannot be read as a run's."""


def _refusal(root: Path, candidate: Path) -> str | None:
    """Why a run folder under `root` is skipped (a link out of the root), or None."""
    for name in ("", MANIFEST, RESULTS_PARQUET):
        why = inside_root(root, candidate / name if name else candidate)
        if why is not None:
            return why
    return None


def _candidates(root: Path) -> list[Path]:
    return [root, *sorted(root.glob("*/")), *sorted(root.glob("*/*/"))]


def scan_runs(roots: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Run folders (manifest.json + results.parquet) given directly or one or two levels down,
    and the folders skipped: a link leaving the root, or a run without one of the two files."""
    found: dict[Path, None] = {}
    skipped: dict[str, Skipped] = {}
    for root in map(Path, roots):
        for candidate in _candidates(root):
            has = [(candidate / name).is_file() for name in (MANIFEST, RESULTS_PARQUET)]
            if not any(has):
                continue
            why = _refusal(root, candidate)
            if why is None and not all(has):
                missing = RESULTS_PARQUET if has[0] else MANIFEST
                why = f"no {missing} (not scored yet, or not a run)"
            if why is not None:
                skipped.setdefault(str(candidate), Skipped(str(candidate), why))
                continue
            found[candidate.resolve()] = None
    return list(found), list(skipped.values())


def find_runs(roots: list[Path]) -> list[Path]:
    """The run folders of `scan_runs`, with a warning on stderr for each skipped folder."""
    runs, skipped = scan_runs(roots)
    for skip in skipped:
        print(f"warning: skipped run folder {skip.path}: {skip.reason}", file=sys.stderr)
    return runs


def _json_scalar(value: Any) -> str | None:
    """A manifest field as DuckDB's json_extract_string gave it: text, or a number's text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def read_manifest(run: Path) -> dict[str, Any]:
    """One run's manifest fields for the runs table; RunUnreadable with the reason."""
    try:
        manifest = parse_json_bounded(
            read_run_file(run / MANIFEST, MAX_MANIFEST_BYTES), max_bytes=MAX_MANIFEST_BYTES
        )
    except FileRefused as exc:
        raise RunUnreadable(str(exc)) from None
    except ValueError as exc:
        raise RunUnreadable(f"manifest.json is not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise RunUnreadable(f"manifest.json is a JSON {type(manifest).__name__}, not an object")
    found_suite = manifest.get("suite")
    suite: dict[str, Any] = found_suite if isinstance(found_suite, dict) else {}
    try:
        written = manifest.get("fingerprint")
        group = written if isinstance(written, str) and written else config_fingerprint(manifest)
        sampled = is_sample_run(manifest)
    except (TypeError, ValueError) as exc:
        raise RunUnreadable(f"manifest.json does not describe a run ({exc})") from None
    prices, simulated = manifest.get("prices"), manifest.get("simulated_models")
    return {
        "run": _json_scalar(manifest.get("run_id")) or _json_scalar(manifest.get("name")),
        "suite": _json_scalar(suite.get("name")) or "?",
        "suite_sha256": _json_scalar(suite.get("sha256")),
        "created_at": _json_scalar(manifest.get("created_at")) or "",
        "vidbench_version": _json_scalar(manifest.get("vidbench_version")),
        "prices": json.dumps(prices) if prices is not None else None,
        "simulated": json.dumps(simulated) if simulated is not None else None,
        "group": group,
        "sampled": sampled,
        "path": str(run),
    }


def _kind(kind: pa.DataType) -> str:
    """A column type as history sees it: number, boolean, text, null, or the type itself."""
    if pa.types.is_dictionary(kind):
        return _kind(kind.value_type)
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_null(kind):
        return "null"
    return str(kind)  # a list, a struct, a timestamp: it must be the same type in every run


def read_results(run: Path) -> pa.Table:
    """One run's results table, checked for the columns every row needs; RunUnreadable."""
    try:
        with open_run_file(run / RESULTS_PARQUET) as handle:
            data = handle.read()  # parsed from memory: a Python file object is slow to seek
        # ParquetFile.read: read_table's dataset layer costs 3x as much on a small file.
        table = pq.ParquetFile(pa.BufferReader(data)).read()
    except FileRefused as exc:
        raise RunUnreadable(str(exc)) from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise RunUnreadable(f"results.parquet is not a Parquet table ({exc})"[:300]) from None
    for name, kind in REQUIRED_COLUMNS.items():
        if name not in table.column_names:
            raise RunUnreadable(f"results.parquet has no {name} column")
        found = _kind(table.schema.field(name).type)
        if found != kind:
            raise RunUnreadable(f"results.parquet's {name} column is {found}, not {kind}")
    return table


def _columns_to_keep(table: pa.Table, path: str) -> tuple[dict[str, pa.DataType], list[LeftOut]]:
    """A run's columns (name → type, dictionaries unwrapped) less those history cannot hold:
    its own `filename`, a name twice (DuckDB's names ignore case) or empty."""
    kept: dict[str, pa.DataType] = {}
    left: list[LeftOut] = []
    seen: set[str] = set()
    for found in table.schema:
        name = found.name
        if name == RUN_COLUMN or not name or name.lower() in seen:
            left.append(LeftOut(path, name, "a column name history cannot hold (used or empty)"))
            continue
        seen.add(name.lower())
        kind = found.type
        kept[name] = kind.value_type if pa.types.is_dictionary(kind) else kind
    return kept, left


def _target_kind(kinds: list[str]) -> str:
    """The kind most runs give a column (numbers and booleans together count as numeric)."""
    counts = Counter("numeric" if k in NUMERIC_KINDS else k for k in kinds if k != "null")
    if not counts:
        return "null"
    best = max(counts.values())
    winners = [k for k, c in counts.items() if c == best]
    return "numeric" if "numeric" in winners else sorted(winners)[0]


def _fits_int64(kind: pa.DataType) -> bool:
    unsigned_64 = pa.types.is_uint64(kind)
    return pa.types.is_null(kind) or (pa.types.is_integer(kind) and not unsigned_64)


def _common_type(types: list[pa.DataType], target: str) -> pa.DataType:
    """The one type a column gets in the history, given the runs' types and the target kind."""
    if target == "numeric":
        if all(pa.types.is_boolean(t) or pa.types.is_null(t) for t in types):
            return pa.bool_()
        if all(_fits_int64(t) for t in types):
            return pa.int64()
        return pa.float64()
    if target == "text":
        return pa.string()
    if target == "null":
        return pa.null()
    return next(t for t in types if _kind(t) == target)  # the target is some run's kind


def _matches(kind: str, target: str) -> bool:
    return kind == "null" or kind == target or (target == "numeric" and kind in NUMERIC_KINDS)


def _agree(kept: dict[str, dict[str, pa.DataType]]) -> tuple[dict[str, pa.DataType], list[LeftOut]]:
    """Each column's common type; a run's column of another kind is removed from `kept`."""
    order = list(dict.fromkeys(name for columns in kept.values() for name in columns))
    schema: dict[str, pa.DataType] = {}
    left: list[LeftOut] = []
    for column in order:
        types = {path: columns[column] for path, columns in kept.items() if column in columns}
        kinds = {path: _kind(kind) for path, kind in types.items()}
        target = _target_kind(list(kinds.values()))
        schema[column] = _common_type(list(types.values()), target)
        for path, kind in kinds.items():
            if not _matches(kind, target):
                del kept[path][column]
                wanted = "a number" if target == "numeric" else target
                reason = f"{kind} in this run, {wanted} in the others: left out of this run"
                left.append(LeftOut(path, column, reason))
    return schema, left


def combine_results(tables: dict[str, pa.Table]) -> tuple[pa.Table, list[LeftOut]]:
    """One table of every run's rows (`filename` = the run path), columns in one type each.

    A run's column whose kind is not the kind most runs give it is left out of that run
    (nulls there) and listed; a numeric column becomes int64 where every run has integers,
    boolean where every run has booleans, else float64.
    """
    kept: dict[str, dict[str, pa.DataType]] = {}
    left: list[LeftOut] = []
    for path, table in tables.items():
        kept[path], dropped = _columns_to_keep(table, path)
        left += dropped
    schema, disagreeing = _agree(kept)
    left += disagreeing
    parts = []
    for path, table in tables.items():
        arrays = []
        for name, kind in schema.items():
            arrays.append(pa.nulls(table.num_rows, kind))
            if name in kept[path]:
                try:
                    arrays[-1] = table.column(name).cast(kind)
                except pa.ArrowException:  # a value the common type cannot hold
                    left.append(LeftOut(path, name, f"not readable as {kind}"))
        arrays.append(pa.array([path] * table.num_rows, pa.string()))
        parts.append(pa.Table.from_arrays(arrays, names=[*schema, RUN_COLUMN]))
    return pa.concat_tables(parts), left
