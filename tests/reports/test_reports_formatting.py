"""Safe links and escaping for values that came from providers, suites and configs."""

from __future__ import annotations

import math

from vidbench.reports.formatting import (
    fmt_ci,
    fmt_num,
    fmt_p,
    fmt_pct,
    md_code,
    md_escape,
    safe_relative_url,
)


def test_safe_relative_url_refuses_schemes_absolute_and_parent_paths() -> None:
    assert safe_relative_url("videos/job 1.mp4") == "videos/job%201.mp4"
    assert safe_relative_url('frames/a"b.jpg') == "frames/a%22b.jpg"
    for bad in (
        "javascript:alert(1)",
        "http://evil.example/x.mp4",
        "//evil.example/x",
        "/etc/passwd",
        "../outside.mp4",
        "videos/../../x",
        "",
        None,
        math.nan,
        3,
    ):
        assert safe_relative_url(bad) is None, bad


def test_markdown_escaping_keeps_tables_intact() -> None:
    assert md_escape("a|b <script>") == "a\\|b \\<script\\>"
    assert md_escape("line\nbreak") == "line break"
    assert md_code("x`y") == "`x'y`"
    assert md_escape(None) == ""


def test_number_formats() -> None:
    assert fmt_num(28.0) == "28.0" and fmt_num(0.97) == "0.970" and fmt_num(-0.0) == "0.000"
    assert fmt_num(12345.6) == "12,346" and fmt_num(math.nan) == "–"
    assert fmt_pct(0.1234) == "12.3%" and fmt_p(0.0001) == "<0.001"
    assert fmt_ci(0.1, 0.2, "pct") == "[10.0%, 20.0%]" and fmt_ci(None, 1.0) == ""
