"""How `make test` hands tests to its pytest-xdist workers: which share one worker (told from
their node ids on the controller), and which start first.

pytest-xdist's `--dist loadgroup` reads `xdist_group` marks on the workers and appends the
group to each node id (`item._nodeid`); pytest 9.2 builds `nodeid` from a structured id, so
that suffix is lost and every grouped test was scheduled alone (seen here: the Ray tests
and the wheel-demo tests on both workers at once). The controller only sees node ids, so the
groups are named by file here, and `GroupedByFile` puts each group in one work unit.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadGroupScheduling

# Files whose tests start a local Ray cluster: one worker runs them all, one cluster at a time,
# and `make test-fast` leaves them out (tests/conftest.py marks them `ray`).
RAY_TEST_FILES = frozenset({"test_scorers_executor_ray.py"})

# file name -> group. wheel-demo: one installed demo run (tests/wheel_demo.py), a session
# fixture, which lives per worker.
GROUP_OF_FILE = {
    **dict.fromkeys(RAY_TEST_FILES, "ray"),
    "test_wheel_install.py": "wheel-demo",
    "test_reports_intervals_demo.py": "wheel-demo",
}


def group_of(nodeid: str) -> str | None:
    """The group a node id's file belongs to, if any."""
    path = nodeid.partition("::")[0]
    return GROUP_OF_FILE.get(path.rpartition("/")[2])


class GroupedByFile(LoadGroupScheduling):
    """`--dist loadgroup` with the groups of GROUP_OF_FILE (and any `@group` suffix)."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid) or super()._split_scope(nodeid)


# The longest tests, by file or file::test, measured with `--durations` under -n 2 on the
# shared 2-core machine: they start first, so the short ones fill both workers at the end
# (pytest-xdist hands tests out in this order) instead of one long test finishing alone.
LONGEST_TESTS = (
    "test_shell_blocks.py::test_every_shell_block_in_the_docs_runs",
    "test_base_install_e2e.py",
    "test_kill_resume.py",
    "test_kill_soak.py",
    "test_compare_e2e.py",
    "test_cli_e2e.py::test_run_generates_scores_and_reports",
    "test_concurrent_resume.py",
    "test_faults_e2e.py",
)
SLOW_MARKS = ("slow", "reliability", "browser", "ray")


def start_rank(item: pytest.Item) -> int:
    """0 for the longest tests, 1 for other slow ones, 2 for `heavy` unit tests, else 3."""
    name = item.path.name
    if (
        name in LONGEST_TESTS
        or f"{name}::{getattr(item, 'originalname', item.name)}" in LONGEST_TESTS
    ):
        return 0
    if any(item.get_closest_marker(mark) for mark in SLOW_MARKS):
        return 1
    return 2 if item.get_closest_marker("heavy") else 3
