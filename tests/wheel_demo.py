"""The demo from a non-editable install, made once per test session and read by several tests.

Build the checkout's wheel, install it with [all] into a fresh virtualenv that already holds
another package named `adapters`, then from an empty folder `vidbench init demo work && cd
work && vidbench run demo.yaml --yes` on the demo's own sample (three prompts, one per
category first, seed 0: the jobs `vidbench demo --sample 3` plans). The wheel test checks the
install and publishes the run; the demo-interval test reads its reports. One demo instead of
two: the demo is most of either test's time. Tests using the `installed_demo` fixture
(tests/conftest.py) share one pytest-xdist worker (group `wheel-demo`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_SAMPLE = 3  # prompts per model: the smallest, most degenerate groups (2-3 clips)

# Another distribution's `adapters` (AdapterHub's import name) already in the virtualenv.
OTHER_ADAPTERS = 'STUB = "another package named adapters"\n'


@dataclass(frozen=True)
class InstalledDemo:
    """What the install made: the wheel, the virtualenv, the folders and the demo's run."""

    wheel: Path
    venv: Path
    purelib: Path  # the virtualenv's site-packages
    empty: Path  # a folder holding nothing from the checkout
    work: Path  # `vidbench init demo work` inside `empty`
    run_dir: Path  # work/runs/demo-*
    run_output: str  # what `vidbench run` printed
    env: dict[str, str]  # the environment every command ran with

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def vidbench(self) -> str:
        return str(self.venv / "bin" / "vidbench")


def source_tree(target: Path) -> Path:
    """The checkout's tracked and new (not ignored) files, so the build leaves the checkout alone."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_symlink():  # src/vidbench/{core,adapters,reports}: kept as links
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(source), target / name)
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run(args: list[str], cwd: Path, env: dict[str, str], timeout_s: float = 900) -> str:
    """Run a command; its stdout, or an assertion naming the command and its output."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)
    assert done.returncode == 0, (
        f"{args[:3]} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def build_wheel(root: Path, env: dict[str, str]) -> Path:
    """The wheel of a copy of the checkout (no dependencies, no build isolation: offline)."""
    source = source_tree(root / "src")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    run([*pip_wheel, "-w", str(root / "dist"), str(source)], root, env)
    (wheel,) = (root / "dist").glob("vidbench-*.whl")
    return wheel


def install(wheel: Path, root: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """A fresh virtualenv with `wheel[all]` installed and another `adapters` beside it."""
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], root, env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    run([*pip, "--no-deps", str(wheel)], root, env)
    # The dependencies (torch and the rest) come from this environment's site-packages, added as
    # a plain path: its .pth files (the editable vidbench finder among them) are not processed.
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(run([str(python), "-c", where], root, env).strip())
    (purelib / "zz_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    (purelib / "adapters").mkdir()
    (purelib / "adapters" / "__init__.py").write_text(OTHER_ADAPTERS, encoding="utf-8")
    # [all] with no index: pip resolves every dependency the extras declare against what that
    # path holds (a name missing from it, or a conflict, fails here; nothing is downloaded).
    run([*pip, "--no-index", f"{wheel}[all]"], root, env)
    return venv, purelib


def install_and_run_demo(root: Path) -> InstalledDemo:
    """Build, install, `vidbench init demo work` from an empty folder and run the demo there."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    wheel = build_wheel(root, env)
    venv, purelib = install(wheel, root, env)
    empty = root / "empty"
    empty.mkdir()
    vidbench = str(venv / "bin" / "vidbench")
    run([vidbench, "init", "demo", "work"], empty, env)
    work = empty / "work"
    # The demo's own plan (`vidbench demo --sample 3`): three models, the judge, every scorer.
    sample = ["--sample", str(DEMO_SAMPLE), "--stratify", "category", "--seed", "0"]
    output = run([vidbench, "run", "demo.yaml", "--yes", *sample], work, env, timeout_s=1500)
    (run_dir,) = (work / "runs").glob("demo-*")
    return InstalledDemo(wheel, venv, purelib, empty, work, run_dir, output, env)
