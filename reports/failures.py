"""Failed models and the causes of failure, as both reports show them at the top.

The causes are grouped by `vidbench.core.store.failure_causes`, the same function the
console's last lines use, so the run's exit message and its reports list the same block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vidbench.core.store.failure_causes import Cause, format_cause, group_failure_causes
from vidbench.core.store.journal import Journal
from vidbench.core.store.store import RECORDS
from vidbench.reports.data import NOT_ATTEMPTED

CAUSES_PER_MODEL = 5  # the commonest; the rest are counted in one line


@dataclass(frozen=True)
class ModelFailures:
    """One model's failed jobs: how many of how many attempted, and the commonest causes."""

    model: str
    failed: int
    attempted: int
    causes: tuple[str, ...]  # "20 × ConnectError: … (transient) — ark at host"
    more_jobs: int  # jobs ended by causes beyond CAUSES_PER_MODEL

    @property
    def nothing_succeeded(self) -> bool:
        """True when every attempted job of the model failed."""
        return self.attempted > 0 and self.failed >= self.attempted


def run_causes(run_dir: Path) -> list[Cause]:
    """The run's failure causes from its records.jsonl (none when there is no journal)."""
    path = Path(run_dir) / RECORDS
    return group_failure_causes(Journal(path).read()) if path.is_file() else []


def _causes_from_results(results: pd.DataFrame, model: str) -> list[str]:
    """Causes counted from the results table, for a run directory without records."""
    rows = results[
        (results["model"] == model) & ~results["status"].isin(["succeeded", *NOT_ATTEMPTED])
    ]
    detail = rows.get("detail", pd.Series("", index=rows.index)).fillna("").astype(str)
    kind = rows.get("error_kind", pd.Series(None, index=rows.index)).fillna(rows["status"])
    counted = pd.Series(
        list(zip(kind.astype(str), detail.str.slice(0, 200), strict=True))
    ).value_counts()
    return [f"{n} × {msg or 'no detail recorded'} ({k})" for (k, msg), n in counted.items()]


def model_failures(results: pd.DataFrame, causes: list[Cause]) -> list[ModelFailures]:
    """Per model with at least one attempted job that did not succeed, in model order."""
    out = []
    attempted = results[~results["status"].isin(NOT_ATTEMPTED)]
    for model in sorted(attempted["model"].unique()):
        rows = attempted[attempted["model"] == model]
        failed = int((rows["status"] != "succeeded").sum())
        if failed == 0:
            continue
        own = [c for c in causes if c.model == model]
        lines = [format_cause(c) for c in own] or _causes_from_results(results, model)
        shown = lines[:CAUSES_PER_MODEL]
        rest = sum(c.count for c in own[CAUSES_PER_MODEL:]) if own else 0
        out.append(ModelFailures(str(model), failed, len(rows), tuple(shown), rest))
    return out
