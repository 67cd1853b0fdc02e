"""One small real run per session, copied by every hostile case of this folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_corpus import make_small_run


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole simulated run (2 models × 2 prompts, conformance scored, reported); copy it."""
    return make_small_run(tmp_path_factory.mktemp("corpus"))
