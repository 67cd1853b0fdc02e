"""The `--json` documents of `compare` and `history` (schemas in docs/history.md).

Plain dicts of JSON types: a NaN or an infinity (no interval, nothing detectable) is null.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from vidbench.reports.compare import CompareResult
from vidbench.reports.compare_format import verdict
from vidbench.reports.comparisons import Comparison
from vidbench.reports.gate import Collapse, undetectable_by_model

COMPARE_SCHEMA = "vidbench.compare/1"
HISTORY_SCHEMA = "vidbench.history/1"


def finite(value: Any) -> Any:
    """The value, with NaN and ±inf as None (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return finite(value.item())
    return value


def collapse_entry(collapse: Collapse) -> dict[str, Any]:
    """One collapse as a JSON object."""
    return {k: finite(v) for k, v in asdict(collapse).items()}


def comparison_entry(comparison: Comparison) -> dict[str, Any]:
    """One comparison as a JSON object, with its verdict."""
    fields = (
        "model",
        "metric",
        "kind",
        "direction",
        "baseline",
        "candidate",
        "difference",
        "ci_low",
        "ci_high",
        "p_value",
        "n",
        "threshold",
        "test",
        "detectable",
        "pairs_needed",
        "can_detect",
    )
    entry = {name: finite(getattr(comparison, name)) for name in fields}
    return {**entry, "verdict": verdict(comparison)}


def compare_body(result: CompareResult) -> dict[str, Any]:
    """What one pair's gate found: counts, collapses, every comparison, the folded gaps."""
    comparisons = [comparison_entry(c) for c in result.comparisons]
    folded = [
        {"model": model, "metrics": [c.metric for c in found], "pairs": min(c.n for c in found)}
        for model, found in undetectable_by_model(result.comparisons).items()
    ]
    return {
        "baseline": result.baseline,
        "candidate": result.candidate,
        "alpha": result.alpha,
        "exit_code": result.exit_code(),
        "summary": {
            "collapses": len(result.collapses),
            "regressions": len(result.regressions),
            "improvements": len(result.improvements),
            "cannot_detect": len(result.undetectable),
            "comparisons": len(result.comparisons),
        },
        "collapses": [collapse_entry(c) for c in result.collapses],
        "comparisons": comparisons,
        "cannot_detect": folded,
    }


def compare_document(result: CompareResult) -> dict[str, Any]:
    """`vidbench compare --json`: schema vidbench.compare/1."""
    return {
        "schema": COMPARE_SCHEMA,
        **compare_body(result),
        "files": [str(p) for p in result.paths],
    }


def gate_entry(gate: Any) -> dict[str, Any]:
    """One suite's gate (a history_gate.GateResult) as a JSON object."""
    entry: dict[str, Any] = {
        "suite": gate.suite,
        "group": gate.group,
        "baseline": gate.baseline or None,
        "candidate": gate.candidate,
        "pinned": gate.pinned,
        "note": gate.note,
        "exit_code": gate.exit_code(),
    }
    if gate.result is not None:
        entry.update({k: v for k, v in compare_body(gate.result).items() if k not in entry})
    return entry


def history_document(
    history: Any, changes: list[Any], drifts: list[Any], gates: list[Any], files: list[Any]
) -> dict[str, Any]:
    """`vidbench history --json`: schema vidbench.history/1."""
    runs = [
        {
            "run": str(row["run"]),
            "suite": str(row["suite"]),
            "group": str(row["group"]),
            "sampled": bool(row["sampled"]),
            "created_at": str(row["created_at"]) or None,
        }
        for row in history.runs.sort_values("order").to_dict("records")
    ]
    change_points = [
        {
            "suite": c.suite,
            "model": c.model,
            "metric": c.metric,
            "before_run": c.before_run,
            "after_run": c.after_run,
            "kind": c.kind,
            "baseline": finite(c.comparison.baseline),
            "candidate": finite(c.comparison.candidate),
            "p_adjusted": finite(c.p_adjusted),
            "test": c.comparison.test,
        }
        for c in changes
    ]
    drift_entries = [{k: finite(v) for k, v in asdict(d).items()} for d in drifts]
    codes = [g.exit_code() for g in gates]
    return {
        "schema": HISTORY_SCHEMA,
        "runs": runs,
        "change_points": change_points,
        "drifts": drift_entries,
        "skipped": [{"path": s.path, "reason": s.reason} for s in history.skipped],
        "left_out": [
            {"path": o.path, "column": o.column, "reason": o.reason} for o in history.left_out
        ],
        "gates": [gate_entry(g) for g in gates],
        "exit_code": 1 if 1 in codes else (2 if 2 in codes else 0),
        "files": [str(p) for p in files],
    }
