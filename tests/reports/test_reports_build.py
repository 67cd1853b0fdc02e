"""write_reports on a synthetic run directory: files, escaping, offline, simulated marking."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import XSS_TEXT, synthetic_results, write_run

from vidbench.reports.analysis import analyse
from vidbench.reports.build import summary_table, write_reports
from vidbench.reports.data import load_run
from vidbench.reports.html import gallery_pages, render_report


def test_write_reports_produces_every_file(synthetic_run: Path) -> None:
    for name in ("report.html", "report.md", "summary.csv"):
        assert (synthetic_run / name).stat().st_size > 0
    for key in ("quality_vs_cost", "quality_vs_latency", "latency_cdf", "category_quality"):
        assert (synthetic_run / "plots" / f"{key}.png").read_bytes()[:4] == b"\x89PNG"
        assert b"<svg" in (synthetic_run / "plots" / f"{key}.svg").read_bytes()[:2000]
    summary = pd.read_csv(synthetic_run / "summary.csv")
    assert sorted(summary["model"]) == ["alpha-sim", "beta", "gamma"]
    assert "clip_score_mean" in summary.columns


def test_html_escapes_untrusted_text_and_is_offline(synthetic_run: Path) -> None:
    html = (synthetic_run / "report.html").read_text(encoding="utf-8")
    assert XSS_TEXT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x onerror" not in html  # a package name from the manifest
    assert (
        "<b>boom</b>" not in html and "&lt;b&gt;boom&lt;/b&gt;" in html
    )  # a provider's error detail
    # Only our own inline script: nothing loaded from elsewhere.
    assert len(re.findall(r"<script\b", html)) == 1
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html)
    assert 'src="videos/alpha-sim-p-000-0.mp4"' in html
    assert 'preload="metadata"' in html and "muted" in html


def test_simulated_and_unavailable_are_marked(synthetic_run: Path) -> None:
    html = (synthetic_run / "report.html").read_text(encoding="utf-8")
    md = (synthetic_run / "report.md").read_text(encoding="utf-8")
    assert "Simulated results" in html and 'class="badge sim"' in html
    assert "Simulated results" in md and "alpha-sim (sim)" in md
    assert "face_identity" in html and "dlib models &lt;missing&gt;" in html
    assert "Unavailable scorers" in md
    assert "(plots/latency_cdf.png)" in md
    assert "task_failed" in html  # failures appear in the gallery with their kind


def test_leaderboard_order_and_summary_table() -> None:
    table = summary_table(synthetic_results())
    assert list(table.columns[:4]) == ["model", "n", "success_rate", "usable_rate"]
    assert {"clip_score", "flicker", "conformance"} <= set(table.columns)
    assert "face_identity" not in table.columns  # all-NaN scorer columns are left out
    by_model = table.set_index("model")
    assert by_model.loc["gamma", "success_rate"] < by_model.loc["alpha-sim", "success_rate"]
    assert by_model.loc["alpha-sim", "clip_score"] > by_model.loc["gamma", "clip_score"]


def test_paging_and_usable_rate_fallback(tmp_path: Path) -> None:
    results = synthetic_results(samples=1).drop(columns=["clip_score"])
    run = write_run(tmp_path, results, media=False)
    written = write_reports(run, formats=("html", "md"))
    assert run / "report.html" in written and not (run / "summary.csv").exists()
    assert "usable rate vs cost per clip" in (run / "report.html").read_text(encoding="utf-8")
    analysis = analyse(load_run(run))
    pages = gallery_pages(analysis.run.results, analysis.models, page_size=4)
    assert [len(p) for p in pages] == [4, 4, 1]
    html = render_report(analysis, [], page_size=4)
    assert html.count('<template id="gallery-page-') == 3
    assert 'id="pager"' in html


def test_unknown_format_is_refused(synthetic_run: Path) -> None:
    with pytest.raises(ValueError, match="pdf"):
        write_reports(synthetic_run, formats=("pdf",))


def test_sparse_results_still_report(tmp_path: Path) -> None:
    """Only the required columns, one model without any delivered clip: reports still render."""
    results = pd.DataFrame(
        {
            "model": ["a", "a", "b"],
            "prompt_id": ["p1", "p2", "p1"],
            "status": ["succeeded", "failed", "rejected"],
        }
    )
    results.to_parquet(tmp_path / "results.parquet")
    written = write_reports(tmp_path)
    assert {p.name for p in written} == {"report.html", "report.md", "summary.csv"}
    assert "rejected" in (tmp_path / "report.html").read_text(encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    results.iloc[:0].to_parquet(empty / "results.parquet")
    with pytest.raises(ValueError, match="no rows"):
        write_reports(empty)


def test_gallery_shows_why_a_clip_is_not_usable(tmp_path: Path) -> None:
    results = synthetic_results()
    first = results.index[(results["status"] == "succeeded")][0]
    results["usable_reason"] = None
    results.loc[first, ["usable", "usable_reason"]] = [False, "no face detected <b>here</b>"]
    run_dir = write_run(tmp_path, results, media=False)
    pages = gallery_pages(load_run(run_dir).results, ["alpha-sim", "beta", "gamma"])
    cells = [c for p in pages[0] for cs in p["cells"].values() for c in cs]
    assert [c["usable_reason"] for c in cells if c["usable_reason"]] == [
        "no face detected <b>here</b>"
    ]
    html = render_report(analyse(load_run(run_dir)), [])
    assert "no face detected &lt;b&gt;here&lt;/b&gt;" in html
