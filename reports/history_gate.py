"""The CI gate over a history: the newest run vs a pinned baseline, Benjamini-Hochberg corrected.

`vidbench history --pin RUN` writes the pin (suite → run id) to `history-pin.json` beside
the runs; `--fail-on-regression` compares each suite's newest run with its pinned run (else
the previous run) using compare's `compare_frames` and exits 1 on a regression.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vidbench.core.store.safe_files import write_atomic
from vidbench.reports.compare import Comparison, compare_frames
from vidbench.reports.history import History
from vidbench.reports.history_changes import ALPHA, bh_adjust, corrected_change

PIN_FILE = "history-pin.json"


def pin_path(roots: list[Path]) -> Path:
    """Where the pin lives: the first RUNS_DIR (its parent when it is itself a run directory)."""
    root = Path(roots[0])
    return (root.parent if (root / "manifest.json").is_file() else root) / PIN_FILE


def write_pin(history: History, run: str, roots: list[Path]) -> tuple[Path, dict[str, str]]:
    """Pin a run (by run id, folder name or path) as its suite's baseline; return the pin file."""
    runs = history.runs
    match = runs[
        (runs["run"] == run)
        | (runs["path"].map(lambda p: Path(p).name) == run)
        | (runs["path"] == str(Path(run).resolve()))
    ]
    if match.empty:
        raise ValueError(
            f"no run {run!r} in the history; known: {', '.join(runs['run'].tail(5))} …"
        )
    row = match.iloc[-1]
    path = pin_path(roots)
    pins = read_pins(path)
    pins[str(row["suite"])] = str(row["run"])
    write_atomic(path, json.dumps(pins, indent=2, ensure_ascii=False) + "\n")
    return path, pins


def read_pins(path: Path) -> dict[str, str]:
    """suite → pinned run id from the pin file (empty when there is none)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass(frozen=True)
class GateResult:
    """Newest run vs the pinned baseline of one suite, with the corrected regressions."""

    suite: str
    baseline: str
    candidate: str
    pinned: bool
    regressions: list[tuple[Comparison, float]]


def gate(history: History, pins: dict[str, str], alpha: float = ALPHA) -> list[GateResult]:
    """Per suite: the newest run vs the pinned run (else the previous run), BH-corrected."""
    out = []
    for suite, runs in history.runs.sort_values("order").groupby("suite"):
        if len(runs) < 2:
            continue
        candidate = runs.iloc[-1]
        pinned = runs[runs["run"] == pins.get(str(suite))]
        baseline = pinned.iloc[-1] if len(pinned) else runs.iloc[-2]
        if baseline["path"] == candidate["path"]:
            continue
        comparisons = compare_frames(
            history.run_results(baseline["path"]),
            history.run_results(candidate["path"]),
            history.directions,
            history.metrics,
        )
        adjusted = bh_adjust([c.p_value for c in comparisons], len(comparisons))
        regressions = [
            (c, float(p))
            for c, p in zip(comparisons, adjusted, strict=True)
            if corrected_change(c, float(p), alpha) and _worse(c)
        ]
        out.append(
            GateResult(
                str(suite),
                str(baseline["run"]),
                str(candidate["run"]),
                bool(len(pinned)),
                regressions,
            )
        )
    return out


def _worse(comparison: Comparison) -> bool:
    return (
        comparison.difference > 0 if comparison.direction == "lower" else comparison.difference < 0
    )
