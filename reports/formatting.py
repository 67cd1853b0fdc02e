"""Number formatting, safe relative links and Markdown escaping shared by the report writers."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import quote

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return value.__class__.__name__ in ("NAType", "NaTType")


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number with `digits` significant digits (thousands kept whole); '–' when missing."""
    if is_missing(value):
        return "–"
    number = float(value)
    if abs(number) >= 999.5:
        return f"{number:,.0f}"
    # Fixed significant digits (28.0, not 28) so a column of numbers lines up.
    if abs(number) >= 1:
        return f"{number:#.{digits}g}".rstrip(".")
    fixed = f"{number:.{digits}f}"
    if float(fixed) == 0.0:
        # Tiny but not zero keeps its sign and size; exact zero loses the minus of -0.0.
        return f"{number:.2g}" if number != 0 else f"{0.0:.{digits}f}"
    return fixed


def fmt_pct(value: Any, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage."""
    return "–" if is_missing(value) else f"{100.0 * float(value):.{digits}f}%"


def fmt_usd(value: Any) -> str:
    """A USD amount with cents (or four decimals below ten cents)."""
    if is_missing(value):
        return "–"
    number = float(value)
    return f"${number:,.2f}" if abs(number) >= 0.1 else f"${number:.4f}"


def fmt_s(value: Any) -> str:
    """Seconds, one decimal."""
    return "–" if is_missing(value) else f"{float(value):,.1f} s"


def fmt_p(value: Any) -> str:
    """A p-value: three decimals, '<0.001' below."""
    if is_missing(value):
        return "–"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def fmt_ci(low: Any, high: Any, kind: str = "num") -> str:
    """'[low, high]' with the formatter for `kind` ('num', 'pct', 's', 'usd'); '' when missing."""
    if is_missing(low) or is_missing(high):
        return ""
    formatter = {"pct": fmt_pct, "s": fmt_s, "usd": fmt_usd}.get(kind, fmt_num)
    return f"[{formatter(low)}, {formatter(high)}]"


def safe_relative_url(path: Any) -> str | None:
    """A percent-encoded relative URL for a path inside the run directory, or None if unsafe.

    Paths come from the results table, which a provider's data can reach: anything absolute,
    with a scheme (javascript:, http:) or climbing out with '..' is refused.
    """
    if is_missing(path) or not isinstance(path, str) or not path.strip():
        return None
    text = path.strip().replace("\\", "/")
    if text.startswith("/") or ":" in text.split("/")[0]:
        return None
    parts = text.split("/")
    if any(part in ("..", "") for part in parts):
        return None
    return "/".join(quote(part, safe="") for part in parts)


def md_escape(value: Any, limit: int | None = None) -> str:
    """Text made safe for a Markdown table cell: specials escaped, newlines flattened."""
    text = "" if is_missing(value) else str(value)
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(value: Any, limit: int | None = None) -> str:
    """Text as a Markdown code span (backticks, which cannot be escaped inside one, removed)."""
    text = " ".join(("" if is_missing(value) else str(value)).replace("`", "'").split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"`{text}`" if text else ""


def truncate(value: Any, limit: int = 300) -> str:
    """Text cut to `limit` characters with an ellipsis."""
    text = "" if is_missing(value) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
