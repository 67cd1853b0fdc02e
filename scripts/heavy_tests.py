"""The unit tests `make test-fast` leaves out: those of a second or more in durations logs.

Reads outputs of `pytest --durations=0` (e.g. `.venv/bin/python -m pytest -q -n 2 --dist
loadgroup --durations=0 > durations.log`, the whole suite, and a `make test-fast` run's too:
a session fixture is paid by whichever test uses it first), adds up each test's setup, call
and teardown, and prints tests/heavy_tests.txt's lines for the tests `make test-fast` would
run that took at least `--min-s` in any log. Times in such logs are measured beside the
other worker, so the threshold is a second, not two. `--write` replaces the file.

    .venv/bin/python scripts/heavy_tests.py durations.log [more.log …] [--min-s 1.0] [--write]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY_FILE = REPO / "tests" / "heavy_tests.txt"
# `make test-fast`'s selection without `not heavy`: the listed tests are timed again too.
FAST_SELECTION = [
    "-m",
    "not slow and not reliability and not browser and not ray",
    "--ignore=tests/e2e",
    "--ignore=tests/reliability",
]
DURATION = re.compile(r"^\s*([\d.]+)s (call|setup|teardown)\s+(\S.*?)\s*$")
HEADER = """\
# Unit tests of a second or more under `make test` (two workers): `make test` runs them,
# `make test-fast` does not. One per line, `file.py` or `file.py::test` (parameters left
# out: every case of the test). Made by scripts/heavy_tests.py from a --durations=0 log.
"""


def durations(log: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(test id → seconds of setup + call + teardown of every case, test id → longest
    setup), parameters dropped from the ids."""
    seconds: dict[str, float] = defaultdict(float)
    setups: dict[str, float] = defaultdict(float)
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = DURATION.match(line)
        if match:
            spent, phase, test_id = float(match.group(1)), match.group(2), match.group(3)
            test_id = test_id.split("[")[0]
            seconds[test_id] += spent
            if phase == "setup":
                setups[test_id] = max(setups[test_id], spent)
    return dict(seconds), dict(setups)


def fast_tests() -> set[str]:
    """The ids `make test-fast` would collect with no heavy list (parameters dropped)."""
    command = [sys.executable, "-m", "pytest", "-q", "--collect-only", *FAST_SELECTION]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    return {line.split("[")[0] for line in done.stdout.splitlines() if "::" in line}


def heavy_lines(
    seconds: dict[str, float], setups: dict[str, float], fast: set[str], min_s: float
) -> list[str]:
    """Lines for tests/heavy_tests.txt: a whole file when all its timed fast tests are heavy
    or one of them set up for `min_s` or more (a module fixture: whichever of the file's
    tests runs first pays it), else its heavy tests."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for test_id in sorted(fast):
        by_file[test_id.split("::")[0]].append(test_id)
    lines = []
    for path, ids in sorted(by_file.items()):
        timed = [i for i in ids if i in seconds]
        heavy = [i for i in timed if seconds[i] >= min_s]
        name = Path(path).name
        shared_setup = any(setups.get(i, 0.0) >= min_s for i in ids)
        if heavy and (len(heavy) == len(ids) or shared_setup):
            lines.append(name)
        else:
            lines += [f"{name}::{i.split('::', 1)[1]}" for i in heavy]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", type=Path, nargs="+", help="--durations=0 outputs")
    parser.add_argument("--min-s", type=float, default=1.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    seconds: dict[str, float] = {}
    setups: dict[str, float] = {}
    for log in args.logs:  # several logs: each test's longest
        for found, into in zip(durations(log), (seconds, setups), strict=True):
            for test_id, spent in found.items():
                into[test_id] = max(spent, into.get(test_id, 0.0))
    lines = heavy_lines(seconds, setups, fast_tests(), args.min_s)
    text = HEADER + "".join(f"{line}\n" for line in lines)
    if args.write:
        HEAVY_FILE.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
