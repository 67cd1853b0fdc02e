"""The nesting scan done in C (bench/seam/bounded_json.py) counts exactly what the per-bracket
definition counts: the deepest running sum of opening (+1) and closing (-1) brackets outside
JSON strings, escapes included."""

from __future__ import annotations

import itertools
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from vidbench.core.seam.bounded_json import MAX_JSON_DEPTH, nesting_depth, parse_json_bounded


def reference_depth(text: str) -> int:
    """Brackets outside strings, one at a time (the definition the scan must keep)."""
    if text.count("[") + text.count("{") == 0:
        return 0
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text, flags=re.DOTALL)
    steps = [1 if char in "[{" else -1 for char in outside if char in "[]{}"]
    return max(itertools.accumulate(steps), default=0)


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(st.text(alphabet='[]{}"\\ab,:é\n', max_size=60))
def test_the_scan_matches_the_definition_on_any_text(text: str) -> None:
    assert nesting_depth(text) == reference_depth(text)


def test_a_listing_page_parses_and_its_depth_is_counted_outside_strings() -> None:
    page = {"items": [{"id": f"cgt-{i}", "prompt": 'a "red" [ball] {x}', "u": [1, {"b": [2]}]}
                      for i in range(100)]}  # fmt: skip
    text = json.dumps(page)
    assert nesting_depth(text) == 6 == reference_depth(text)
    assert parse_json_bounded(text) == page


def test_few_brackets_skip_the_scan_but_not_the_bound() -> None:
    # At most MAX_JSON_DEPTH brackets cannot nest deeper; one more level is still refused.
    shallow = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json_bounded(shallow) is not None
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    try:
        parse_json_bounded(deep)
    except ValueError as exc:
        assert f"nested {MAX_JSON_DEPTH + 1} levels" in str(exc)
    else:
        raise AssertionError("a too deep answer was parsed")
