"""Settings for the whole suite: no test reaches the network for model weights, and no
test's keys outlive it."""

import os
import signal
from collections.abc import Iterator

import pytest

from vidbench.core.seam import secrets

# The CLIP scorers download open_clip's named weights by default (a real run should get its
# headline metric); tests, and the CLI processes they start, stay offline.
os.environ.setdefault("VIDBENCH_CLIP_DOWNLOAD", "0")

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
