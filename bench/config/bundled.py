"""Bundled configs and suites by name, and a copy of one to edit (`vidbench init`).

Every command that takes a config or a suite file also takes a bundled one's name (`demo`,
`smoke`): `resolve_named` is the one place that turns what the user typed into a file. A
name is tried only when no such file exists, so a local `demo` file always wins.
"""

from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from vidbench.core.config.config import LoadedConfig, load_config
from vidbench.core.config.resources import (
    CONFIGS_DIR,
    SUITES_DIR,
    bundled_configs,
    bundled_suites,
    config_path,
    data_root,
    suite_path,
)
from vidbench.core.seam.errors import Problem, ValidationFailed

Kind = Literal["config", "suite"]
# A config's keys that hold a path relative to the config file.
PATH_KEYS = ("suite", "output_dir")
SUITE_EXTRAS = ("assets", "suite.schema.json")  # copied beside a suite by `init`


@dataclass(frozen=True)
class BundledFile:
    """One bundled config or suite, as `vidbench configs` lists it."""

    kind: Kind
    name: str
    path: Path
    summary: str


def _names(kind: Kind) -> list[str]:
    return bundled_configs() if kind == "config" else bundled_suites()


def _bundled_path(kind: Kind, name: str) -> Path:
    return config_path(name) if kind == "config" else suite_path(name)


def is_bare_name(value: str) -> bool:
    """A name, not a path: no folder and no extension."""
    return bool(value) and not any(c in value for c in "/\\.")


def resolve_named(value: str | Path, kinds: tuple[Kind, ...] = ("config", "suite")) -> Path:
    """The file `value` names: an existing path, else a bundled config's or suite's name.

    A bare name that is neither raises ValidationFailed with the bundled names and a
    "did you mean"; any other missing path comes back unchanged for its loader to report."""
    path = Path(value)
    text = str(value)
    if path.exists() or not is_bare_name(text):
        return path
    for kind in kinds:
        if text in _names(kind):
            return _bundled_path(kind, text)
    raise _unknown_name(text, kinds)


def _unknown_name(text: str, kinds: tuple[Kind, ...]) -> ValidationFailed:
    known = [name for kind in kinds for name in _names(kind)]
    close = difflib.get_close_matches(text, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    what = " or ".join(f"bundled {kind}" for kind in kinds)
    message = (
        f"no such file, and no {what} by that name{hint} "
        f"(bundled: {', '.join(known)}; `vidbench configs` lists them)"
    )
    return ValidationFailed([Problem(text, "(file)", message)])


def load_named_config(value: str | Path) -> LoadedConfig:
    """load_config for a file or a bundled config's name. A bundled config writes its runs
    to ./runs (its own folder may be a read-only site-packages), as `vidbench demo` does."""
    path = resolve_named(value, ("config",))
    loaded = load_config(path)
    if path != Path(value):
        loaded.config.output_dir = str(Path("runs").resolve())
    return loaded


def bundled_files() -> list[BundledFile]:
    """Every bundled config, then every bundled suite, with a one-line summary each."""
    found = []
    kinds: tuple[Kind, ...] = ("config", "suite")
    for kind in kinds:
        for name in _names(kind):
            path = _bundled_path(kind, name)
            found.append(BundledFile(kind, name, path, _summary(kind, path)))
    return found


def _summary(kind: Kind, path: Path) -> str:
    """Models and suite of a config (and the keys it needs), or prompts of a suite."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if kind == "suite":
        prompts = data.get("prompts") or []
        categories = {p.get("category") for p in prompts if isinstance(p, dict)}
        return f"{len(prompts)} prompts in {len(categories)} categories"
    models = data.get("models") or []
    simulated = sum(1 for m in models if isinstance(m, dict) and m.get("simulate"))
    keys = sorted(
        {
            str(value)
            for m in models
            if isinstance(m, dict) and not m.get("simulate")
            for key, value in m.items()
            if key.endswith("_env")
        }
    )
    suite = Path(str(data.get("suite", "?"))).stem
    shown = ", ".join(keys[:3]) + (f" +{len(keys) - 3} more" if len(keys) > 3 else "")
    needs = f"needs {shown}" if keys else "offline, no key"
    if simulated == len(models):
        return f"{len(models)} simulated models, suite {suite}; {needs}"
    return f"{len(models)} models, suite {suite}; {needs}"


def _relocated(value: str, config_dir: Path, root: Path) -> str:
    """A config's relative path as it reads from a folder laid out like the bundled one
    (config at the top, prompts/ beside it); a bare suite name becomes its copied file."""
    if is_bare_name(value) and value in bundled_suites():
        return f"{SUITES_DIR}/{value}.yaml"
    target = (config_dir / value).resolve()
    try:
        return target.relative_to(root.resolve()).as_posix()
    except ValueError:  # outside the bundled folder: an absolute path stays as it is
        return value


def _rewrite_paths(text: str, config_dir: Path, root: Path, name: str) -> str:
    """The config's text with each top-level path key relocated; comments are kept."""
    for key in PATH_KEYS:
        pattern = re.compile(rf"^({key}:\s*)(['\"]?)([^'\"#\s]+)\2", re.MULTILINE)

        def _swap(match: re.Match[str]) -> str:
            relocated = _relocated(match.group(3), config_dir, root)
            return f"{match.group(1)}{match.group(2)}{relocated}{match.group(2)}"

        text = pattern.sub(_swap, text, count=1)
    return text.replace(f"{CONFIGS_DIR}/{name}.yaml", f"{name}.yaml")  # commands in comments


def init_folder(name: str, folder: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy bundled config `name` into `folder` with its suite, the suite's assets and
    schema, its paths rewritten so it runs from there; returns the files written.
    Refuses (ValidationFailed) to overwrite anything unless `overwrite`."""
    if name not in bundled_configs():
        raise _unknown_name(name, ("config",))
    source = config_path(name)
    root = data_root()
    loaded = load_config(source)
    suite_source = loaded.suite_path
    suite_relative = Path(_relocated(loaded.config.suite, source.parent, root))
    plan = [(folder / f"{name}.yaml", None), (folder / suite_relative, suite_source)]
    plan += [
        (folder / suite_relative.parent / extra, suite_source.parent / extra)
        for extra in SUITE_EXTRAS
        if (suite_source.parent / extra).exists()
    ]
    existing = [str(target) for target, _ in plan if target.exists()]
    if existing and not overwrite:
        raise ValidationFailed(
            [Problem(path, "(file)", "already exists (use --force)") for path in existing]
        )
    folder.mkdir(parents=True, exist_ok=True)
    text = _rewrite_paths(source.read_text(encoding="utf-8"), source.parent, root, name)
    plan[0][0].write_text(text, encoding="utf-8")
    written = [plan[0][0]]
    for target, origin in plan[1:]:
        assert origin is not None
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(origin, target, dirs_exist_ok=True, ignore=ignore)
        else:
            shutil.copyfile(origin, target)
        written.append(target)
    load_config(plan[0][0])  # the copy must load from its new place, or this is a bug
    return written
