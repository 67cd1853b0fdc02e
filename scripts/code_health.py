"""Size and typing figures of the packages, and the gate `make check` applies to them.

Counts, over every module of the `vidbench` package (src/vidbench with its linked bench/,
adapters/ and reports/): modules over 400 lines, functions over 60 lines (decorators to
last line), the share of fully annotated functions (every parameter but self/cls, and the
return), and from `layers.py` the import circles and the arrows that point to a higher
floor. `--check` exits 1 when a module or a function is over its limit, the annotated
share is under 98%, or there is any circle or wrong-way arrow.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

import layers  # scripts/layers.py, beside this file

REPO = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MIN_ANNOTATED_SHARE = 0.98

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Health:
    """What the walk found."""

    modules: int = 0
    functions: int = 0
    annotated: int = 0
    long_modules: list[tuple[str, int]] = field(default_factory=list)
    long_functions: list[tuple[str, int]] = field(default_factory=list)
    unannotated: list[str] = field(default_factory=list)

    @property
    def annotated_share(self) -> float:
        return self.annotated / self.functions if self.functions else 1.0


def fully_annotated(node: Function) -> bool:
    """Every parameter (but a leading self/cls) and the return carry an annotation."""
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if params and params[0].arg in ("self", "cls"):
        params = params[1:]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    # As mypy reads it: an __init__ with annotated parameters is typed without `-> None`.
    returns_ok = node.returns is not None or (node.name == "__init__" and bool(params))
    return returns_ok and all(p.annotation is not None for p in params)


def function_lines(node: Function) -> int:
    """Lines from the first decorator (or the def) to the last line of the body."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return (node.end_lineno or node.lineno) - first + 1


def measure(paths: list[Path]) -> Health:
    """Walk every module under `paths`."""
    health = Health()
    for path in sorted(p for root in paths for p in layers.modules(root).values()):
        text = path.read_text(encoding="utf-8")
        name = str(path.resolve().relative_to(REPO))
        health.modules += 1
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        if lines > MAX_MODULE_LINES:
            health.long_modules.append((name, lines))
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            health.functions += 1
            where = f"{name}:{node.lineno} {node.name}"
            if fully_annotated(node):
                health.annotated += 1
            else:
                health.unannotated.append(where)
            if function_lines(node) > MAX_FUNCTION_LINES:
                health.long_functions.append((where, function_lines(node)))
    return health


def main(argv: list[str] | None = None) -> int:
    """Print the figures; with --check, exit 1 when a limit is broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a limit is broken")
    args = parser.parse_args(argv)
    health = measure([layers.SOURCE])
    print(f"modules {health.modules}, functions {health.functions}")
    print(f"modules over {MAX_MODULE_LINES} lines: {len(health.long_modules)}")
    for name, lines in health.long_modules:
        print(f"  {name}: {lines}")
    print(f"functions over {MAX_FUNCTION_LINES} lines: {len(health.long_functions)}")
    for where, lines in health.long_functions:
        print(f"  {where}: {lines}")
    print(f"fully annotated functions: {health.annotated_share:.1%}")
    for where in health.unannotated[:20]:
        print(f"  not fully annotated: {where}")
    imports = layers.graph()
    circles, wrong_way = imports.circles(), imports.wrong_way()
    print(f"import circles: {len(circles)}")
    for circle in circles:
        print("  " + " <-> ".join(circle))
    print(f"imports from a lower floor to a higher one: {len(wrong_way)}")
    for low_end, high_end in wrong_way:
        print(f"  {low_end} -> {high_end}")
    broken = (
        health.long_modules
        or health.long_functions
        or health.annotated_share < MIN_ANNOTATED_SHARE
        or circles
        or wrong_way
    )
    return 1 if args.check and broken else 0


if __name__ == "__main__":
    sys.exit(main())
