"""A non-editable install: build the wheel, install it with [all] into a fresh virtualenv that
already holds another package named `adapters`, then from an empty folder `vidbench init demo
work && cd work && vidbench run demo.yaml --yes` (simulated) and publish it, with nothing from
the checkout on the path; the other `adapters` still imports."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


def _source_tree(target: Path) -> Path:
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


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout_s: float = 900) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)
    assert done.returncode == 0, (
        f"{args[:3]} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


# The import packages a wheel installs: the first folder of every .py file it carries.
_TOP_LEVEL = (
    "import sys, zipfile; "
    "names = zipfile.ZipFile(sys.argv[1]).namelist(); "
    "print(*sorted({n.split('/')[0] for n in names if n.endswith('.py')}))"
)

# The wheel's own declaration of its import packages (dist-info/top_level.txt).
_TOP_LEVEL_TXT = (
    "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
    "print(z.read(next(n for n in z.namelist() if n.endswith('.dist-info/top_level.txt'))).decode())"
)

# Another distribution's `adapters` (AdapterHub's import name) already in the virtualenv.
_OTHER_ADAPTERS = 'STUB = "another package named adapters"\n'


def test_wheel_in_a_fresh_virtualenv_runs_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    source = _source_tree(tmp_path / "src")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        tmp_path,
        env,
    )
    (wheel,) = (tmp_path / "dist").glob("vidbench-*.whl")
    listing = _run([sys.executable, "-m", "zipfile", "-l", str(wheel)], tmp_path, env)
    for bundled in (
        "vidbench/bundled/configs/demo.yaml",
        "vidbench/bundled/prompts/smoke.yaml",
        "vidbench/bundled/prompts/core.yaml",
        "vidbench/bundled/prompts/assets/",
        "vidbench/core/seam/adapter.py",
        "vidbench/adapters/ark/adapter.py",
        "vidbench/reports/templates/",
    ):
        assert bundled in listing, bundled
    top_level = _run([sys.executable, "-c", _TOP_LEVEL, str(wheel)], tmp_path, env).split()
    assert top_level == ["vidbench"], top_level
    declared = _run([sys.executable, "-c", _TOP_LEVEL_TXT, str(wheel)], tmp_path, env)
    assert declared.split() == ["vidbench"], declared

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    _run([*pip, "--no-deps", str(wheel)], tmp_path, env)
    # The dependencies (torch and the rest) come from this environment's site-packages, added as
    # a plain path: its .pth files (the editable vidbench finder among them) are not processed.
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            tmp_path,
            env,
        ).strip()
    )
    (purelib / "zz_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    (purelib / "adapters").mkdir()
    (purelib / "adapters" / "__init__.py").write_text(_OTHER_ADAPTERS, encoding="utf-8")
    # [all] with no index: pip resolves every dependency the extras declare against what that
    # path holds (a name missing from it, or a conflict, fails here; nothing is downloaded).
    _run([*pip, "--no-index", f"{wheel}[all]"], tmp_path, env)

    empty = tmp_path / "empty"
    empty.mkdir()
    where = _run(
        [str(python), "-c", "import vidbench; print(vidbench.__file__, vidbench.__version__)"],
        empty,
        env,
    )
    assert where.split()[0].startswith(str(purelib)) and where.split()[1] == "0.1.0", where
    for gone in ("bench", "reports", "benchmarks"):
        probe = f"import importlib.util as u; print(u.find_spec({gone!r}) is None)"
        assert _run([str(python), "-c", probe], empty, env).strip() == "True", gone
    vidbench = str(venv / "bin" / "vidbench")
    _run([vidbench, "validate", "smoke"], empty, env)
    _run([vidbench, "init", "demo", "work"], empty, env)
    work = empty / "work"
    assert (work / "demo.yaml").is_file() and (work / "prompts" / "smoke.yaml").is_file()
    # Two prompts × eight models: the whole demo path (simulators, judge, scoring, report)
    # from the installed wheel and the copied config, at a fifth of the full demo's cost.
    output = _run(
        [vidbench, "run", "demo.yaml", "--yes", "--sample", "2"], work, env, timeout_s=1500
    )
    assert "wrote " in output and "report.html" in output, output[-2000:]
    (run_dir,) = (work / "runs").glob("demo-*")
    assert (run_dir / "report.html").is_file() and list((run_dir / "videos").glob("*.mp4"))
    published = _run([vidbench, "publish", "runs", "--out", "site"], work, env)
    size = re.search(r"([\d.]+) MB in all", published)
    assert size and (work / "site" / "index.html").is_file()
    # The other `adapters` still imports as itself.
    stub = _run([str(python), "-c", "import adapters; print(adapters.STUB)"], empty, env)
    assert stub.strip() == "another package named adapters", stub
    print(f"demo site: {published.strip()}")  # the figure docs/performance.md quotes
