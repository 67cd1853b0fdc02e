"""The import gate: circles and wrong-way arrows are found in a planted tree, and the real
package has none (the same check `make lint` runs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def _layers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layers", REPO / "scripts" / "layers.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["layers"] = module
    spec.loader.exec_module(module)
    return module


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "vidbench" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_circle_held_open_by_a_function_local_import_is_found(tmp_path: Path) -> None:
    layers = _layers()
    root = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/seam/__init__.py": "",
            "core/seam/a.py": "def f():\n    from vidbench.core.seam import b\n",
            "core/seam/b.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from vidbench.core.seam.a import f\n",
            "core/seam/c.py": "import vidbench.core.seam.a\n",
        },
    )
    graph = layers.graph(root)
    assert graph.circles() == [["vidbench.core.seam.a", "vidbench.core.seam.b"]]
    assert graph.wrong_way() == []


def test_an_arrow_to_a_higher_floor_and_a_registry_string_are_found(tmp_path: Path) -> None:
    layers = _layers()
    root = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/seam/__init__.py": "",
            "core/seam/low.py": "from vidbench.core.run import high\n",
            "core/seam/table.py": 'TABLE = {"x": "vidbench.core.run.high:Thing"}\n',
            "core/run/__init__.py": "",
            "core/run/high.py": "class Thing: ...\n",
        },
    )
    assert layers.graph(root).wrong_way() == [
        ("vidbench.core.seam.low", "vidbench.core.run.high"),
        ("vidbench.core.seam.table", "vidbench.core.run.high"),
    ]


def test_floors_go_by_the_longest_prefix() -> None:
    layers = _layers()
    assert layers.floor("vidbench.core.sim.render") < layers.floor("vidbench.adapters.ark.sim")
    assert layers.floor("vidbench.adapters.ark.sim") < layers.floor("vidbench.core.sim.server")
    assert layers.floor("vidbench.core.scorers.stage") < layers.floor("vidbench.core.config.config")
    assert layers.floor("vidbench.core.config.settings") < layers.floor(
        "vidbench.core.scorers.base"
    )
    assert layers.floor("vidbench.reports.html") < layers.floor("vidbench.cli.app")


def test_the_package_has_no_circle_and_no_wrong_way_arrow() -> None:
    graph = _layers().graph()
    assert len(graph.edges) > 150  # the linked core, adapters and reports were walked
    assert graph.circles() == []
    assert graph.wrong_way() == []
