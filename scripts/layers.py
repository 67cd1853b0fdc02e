"""The import graph of `vidbench`, its circles and its floors: the gate that keeps arrows one way.

Every import counts: module level, inside a function, under `TYPE_CHECKING`, and a module
named in a string that `importlib` loads (a registry's "module:attr" entry). A circle is a
strongly connected set of two or more modules. A floor is given to every module by the
longest prefix in `FLOORS`; an import from a lower floor to a higher one is a wrong-way
arrow. `scripts/code_health.py --check` fails on either.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "src"

# Bottom to top. Within one floor, modules may import each other (without a circle).
FLOORS: tuple[tuple[str, ...], ...] = (
    ("vidbench.core.common",),
    ("vidbench.core.seam",),  # the provider seam: types, errors, http, retry, secrets, money
    ("vidbench.core.sim",),  # the simulators' kit; the server that mounts them is higher
    ("vidbench.adapters",),  # one package per provider: adapter, wire functions, simulator
    ("vidbench.adapters.registry",),
    (  # what a config holds that the stages below the run config read
        "vidbench.core.config.settings",
        "vidbench.core.config.checks",
        "vidbench.core.config.yamlfile",
        "vidbench.core.config.resources",
        "vidbench.core.config.keyhosts",
    ),
    ("vidbench.core.suites",),
    ("vidbench.core.store",),
    ("vidbench.core.sim.server", "vidbench.core.sim.judge"),
    ("vidbench.core.scorers",),
    ("vidbench.core.config",),  # the run config: validated against both registries
    ("vidbench.core.plan",),
    ("vidbench.core.run",),
    ("vidbench.core.arena",),
    ("vidbench.reports",),
    ("vidbench.cli", "vidbench.api", "vidbench"),
)

_MODULE_STRING = re.compile(r"^vidbench(\.\w+)+(:\w+)?$")


@dataclass
class Graph:
    """Modules and the modules each one imports (inside vidbench only)."""

    edges: dict[str, set[str]] = field(default_factory=dict)

    def circles(self) -> list[list[str]]:
        """Strongly connected sets of two or more modules (Tarjan, iterative)."""
        return [sorted(c) for c in _strongly_connected(self.edges) if len(c) > 1]

    def wrong_way(self) -> list[tuple[str, str]]:
        """Arrows from a module to one on a higher floor."""
        return [
            (a, b)
            for a, targets in sorted(self.edges.items())
            for b in sorted(targets)
            if floor(b) > floor(a)
        ]


def floor(module: str) -> int:
    """The floor of the longest prefix in FLOORS that names `module` or a package above it."""
    best, best_len = len(FLOORS), -1
    for index, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def modules(root: Path = SOURCE) -> dict[str, Path]:
    """Dotted name → file, for every module under src/ (the linked folders included)."""
    found: dict[str, Path] = {}
    files = (
        Path(folder) / name
        for folder, _, names in os.walk(root, followlinks=True)
        for name in names
        if name.endswith(".py")
    )
    for path in sorted(files):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imported(tree: ast.AST, package: str) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _MODULE_STRING.match(node.value)
        ):
            yield node.value.split(":")[0]


def graph(root: Path = SOURCE) -> Graph:
    """Read every module's imports; keep those that name a vidbench module."""
    known = modules(root)
    result = Graph()
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = {t for t in _imported(ast.parse(path.read_text("utf-8")), package) if t in known}
        # `from a.b import c` names both a.b and a.b.c: the package itself is not an arrow
        # when a submodule is what was imported.
        targets -= {t for t in targets if any(o.startswith(t + ".") for o in targets)}
        targets.discard(name)
        result.edges[name] = targets
    return result


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
    return found


def main() -> int:
    """Print the circles and wrong-way arrows; exit 1 if there is any."""
    result = graph()
    circles, wrong = result.circles(), result.wrong_way()
    arrows = sum(len(t) for t in result.edges.values())
    print(f"{len(result.edges)} modules, {arrows} arrows, {len(FLOORS)} floors")
    print(f"import circles: {len(circles)}")
    for circle in circles:
        print("  " + " <-> ".join(circle))
    print(f"arrows to a higher floor: {len(wrong)}")
    for low_end, high_end in wrong:
        print(f"  {low_end} -> {high_end}")
    return 1 if circles or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
