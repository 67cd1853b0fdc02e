"""Fixtures for the reports tests; the helpers live in report_helpers.py (a unique module name)."""

from report_helpers import synthetic_run  # noqa: F401 (fixtures are found by name)
