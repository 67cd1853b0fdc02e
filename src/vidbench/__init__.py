"""vidbench: a benchmark harness for video-generation models.

The import package has four parts, one floor above the other: `vidbench.core` (the stages:
seam, config, suites, plan, store, run, scorers, sim, arena), `vidbench.adapters` (one
package per provider), `vidbench.reports` (statistics and reports read from a run
directory) and, on top, `vidbench.cli` and the Python API (`vidbench.api`, re-exported
here: `vidbench.run`, `vidbench.results`, `vidbench.compare`, …; docs/api.md). docs/layout.md
draws the floors.
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Any

try:
    __version__ = importlib.metadata.version("vidbench")
except importlib.metadata.PackageNotFoundError:  # a checkout on sys.path, never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from vidbench.api import (
        Adapter,
        CompareResult,
        Job,
        Output,
        Scorer,
        ScorerContext,
        ScorerUnavailable,
        SpendingRefused,
        VideoPass,
        adapter_names,
        compare,
        plan,
        register_adapter,
        register_scorer,
        results,
        run,
        score,
        scorer_names,
    )

__all__ = [
    "__version__",
    "Adapter",
    "CompareResult",
    "Job",
    "Output",
    "Scorer",
    "ScorerContext",
    "ScorerUnavailable",
    "SpendingRefused",
    "VideoPass",
    "adapter_names",
    "compare",
    "plan",
    "register_adapter",
    "register_scorer",
    "results",
    "run",
    "score",
    "scorer_names",
]
API_NAMES = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    """The API on first use: `vidbench --version` and the CLI's start do not load pandas."""
    if name in API_NAMES:
        from vidbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'vidbench' has no attribute {name!r}")
