"""A non-editable install: build the wheel, install it with [all] into a fresh virtualenv that
already holds another package named `adapters`, then from an empty folder `vidbench init demo
work && cd work && vidbench run demo.yaml --yes` (simulated) and publish it, with nothing from
the checkout on the path; the other `adapters` still imports.

The build, install and demo run are tests/wheel_demo.py's, made once per session (the
demo-interval test reads the same run's reports); this test checks what they made."""

from __future__ import annotations

import re
import sys

import pytest
from wheel_demo import InstalledDemo, run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

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


def test_wheel_in_a_fresh_virtualenv_runs_the_demo(installed_demo: InstalledDemo) -> None:
    demo, env = installed_demo, installed_demo.env
    wheel, root = demo.wheel, demo.wheel.parent
    listing = run([sys.executable, "-m", "zipfile", "-l", str(wheel)], root, env)
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
    top_level = run([sys.executable, "-c", _TOP_LEVEL, str(wheel)], root, env).split()
    assert top_level == ["vidbench"], top_level
    declared = run([sys.executable, "-c", _TOP_LEVEL_TXT, str(wheel)], root, env)
    assert declared.split() == ["vidbench"], declared

    python, empty = str(demo.python), demo.empty
    where = run(
        [python, "-c", "import vidbench; print(vidbench.__file__, vidbench.__version__)"],
        empty,
        env,
    )
    assert where.split()[0].startswith(str(demo.purelib)) and where.split()[1] == "0.1.0", where
    for gone in ("bench", "reports", "benchmarks"):
        probe = f"import importlib.util as u; print(u.find_spec({gone!r}) is None)"
        assert run([python, "-c", probe], empty, env).strip() == "True", gone
    run([demo.vidbench, "validate", "smoke"], empty, env)
    work = demo.work
    assert (work / "demo.yaml").is_file() and (work / "prompts" / "smoke.yaml").is_file()
    # Three prompts × three models (the fixture's run): the whole demo path (simulators,
    # judge, scoring, report) from the installed wheel and the copied config.
    output = demo.run_output
    assert "wrote " in output and "report.html" in output, output[-2000:]
    assert demo.run_dir.parent == work / "runs"
    assert (demo.run_dir / "report.html").is_file() and list(
        (demo.run_dir / "videos").glob("*.mp4")
    )
    published = run([demo.vidbench, "publish", "runs", "--out", "site"], work, env)
    size = re.search(r"([\d.]+) MB in all", published)
    assert size and (work / "site" / "index.html").is_file()
    # The other `adapters` still imports as itself.
    stub = run([python, "-c", "import adapters; print(adapters.STUB)"], empty, env)
    assert stub.strip() == "another package named adapters", stub
    print(f"demo site: {published.strip()}")  # the figure docs/performance.md quotes
