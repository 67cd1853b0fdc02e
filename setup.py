"""Build hook: the wheel carries prompts/ and configs/ as package data under vidbench/bundled/.

Everything else is in pyproject.toml. The repository keeps the top-level prompts/ and
configs/ folders; vidbench.core.config.resources reads either location through importlib.resources.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("prompts", "configs")


class BuildPyWithBundledData(build_py):
    """build_py, then copy the bundled suites, assets and configs into the build tree."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "vidbench" / "bundled"
        for name in BUNDLED:
            source = HERE / name
            if source.is_dir():
                shutil.copytree(
                    source,
                    target / name,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )


setup(cmdclass={"build_py": BuildPyWithBundledData})
