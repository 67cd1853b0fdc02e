"""The offline demo's report.md and report.html show no interval outside its metric's range.

The demo (three prompts per model, so groups of 2-3 clips: the smallest, most degenerate
samples) is run once per session, from the installed wheel (tests/wheel_demo.py); every "[low, high]" in either report is read back with the row it
sits in: a row naming a metric holds that metric's means (its declared range) or, when the
metric is followed by two model names, a pairwise difference (low − high, high − low);
percentages are rates in [0%, 100%]; a row naming no metric (the leaderboard) takes the metric
its column's header names. An interval the parser cannot attribute fails too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from wheel_demo import DEMO_SAMPLE, InstalledDemo

from vidbench.core.scorers.base import Bounds
from vidbench.reports.data import load_run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

HEADER = "<header>"  # first cell of a table's header row, as the parsers below return it
# Columns that are no scorer output but have a range: the two draw figures and money per clip.
DERIVED_COLUMNS: dict[str, Bounds] = {
    "Draws_per_usable_clip": (1.0, None),
    "Expected_draws_for_a_given_prompt": (1.0, None),
    "Cost_/_usable_clip": (0.0, None),
    "Cost_/_draw": (0.0, None),
}
INTERVAL = re.compile(r"\[\s*([^\[\],]+(?:,\d{3})*)\s*,\s+([^\[\],]+(?:,\d{3})*)\s*\]")
NUMBER = re.compile(r"^[-−]?\$?[\d,]*\.?\d+(?:e[-+]?\d+)?%?$")


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace("$", "").replace(",", "").rstrip("%"))


class _Rows(HTMLParser):
    """Every table row of an HTML page as a list of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            if tag == "th" and not self.rows[-1]:
                self.rows[-1].append(HEADER)
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_rows(path: Path) -> list[list[str]]:
    parser = _Rows()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.rows


def markdown_rows(path: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
            cells = [c.strip().replace("\\_", "_").replace("\\|", "|") for c in cells]
            if rows and all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                rows[-1].insert(0, HEADER)  # the row above a separator is the header
                continue
            rows.append(cells)
    return rows


def _metric_of(row: list[str], metrics: set[str]) -> tuple[str | None, int]:
    """(the metric the row is about, the index of its cell); (None, -1) when none is named."""
    for i, cell in enumerate(row):
        head = re.match(r"[A-Za-z0-9_]+", cell)
        if head and head.group(0) in metrics:
            return head.group(0), i
    return None, -1


def out_of_range(rows: list[list[str]], bounds: dict[str, Bounds], models: set[str]) -> list[str]:
    """Every interval in `rows` that leaves its range (or cannot be attributed), as text."""
    found = []
    header: list[str] = []
    known = {**DERIVED_COLUMNS, **bounds}
    for row in rows:
        if row[:1] == [HEADER]:
            header = [c.replace(" ", "_") for c in row[1:]]
            continue
        named, at = _metric_of(row, set(bounds))
        # metric | model_a | model_b | …: a difference between two models
        pairwise = named is not None and {*row[at + 1 : at + 3]} <= models and len(row) > at + 2
        for column, cell in enumerate(row):
            metric = named
            if metric is None and column < len(header) and header[column] in known:
                metric = header[column]
            for low_text, high_text in INTERVAL.findall(cell):
                if not (NUMBER.match(low_text.strip()) and NUMBER.match(high_text.strip())):
                    continue  # "[Errno -2]" and other bracketed text
                low, high = _number(low_text), _number(high_text)
                if low_text.strip().endswith("%"):
                    floor, ceiling = 0.0, 100.0
                elif metric is None:
                    found.append(f"unattributed [{low_text}, {high_text}] in {row}")
                    continue
                else:
                    floor, ceiling = _range(known[metric], pairwise)
                if not floor <= low <= high <= ceiling or high - low > ceiling - floor:
                    found.append(f"{metric}: [{low_text}, {high_text}] outside {floor, ceiling}")
    return found


def _range(bounds: Bounds, difference: bool) -> tuple[float, float]:
    low = -float("inf") if bounds[0] is None else bounds[0]
    high = float("inf") if bounds[1] is None else bounds[1]
    return (low - high, high - low) if difference else (low, high)


@pytest.fixture
def demo_run(installed_demo: InstalledDemo) -> Path:
    """The offline demo on three prompts per model, reports written: the session's one demo
    run (tests/wheel_demo.py: `vidbench demo --sample 3`'s jobs, from the installed wheel)."""
    assert (installed_demo.run_dir / "report.md").is_file()
    return installed_demo.run_dir


@pytest.mark.parametrize("name", ["report.md", "report.html"])
def test_no_interval_in_the_demo_report_leaves_its_range(demo_run: Path, name: str) -> None:
    run = load_run(demo_run)
    bounds = {m: b for m, b in run.bounds.items() if m in run.results.columns}
    models = set(run.results["model"])
    assert set(run.results.groupby("model")["prompt_id"].nunique()) == {DEMO_SAMPLE}
    path = demo_run / name
    rows = markdown_rows(path) if name.endswith(".md") else html_rows(path)
    intervals = sum(len(INTERVAL.findall(cell)) for row in rows for cell in row)
    assert intervals > 50  # the report does show intervals: the check below is not empty
    assert out_of_range(rows, bounds, models) == []


def test_the_parser_catches_what_the_report_once_showed() -> None:
    bounds: dict[str, Bounds] = {"judge_camera": (0.0, 1.0), "shot_count": (1.0, None)}
    rows = [
        ["judge_camera▲", "0.710[0.042, 1.38] n=4"],
        ["shot_count", "1.10 [0.969, 25,466,024]"],
        ["judge_camera", "a", "b", "4", "0.710", "0.500", "0.210", "[-1.20, 0.878]"],
        ["judge_camera", "a", "b", "4", "0.710", "0.500", "0.210", "[-0.458, 0.878]"],
        ["kling-v3", "100.0% [70.1%, 100.0%]", "[Errno -2]"],
        ["mystery", "0.5 [0.1, 0.9]"],
    ]
    found = out_of_range(rows, bounds, {"a", "b"})
    assert len(found) == 4
    assert found[0].startswith("judge_camera: [0.042, 1.38]")
    assert found[1].startswith("shot_count: [0.969, 25,466,024]")
    assert found[2].startswith("judge_camera: [-1.20, 0.878]")
    assert found[3].startswith("unattributed")
