"""vidbench: a benchmark harness for video-generation models.

The import package has four parts, one floor above the other: `vidbench.core` (the stages:
seam, config, suites, plan, store, run, scorers, sim, arena), `vidbench.adapters` (one
package per provider), `vidbench.reports` (statistics and reports read from a run
directory) and, on top, `vidbench.cli`. docs/layout.md draws the floors.
"""

from __future__ import annotations

import importlib.metadata

try:
    __version__ = importlib.metadata.version("vidbench")
except importlib.metadata.PackageNotFoundError:  # a checkout on sys.path, never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
