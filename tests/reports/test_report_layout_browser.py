"""report.html at 1280 and 1920 px in headless Chromium (issue 23.5): no element wider than the
viewport (wide tables scroll inside their box, model column sticky), the decision panel in the
first screen, every model in every table."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from report_helpers import synthetic_results, write_run
from test_report_browser import CHROMIUM, DevTools, chromium  # noqa: F401 (the fixture)

from vidbench.reports.build import write_reports

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
# Eight models with demo-length names: the width that cut tables off before.
MODELS = ["seedance-2.0", "seedance-2.0-fast", "kling-v3", "seedance-2.5", "veo-3.1",
          "gemini-omni", "wan-3.0", "minimax-h3"]  # fmt: skip

LAYOUT_JS = """
(() => {
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const inBox = el => { for (let p = el.parentElement; p; p = p.parentElement) { if (scrolls(p)) return p; } return null; };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || inBox(el)) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) wide.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  const tables = Array.from(document.querySelectorAll('table')).filter(t => t.offsetParent !== null);
  const unseen = [];
  for (const t of tables) {
    const box = inBox(t), r = (box || t).getBoundingClientRect();
    if (r.right > vw + 0.5) unseen.push('box ' + t.className);
    if (t.getBoundingClientRect().width > r.width + 0.5 && !box) unseen.push('cut ' + t.className);
    const first = t.querySelector('tbody td');
    if (box && t.scrollWidth > box.clientWidth && first && getComputedStyle(first).position !== 'sticky') unseen.push('not sticky');
  }
  const panel = document.querySelector('#decision table');
  return {vw, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5), unseen,
          panelTop: panel ? panel.getBoundingClientRect().top : null, vh,
          texts: tables.map(t => t.textContent)};
})()
"""


@pytest.fixture(scope="module")
def wide_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = synthetic_results(samples=1)
    parts = []
    for i, model in enumerate(MODELS):
        part = base[base["model"] == ["alpha-sim", "beta", "gamma"][i % 3]].copy()
        part["model"] = model
        part["job_id"] = part["job_id"].str.replace(r"^[^-]+(-sim)?", model, regex=True)
        part["video_path"] = part["video_path"].where(
            part["video_path"].isna(), "videos/" + part["job_id"] + ".mp4"
        )
        part["contact_sheet"] = part["contact_sheet"].where(
            part["contact_sheet"].isna(), "frames/" + part["job_id"] + ".jpg"
        )
        parts.append(part)
    run_dir = write_run(tmp_path_factory.mktemp("wide"), pd.concat(parts, ignore_index=True))
    write_reports(run_dir, ("html",))
    return run_dir


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results of a real offline demo run (8 simulated models, judge self-check sampled)."""
    run_dir = tmp_path_factory.mktemp("demo") / "run"
    shutil.copytree(Path(__file__).parent / "data" / "demo_judge", run_dir)
    write_reports(run_dir, ("html",))
    return run_dir


def fits_and_decides_first(browser: DevTools, report: Path, width: int, height: int) -> Any:
    """The report at width × height: nothing wider than the viewport, every table's cells in
    view, the decision panel in the first screen; returns what the page measured."""
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip
    browser.call("Page.navigate", url=report.as_uri())
    browser.wait_event("Page.loadEventFired")
    found = browser.evaluate(LAYOUT_JS)
    assert found["scrollWidth"] <= width, found["wide"]
    assert found["wide"] == [] and found["unseen"] == []
    assert found["panelTop"] is not None and found["panelTop"] < 0.6 * height
    return found


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_the_demo_report_fits_and_decides_first(
    demo_run: Path,
    chromium: DevTools,  # noqa: F811 - the fixture imported above
    width: int,
    height: int,
) -> None:
    found = fits_and_decides_first(chromium, demo_run / "report.html", width, height)
    assert any("judge self-check AUC" in text for text in found["texts"])  # in the panel


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_nothing_cut_off_and_the_decision_first(
    wide_run: Path,
    chromium: DevTools,  # noqa: F811 - the fixture imported above
    width: int,
    height: int,
) -> None:
    found = fits_and_decides_first(chromium, wide_run / "report.html", width, height)
    # Tables with a row or column per model (the decision panel names two per row).
    tables = [t for t in found["texts"] if "seedance-2.0" in t and "Verdict" not in t]
    assert len(tables) >= 4
    for text in tables:  # every model in every table that lists models (scroll boxes count)
        missing = [m for m in MODELS if m not in text]
        assert not missing or "failed" in text, missing
