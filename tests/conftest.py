"""Settings for the whole suite: no test reaches the network for model weights, and no
test's keys outlive it."""

import os
from collections.abc import Iterator

import pytest

from vidbench.core.seam import secrets

# The CLIP scorers download open_clip's named weights by default (a real run should get its
# headline metric); tests, and the CLI processes they start, stay offline.
os.environ.setdefault("VIDBENCH_CLIP_DOWNLOAD", "0")


@pytest.fixture(autouse=True)
def _isolated_secret_registry() -> Iterator[None]:
    """Keys a test registers (property tests register random ones) are forgotten after it,
    so they cannot mask text in a later test; module-level test keys stay registered."""
    state = secrets.snapshot()
    yield
    secrets.restore(state)
