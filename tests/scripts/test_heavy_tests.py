"""tests/heavy_tests.txt (what `make test-fast` leaves out) and scripts/heavy_tests.py."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("heavy_tests", REPO / "scripts" / "heavy_tests.py")
assert SPEC is not None and SPEC.loader is not None
heavy_tests = importlib.util.module_from_spec(SPEC)
sys.modules["heavy_tests"] = heavy_tests
SPEC.loader.exec_module(heavy_tests)


def test_every_listed_file_and_test_exists() -> None:
    files = {path.name: path for path in (REPO / "tests").rglob("test_*.py")}
    listed = [
        line.strip()
        for line in heavy_tests.HEAVY_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert listed, "an empty list: test-fast would run everything"
    for entry in listed:
        name, _, test = entry.partition("::")
        assert name in files, f"{entry}: no such test file"
        if test:
            source = files[name].read_text(encoding="utf-8")
            assert re.search(rf"^(async )?def {re.escape(test)}\(", source, re.M), entry


def test_a_durations_log_is_read_per_test_with_its_longest_setup(tmp_path: Path) -> None:
    log = tmp_path / "durations.log"
    log.write_text(
        "============ slowest durations ============\n"
        "3.50s call     tests/a/test_x.py::test_slow[one]\n"
        "1.00s call     tests/a/test_x.py::test_slow[two]\n"
        "2.00s setup    tests/a/test_y.py::test_first\n"
        "0.50s setup    tests/a/test_y.py::test_first\n"
        "0.01s teardown tests/a/test_y.py::test_first\n"
        "2279 passed in 600.00s\n",
        encoding="utf-8",
    )
    seconds, setups = heavy_tests.durations(log)
    assert seconds == pytest.approx(
        {"tests/a/test_x.py::test_slow": 4.5, "tests/a/test_y.py::test_first": 2.51}
    )
    assert setups == {"tests/a/test_y.py::test_first": 2.0}


def test_heavy_tests_or_whole_files_when_all_or_a_shared_setup_are_heavy() -> None:
    fast = {
        "tests/a/test_mixed.py::test_slow",
        "tests/a/test_mixed.py::test_quick",
        "tests/a/test_all.py::test_one",
        "tests/a/test_all.py::test_two",
        "tests/a/test_fixture.py::test_first",
        "tests/a/test_fixture.py::test_later",
        "tests/a/test_light.py::test_quick",
    }
    seconds = {
        "tests/a/test_mixed.py::test_slow": 1.5,
        "tests/a/test_mixed.py::test_quick": 0.1,
        "tests/a/test_all.py::test_one": 1.0,
        "tests/a/test_all.py::test_two": 2.0,
        "tests/a/test_fixture.py::test_first": 3.0,  # a module fixture's setup, paid here
        "tests/a/test_fixture.py::test_later": 0.1,
        "tests/a/test_light.py::test_quick": 0.2,
    }
    setups = {"tests/a/test_fixture.py::test_first": 2.9}
    assert heavy_tests.heavy_lines(seconds, setups, fast, 1.0) == [
        "test_all.py",
        "test_fixture.py",
        "test_mixed.py::test_slow",
    ]
