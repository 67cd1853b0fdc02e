"""Bundled prompt suites and configs, read through importlib.resources.

In an installed wheel they are package data under `vidbench/bundled/` (copied there from the
repository's `prompts/` and `configs/` by the build hook in setup.py); in a source checkout
or an editable install they are the repository folders themselves. Either way the layout is
the same, so a bundled config's relative `suite: ../prompts/smoke.yaml` still resolves.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

BUNDLED_DIR = "bundled"
SUITES_DIR = "prompts"
CONFIGS_DIR = "configs"


def data_root() -> Path:
    """The folder holding prompts/ and configs/: package data first, else the checkout."""
    packaged = importlib.resources.files("vidbench") / BUNDLED_DIR
    if packaged.is_dir() and isinstance(packaged, Path):
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / SUITES_DIR).is_dir() and (checkout / CONFIGS_DIR).is_dir():
        return checkout
    raise FileNotFoundError(
        "vidbench's bundled prompts and configs are missing: reinstall the package "
        "(a wheel carries them as vidbench/bundled/)"
    )


def bundled_suites() -> list[str]:
    """Names of the bundled suites (core, smoke, …)."""
    return sorted(p.stem for p in (data_root() / SUITES_DIR).glob("*.yaml"))


def bundled_configs() -> list[str]:
    """Names of the bundled example configs (demo, …)."""
    return sorted(p.stem for p in (data_root() / CONFIGS_DIR).glob("*.yaml"))


def suite_path(name: str) -> Path:
    """A bundled suite's file by name ('core', 'smoke')."""
    if name not in bundled_suites():
        raise FileNotFoundError(
            f"no bundled suite {name!r}; bundled: {', '.join(bundled_suites())}"
        )
    return data_root() / SUITES_DIR / f"{name}.yaml"


def config_path(name: str) -> Path:
    """A bundled config's file by name ('demo', 'five-models', …)."""
    if name not in bundled_configs():
        raise FileNotFoundError(
            f"no bundled config {name!r}; bundled: {', '.join(bundled_configs())}"
        )
    return data_root() / CONFIGS_DIR / f"{name}.yaml"


def is_suite_name(value: str) -> bool:
    """True for a bare name (no folder, no extension) of a bundled suite."""
    return "/" not in value and "\\" not in value and "." not in value and value in bundled_suites()


def resolve_suite(value: str, base_dir: Path) -> Path:
    """A config's `suite:` value: a file relative to base_dir, else a bundled suite's name."""
    candidate = (base_dir / value).resolve()
    if not candidate.exists() and is_suite_name(value):
        return suite_path(value)
    return candidate
