"""Fixtures for the scorers tests; the helpers live in scorer_helpers.py (a unique module name)."""

from scorer_helpers import tiny_weights, video_writer  # noqa: F401 (fixtures are found by name)
