"""Adapters registered by name. `bench` loads them from here, never directly."""

from __future__ import annotations

import difflib
import importlib

from bench.adapter import Adapter

# name → module under adapters/ ; each module defines exactly one Adapter subclass `ADAPTER`.
_MODULES: dict[str, str] = {
    "ark": "adapters.ark",
    "kling": "adapters.kling",
    "openai_videos": "adapters.openai_videos",
    "veo": "adapters.veo",
}


def names() -> list[str]:
    """Registered adapter names."""
    return list(_MODULES)


def get(name: str) -> type[Adapter]:
    """The adapter class for `name`; KeyError with a 'did you mean' otherwise."""
    if name not in _MODULES:
        close = difflib.get_close_matches(name, _MODULES, n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown adapter {name!r}{hint} (known: {', '.join(_MODULES)})")
    module = importlib.import_module(_MODULES[name])
    return module.ADAPTER  # type: ignore[no-any-return]
