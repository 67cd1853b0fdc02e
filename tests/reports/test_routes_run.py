"""Issue 26 done-when: a config with Seedance 2.0 on Ark and on fal, run on the simulators,
produces a report whose route comparison shows both routes with queue, generation and
download times and cost per usable clip (report.md and report.html)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = """suite: two-prompts
version: 1
defaults: {duration: 4, ratio: "16:9"}
prompts:
  - {id: p1, category: motion, text: "a red ball bounces on green grass"}
  - {id: p2, category: scene, text: "a paper lantern drifts over a calm lake at dusk"}
"""
CONFIG = """name: routes-e2e
suite: suite.yaml
samples: 1
scorers: [conformance]
usable: {conformance: true}
output_dir: runs
models:
  - {id: seedance-ark, adapter: ark, model: doubao-seedance-2-0-260128, simulate: instant}
  - {id: seedance-fal, adapter: fal, model: bytedance/seedance-2.0/text-to-video, simulate: instant}
"""


@pytest.mark.slow
def test_ark_and_fal_routes_of_seedance_2_are_compared_in_both_reports(tmp_path: Path) -> None:
    (tmp_path / "suite.yaml").write_text(SUITE, encoding="utf-8")
    (tmp_path / "routes.yaml").write_text(CONFIG, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "vidbench", "run", str(tmp_path / "routes.yaml"), "--yes"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    (run_dir,) = (tmp_path / "runs").iterdir()
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    section = markdown.split("## Routes: one model, several providers", 1)[1].split("\n## ", 1)[0]
    assert "### `bytedance/seedance-2.0`" in section
    assert "| Queue p50 | Generation p50 | Download p50 |" in section
    assert "USD / usable clip" in section
    cell = r"(\d+\.\d) s"
    for route, price in (("seedance-ark", "0.56"), ("seedance-fal", "1.21")):
        row = re.search(rf"\| {route} \(sim\) \| `[^`]+` \| 2 \| 2 \| 100\.0% \| {cell} \| {cell} \| {cell} \| {cell} \| \$([\d.]+) \| \$([\d.]+) \|", section)  # fmt: skip
        assert row is not None, section
        assert row.group(6) == price == row.group(5)  # every clip usable: per usable = per clip
    assert "Cheapest per usable clip: seedance-ark ($0.56)" in section
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    routes_html = html.split('<section id="routes">', 1)[1].split("</section>", 1)[0]
    assert "<code>bytedance/seedance-2.0</code>" in routes_html
    assert "<th>Queue p50</th><th>Generation p50</th><th>Download p50</th>" in routes_html
    assert routes_html.count('<span class="badge sim"') == 2
    assert "ark: doubao-seedance-2-0-260128" in routes_html and "fal: bytedance/seedance-2.0/text-to-video" in routes_html  # fmt: skip
