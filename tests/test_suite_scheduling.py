"""How `make test` hands tests to its two pytest-xdist workers: grouped tests on one worker
(the Ray cluster, the installed demo), the longest tests first."""

import subprocess
import sys
from pathlib import Path

import pytest
from scheduling import GroupedByFile
from xdist.scheduler import LoadGroupScheduling

RAY = "tests/scorers/test_scorers_executor_ray.py::test_one[x]"
WHEEL = "tests/e2e/test_wheel_install.py::test_wheel_in_a_fresh_virtualenv_runs_the_demo"
INTERVALS = "tests/reports/test_reports_intervals_demo.py::test_no_interval[report.md]"
PLAIN = "tests/bench/test_retry.py::test_backoff"
REPO = Path(__file__).resolve().parents[1]


def test_loadgroup_gets_the_file_groups_and_keeps_the_rest_one_test_a_unit(
    pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytestconfig.option, "dist", "loadgroup")
    monkeypatch.setattr(pytestconfig.option, "numprocesses", 2)
    monkeypatch.setattr(pytestconfig.option, "tx", ["2*popen"], raising=False)
    scheduler = pytestconfig.hook.pytest_xdist_make_scheduler(config=pytestconfig, log=None)
    assert isinstance(scheduler, GroupedByFile)
    # pytest-xdist's own scheduler, given these node ids (no `@group` suffix: pytest 9.2 drops
    # the one its worker sets), puts every test in a unit of its own.
    plain = LoadGroupScheduling(pytestconfig)
    assert len({plain._split_scope(n) for n in (RAY, WHEEL, INTERVALS)}) == 3
    assert scheduler._split_scope(RAY) == "ray"
    assert scheduler._split_scope(WHEEL) == scheduler._split_scope(INTERVALS) == "wheel-demo"
    assert scheduler._split_scope(PLAIN) == PLAIN
    assert scheduler._split_scope(f"{PLAIN}@named") == "named"  # an xdist_group suffix still counts


def test_the_longest_tests_are_collected_first() -> None:
    # test_kill_resume.py is one of the longest: it comes before test_cli_json.py's short tests.
    files = ["tests/e2e/test_cli_json.py", "tests/e2e/test_kill_resume.py"]
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"]
    listed = subprocess.run([*command, *files], capture_output=True, text=True, cwd=REPO)
    names = [line for line in listed.stdout.splitlines() if "::" in line]
    assert len(names) > 3 and all("test_kill_resume.py" in n for n in names[:2]), names
    assert not any("test_kill_resume.py" in n for n in names[2:])
