"""Fixtures for the scorers tests; the helpers live in scorer_helpers.py (a unique module name)."""

import os

from scorer_helpers import tiny_weights, video_writer  # noqa: F401 (fixtures are found by name)

# These tests embed with random tiny CLIP weights, which the load-time known-answer check
# (vidbench.core.scorers.doctor) rightly refuses; tests of that check turn it back on.
os.environ.setdefault("VIDBENCH_WEIGHTS_CHECK", "0")
