"""The CI gate over a history: each suite's newest run vs its baseline, as `compare` does it.

`vidbench history --pin RUN` writes the pin (suite → run id) to `history-pin.json` beside
the runs; `--fail-on-regression` compares each suite's newest run with its pinned run (else
the previous run) of the same configuration group, with exactly `compare`'s comparison
(`reports.gate`: collapses whatever the power, then compare's regressions) and
exits with compare's code: 1 on a collapse or regression, 2 when some metric could not show
one, 0 otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vidbench.core.store.confine import read_run_file
from vidbench.core.store.safe_files import write_atomic
from vidbench.core.store.store import MAX_MANIFEST_BYTES
from vidbench.reports.compare import CompareResult
from vidbench.reports.compare_report import compare_run_data
from vidbench.reports.comparisons import Comparison
from vidbench.reports.data import load_run
from vidbench.reports.gate import ALPHA, Collapse
from vidbench.reports.history import History, group_label

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
    try:  # not through a link, within a manifest's cap (FileRefused is a ValueError)
        value = json.loads(read_run_file(path, MAX_MANIFEST_BYTES))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass(frozen=True)
class GateResult:
    """Newest run of a suite vs its baseline in the same configuration group.

    `result` is the very comparison `vidbench compare BASELINE CANDIDATE` makes (the same
    metrics, tests, correction and collapse rules), so the two gates agree on a pair. None
    when the group holds no earlier run to compare with (`note` says why).
    """

    suite: str
    group: str
    baseline: str
    candidate: str
    pinned: bool
    result: CompareResult | None
    note: str = ""

    @property
    def regressions(self) -> list[tuple[Comparison, float]]:
        """(comparison, p) of each regression."""
        if self.result is None:
            return []
        return [(c, c.p_value) for c in self.result.regressions]

    @property
    def collapses(self) -> list[Collapse]:
        """The models whose success or usable rate collapsed."""
        return self.result.collapses if self.result is not None else []

    def exit_code(self) -> int:
        """compare --fail-on-regression's exit code for this pair (0 without a baseline)."""
        return self.result.exit_code() if self.result is not None else 0


def _baseline(runs: pd.DataFrame, pin: str | None) -> tuple[pd.Series | None, bool, str]:
    """(baseline row, pinned, note) for the newest run among a suite's runs, in its group."""
    candidate = runs.iloc[-1]
    same = runs[(runs["group"] == candidate["group"]) & (runs["path"] != candidate["path"])]
    pinned = same[same["run"] == pin] if pin is not None else same.iloc[0:0]
    note = ""
    if pin is not None and pinned.empty and (runs["run"] == pin).any():
        note = f"pinned run {pin} has another configuration (group); "
    if len(pinned):
        return pinned.iloc[-1], True, note
    if same.empty:
        label = group_label(str(candidate["group"]), bool(candidate["sampled"]))
        return None, False, note + f"no earlier run with the same configuration (group {label})"
    return same.iloc[-1], False, note


def gate(history: History, pins: dict[str, str], alpha: float = ALPHA) -> list[GateResult]:
    """Per suite: its newest run vs the pinned run, else the previous run, of the same group."""
    out = []
    for suite, runs in history.runs.sort_values("order").groupby("suite"):
        candidate = runs.iloc[-1]
        label = group_label(str(candidate["group"]), bool(candidate["sampled"]))
        baseline, pinned, note = _baseline(runs, pins.get(str(suite)))
        if baseline is None:
            out.append(GateResult(str(suite), label, "", str(candidate["run"]), False, None, note))
            continue
        result = compare_run_data(
            load_run(baseline["path"]), load_run(candidate["path"]), alpha=alpha
        )
        out.append(
            GateResult(
                str(suite),
                label,
                str(baseline["run"]),
                str(candidate["run"]),
                pinned,
                result,
                note.rstrip("; "),
            )
        )
    return out
