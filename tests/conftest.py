"""Settings for the whole suite: no test reaches the network for model weights, and no
test's keys outlive it."""

import os
import signal
from collections.abc import Iterator
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


# Unit tests of two seconds or more (measured serially on the quiet 2-core machine): they run
# in `make test` but not in the inner loop, `make test-fast`. By file, or file::test.
HEAVY_TESTS = frozenset(
    {
        "test_reports_stats.py::test_the_exact_signed_rank_p_value_matches_scipy_with_ties_and_zeros",
        "test_scorers_faces_options.py::test_share_of_frames_and_the_vbench2_variant",
        "test_scorers_parallel.py::test_several_workers_give_the_same_values_as_one",
        "test_scorers_sensitivity.py::test_face_identity_drops_when_the_face_is_replaced",
        "test_sim_render_ahead.py::test_a_late_render_is_recorded_apart_and_left_out_of_latency",
        "test_hostile_publish.py",
        "test_publish.py",
        "test_suite_scheduling.py::test_the_longest_tests_are_collected_first",  # a pytest child
    }
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
        if name in HEAVY_TESTS or f"{name}::{item.name}" in HEAVY_TESTS:
            item.add_marker(pytest.mark.heavy)
