"""Settings for the whole suite: no test reaches the network for model weights, and no
test's keys outlive it."""

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scheduling import RAY_TEST_FILES, GroupedByFile, start_rank
from wheel_demo import InstalledDemo, install_and_run_demo

from vidbench.core.seam import secrets

# The CLIP scorers download open_clip's named weights by default (a real run should get its
# headline metric); tests, and the CLI processes they start, stay offline.
os.environ.setdefault("VIDBENCH_CLIP_DOWNLOAD", "0")

# The CLI's piped output wraps at COLUMNS (140 when unset). pytest-xdist workers run with
# COLUMNS=80 and longer tmp paths (`…/popen-gw0/…`), so messages naming a file wrapped where
# the serial run's fit, and tests looking for a field name or a whole progress line failed
# only with -n 2. Workers get a wide COLUMNS (pytest_configure below, before any test module
# imports the CLI); the controller's own report keeps the terminal's width.
WORKER_COLUMNS = "400"

# A suite started in the background (a script's `make test &`, nohup, some CI runners)
# inherits SIGINT ignored, and so does every process it starts: a `vidbench run` child then
# ignored the Ctrl-C of tests/e2e/test_kill_resume.py, finished all its jobs and exited 0
# (the flaky [ctrl-c] case of issue 27), and simulators stopped with SIGINT waited out their
# kill timeout. A handler here is reset to the default in children at exec, so they get
# Python's KeyboardInterrupt as in a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated_secret_registry() -> Iterator[None]:
    """Keys a test registers (property tests register random ones) are forgotten after it,
    so they cannot mask text in a later test; module-level test keys stay registered."""
    state = secrets.snapshot()
    yield
    secrets.restore(state)


# Unit tests of a second or more under `make test`: they run there but not in the inner loop,
# `make test-fast`. By file, or file::test (every case), in tests/heavy_tests.txt, which
# scripts/heavy_tests.py writes from a `--durations=0` log.
HEAVY_TESTS = frozenset(
    line.strip()
    for line in (Path(__file__).parent / "heavy_tests.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


@pytest.fixture(scope="session")
def installed_demo(tmp_path_factory: pytest.TempPathFactory) -> InstalledDemo:
    """The wheel built, installed into a fresh virtualenv, and the demo run from it (once)."""
    return install_and_run_demo(tmp_path_factory.mktemp("wheel"))


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker
        os.environ["COLUMNS"] = WORKER_COLUMNS
    config.addinivalue_line("markers", "ray: starts a local Ray cluster (one worker runs them)")
    config.addinivalue_line("markers", "heavy: a unit test of 2 s or more (not in test-fast)")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `--dist loadgroup`, the groups of tests/scheduling.py (see why there).

    tryfirst: xdist's own implementation of this hook, registered later, is asked first."""
    if config.getvalue("dist") != "loadgroup":
        return None
    return GroupedByFile(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _mark(items)
    items.sort(key=start_rank)  # stable: collection order within a rank


def _mark(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in RAY_TEST_FILES:
            item.add_marker(pytest.mark.ray)
        name = item.path.name
        test = getattr(item, "originalname", item.name)  # without its parameters
        if name in HEAVY_TESTS or f"{name}::{test}" in HEAVY_TESTS:
            item.add_marker(pytest.mark.heavy)
