"""Adapters registered by name: the one place `bench` (CLI, config, `models`, `sim`) asks.

A provider is a package under `adapters/` (`adapters/ark/`: adapter, wire functions and
simulator side by side). It exports `ADAPTER`, its `Adapter` subclass, and `SIMULATOR`, a
`vidbench.core.sim.common.SimMount` that `vidbench sim` mounts without a map of its own.
A third-party provider registers the same way through the entry-point group
`vidbench.adapters` (name = adapter name, value = its module), without editing vidbench.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.metadata
import logging
import types
from typing import TYPE_CHECKING

from vidbench.core.seam.adapter import Adapter

if TYPE_CHECKING:
    from vidbench.core.sim.common import SimMount

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vidbench.adapters"

# name → module under adapters/; each defines `ADAPTER` (and a package also `SIMULATOR`).
_BUILTIN: dict[str, str] = {
    "ark": "vidbench.adapters.ark",
    "kling": "vidbench.adapters.kling",
    "openai_videos": "vidbench.adapters.openai_videos",
    "veo": "vidbench.adapters.veo",
    "vertex_veo": "vidbench.adapters.vertex_veo",
    "gemini_omni": "vidbench.adapters.gemini_omni",
    "wan": "vidbench.adapters.wan",
    "minimax": "vidbench.adapters.minimax",
    "fal": "vidbench.adapters.fal",
    "replicate": "vidbench.adapters.replicate",
    "openrouter": "vidbench.adapters.openrouter",
    "runway": "vidbench.adapters.runway",
    "luma": "vidbench.adapters.luma",
}


@functools.cache
def _third_party() -> dict[str, str]:
    """Adapters declared by installed distributions (a built-in name cannot be replaced)."""
    found: dict[str, str] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in _BUILTIN:
            logger.warning("entry point %s ignored: %r is a built-in adapter", entry, entry.name)
            continue
        found[entry.name] = entry.value.split(":", 1)[0]
    return found


# Registered in this process by `register` (a notebook, a test); not seen by other processes.
_IN_PROCESS: dict[str, object] = {}


def register(name: str, adapter: type[Adapter], simulator: SimMount | None = None) -> None:
    """Register an adapter class (and its simulator) under `name` in this process only; an
    installed package uses the entry point instead. A built-in name cannot be replaced."""
    if name in _BUILTIN:
        raise ValueError(f"{name!r} is a built-in adapter")
    if getattr(adapter, "name", name) != name:
        raise TypeError(f"{adapter.__name__} declares name {adapter.name!r}, not {name!r}")
    _IN_PROCESS[name] = types.SimpleNamespace(ADAPTER=adapter, SIMULATOR=simulator)


def refresh() -> None:
    """Forget the entry points read so far (after installing a plugin in-process, in tests)."""
    _third_party.cache_clear()


def _modules() -> dict[str, str]:
    return {**_BUILTIN, **_third_party(), **dict.fromkeys(_IN_PROCESS, "(registered here)")}


def names() -> list[str]:
    """Registered adapter names, built-in first."""
    return list(_modules())


def _module(name: str) -> object:
    modules = _modules()
    if name not in modules:
        close = difflib.get_close_matches(name, modules, n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown adapter {name!r}{hint} (known: {', '.join(modules)})")
    if name in _IN_PROCESS:
        return _IN_PROCESS[name]
    return importlib.import_module(modules[name])


def get(name: str) -> type[Adapter]:
    """The adapter class for `name`; KeyError with a 'did you mean' otherwise."""
    return _module(name).ADAPTER  # type: ignore[attr-defined, no-any-return]


load_adapter = get  # the name the stages above use
adapter_names = names


def simulator(name: str) -> SimMount | None:
    """The simulator a provider package declares (None if it has none)."""
    return getattr(_module(name), "SIMULATOR", None)


def simulators() -> dict[str, SimMount]:
    """Adapter name → simulator mount, for every registered provider that declares one."""
    mounts: dict[str, SimMount] = {}
    for name in names():
        try:
            mount = simulator(name)
        except ImportError:
            logger.exception("adapter %s could not be imported", name)
            continue
        if mount is not None:
            mounts[name] = mount
    return mounts
