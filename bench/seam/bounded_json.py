"""JSON from a stranger (a provider's or a judge's answer): size and nesting bounded.

Python's decoder recurses once per nesting level, so `[[[[…]]]]` a few thousand deep raises
`RecursionError` (and a shallower but still deep value breaks whatever walks it next: the
record redaction, pydantic). Every provider and judge body is parsed here: at most
`MAX_JSON_BYTES`, at most `MAX_JSON_DEPTH` levels, and every failure is one `ValueError`
subclass that names the bound, so callers that read answers tolerantly (`except ValueError`)
need nothing new.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

MAX_JSON_BYTES = 8 * 1024**2  # a status or chat answer is a few kB; a listing page well under
MAX_JSON_DEPTH = 64  # no provider answer we read is deeper than ~8

# A JSON string (escapes included); matched in C, linear: the alternatives start differently.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: no step per character
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
# Opening brackets step +1, closing ones -1 (255 read as a signed byte).
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class JsonOutOfBounds(ValueError):
    """An untrusted JSON text that is too large, too deeply nested, or not JSON."""


def nesting_depth(text: str) -> int:
    """The deepest array/object nesting of a JSON text (brackets inside strings ignored)."""
    if text.count("[") + text.count("{") == 0:
        return 0
    # Every step in C (a 50 kB listing page took 1.7 ms with a Python loop per bracket).
    brackets = _NOT_BRACKETS.sub("", _STRING.sub("", text))
    steps = memoryview(brackets.encode("ascii").translate(_STEPS)).cast("b")
    return max(itertools.accumulate(steps), default=0)


def parse_json_bounded(
    data: bytes | str, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """`json.loads` of an untrusted body within `max_bytes` and `max_depth`.

    Raises `JsonOutOfBounds` (a `ValueError`) for a body over either bound, for invalid JSON
    or UTF-8, and for a number Python refuses to convert (over 4,300 digits)."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace"))
    if size > max_bytes:
        raise JsonOutOfBounds(f"JSON answer of {size} bytes is over the {max_bytes}-byte cap")
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise JsonOutOfBounds(f"answer is not UTF-8: {exc.reason}") from None
    # Fewer brackets than the bound cannot nest deeper than it (most answers: no scan).
    few = text.count("[") + text.count("{") <= max_depth
    depth = 0 if few else nesting_depth(text)
    if depth > max_depth:
        raise JsonOutOfBounds(f"JSON nested {depth} levels deep; at most {max_depth} are read")
    try:
        return json.loads(text)
    except RecursionError:  # belt and braces: the scan above bounds what reaches here
        raise JsonOutOfBounds(f"JSON nested too deeply to parse (over {max_depth})") from None
    except ValueError as exc:  # JSONDecodeError, and int conversions over the digit limit
        raise JsonOutOfBounds(f"answer is not JSON: {str(exc)[:120]}") from None
