"""The one list of scorers: built-ins by name, third-party ones through an entry point.

A built-in scorer is registered by one line below ("name": "module:Class"); a third-party
package registers in its own metadata:

    [project.entry-points."vidbench.scorers"]
    my_metric = "my_package.scorer:MyScorer"

Names are listed without importing any scorer module (config validation stays cheap);
classes are imported on first use. Everything else in vidbench asks this module.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import sys
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidbench.core.scorers.base import Output, Scorer

ENTRY_POINT_GROUP = "vidbench.scorers"

BUILTIN_SCORERS: dict[str, str] = {
    "conformance": "vidbench.core.scorers.technical:ConformanceScorer",
    "clip_alignment": "vidbench.core.scorers.consistency:ClipAlignmentScorer",
    "subject_consistency": "vidbench.core.scorers.subject:SubjectConsistencyScorer",
    "face_identity": "vidbench.core.scorers.faces:FaceIdentityScorer",
    "flicker": "vidbench.core.scorers.technical:FlickerScorer",
    "motion": "vidbench.core.scorers.technical:MotionScorer",
    "shots": "vidbench.core.scorers.technical:ShotsScorer",
    "judge": "vidbench.core.scorers.judge:JudgeScorer",
}


# Scanning installed distributions costs ~0.5 s; the answer changes only with sys.path (or
# when a test swaps the lookup function), so it is cached on both.
_plugin_cache: dict[tuple[object, ...], dict[str, str]] = {}


def plugin_scorers() -> dict[str, str]:
    """Scorers registered by installed packages under the `vidbench.scorers` entry point."""
    key = (tuple(sys.path), id(importlib.metadata.entry_points))
    if key not in _plugin_cache:
        found: dict[str, str] = {}
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry.name not in BUILTIN_SCORERS:  # a plugin cannot replace a built-in
                found.setdefault(entry.name, entry.value)
        _plugin_cache.clear()
        _plugin_cache[key] = found
    return dict(_plugin_cache[key])


# Registered in this process by `register` (a notebook, a test); not seen by other processes.
_IN_PROCESS: dict[str, type[Scorer]] = {}


def register(cls: type[Scorer]) -> None:
    """Register a scorer class under its declared `name` in this process only; an installed
    package uses the entry point instead. A built-in name cannot be replaced."""
    if cls.name in BUILTIN_SCORERS:
        raise ValueError(f"{cls.name!r} is a built-in scorer")
    _IN_PROCESS[cls.name] = cls


def registered() -> dict[str, str]:
    """Every scorer name → "module:Class", built-ins first."""
    here = {name: f"{cls.__module__}:{cls.__qualname__}" for name, cls in _IN_PROCESS.items()}
    return {**BUILTIN_SCORERS, **plugin_scorers(), **here}


def scorer_names() -> list[str]:
    """Every registered scorer name (imports no scorer module)."""
    return list(registered())


def unknown_scorer(name: str) -> str:
    """The message for a name nobody registered, with a "did you mean"."""
    names = scorer_names()
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown scorer {name!r}{hint} (known: {', '.join(names)})"


def scorer_class(name: str) -> type[Scorer]:
    """The class registered under `name`; KeyError with a "did you mean" when unknown."""
    if name in _IN_PROCESS:
        return _IN_PROCESS[name]
    target = registered().get(name)
    if target is None:
        raise KeyError(unknown_scorer(name))
    module_name, _, attribute = target.partition(":")
    cls: type[Scorer] = getattr(importlib.import_module(module_name), attribute)
    if getattr(cls, "name", None) != name:
        raise TypeError(f"{target} is registered as {name!r} but declares name {cls.name!r}")
    return cls


def scorer_classes() -> dict[str, type[Scorer]]:
    """Every registered class that imports; a broken plugin is skipped with a warning."""
    out: dict[str, type[Scorer]] = {}
    for name in registered():
        try:
            out[name] = scorer_class(name)
        except Exception as exc:
            if name in BUILTIN_SCORERS:
                raise
            warnings.warn(f"scorer plugin {name!r} failed to load: {exc}", stacklevel=2)
    return out


def default_scorer_names() -> list[str]:
    """The scorers a config without `scorers:` runs: the built-ins that are on by default."""
    return [name for name in BUILTIN_SCORERS if scorer_class(name).default_enabled]


def declared_outputs() -> dict[str, Output]:
    """Every output column of every registered scorer → its declaration."""
    return {
        column: output
        for cls in scorer_classes().values()
        for column, output in cls.outputs.items()
    }


def declared_labels() -> dict[str, str]:
    """Metric → its short label for terminal tables, where the scorer declares one."""
    return {column: output.label for column, output in declared_outputs().items() if output.label}


def headline_metrics() -> list[str]:
    """The metrics the CLI's after-run summary shows, in their declared order."""
    ranked = [(out.headline, column) for column, out in declared_outputs().items() if out.headline]
    return [column for _, column in sorted(ranked)]


def declared_usable_thresholds() -> dict[str, float | bool]:
    """Metric → its scorer's default usable threshold (a config's `usable:` overrides it)."""
    return {
        column: output.usable_threshold
        for column, output in declared_outputs().items()
        if output.usable_threshold is not None
    }
