"""Publishable reports (issue 23.7): no absolute local path in report.md or report.html; what
a report shows of a path is relative to the run directory or the suite's folder."""

from __future__ import annotations

import json
from pathlib import Path

from report_helpers import synthetic_results, write_run

from vidbench.reports.build import write_reports
from vidbench.reports.paths import publishable_path, scrub_text

HOME = "/home/alice/work"


def test_paths_are_relative_or_a_file_name() -> None:
    assert publishable_path(f"{HOME}/configs/demo.yaml") == "demo.yaml"
    assert publishable_path("/runs/r1/videos/a.mp4", run_dir="/runs/r1") == "videos/a.mp4"
    assert publishable_path(f"{HOME}/p/assets/g.png", suite_dir=f"{HOME}/p") == "assets/g.png"
    assert publishable_path("../prompts/smoke.yaml") == "../prompts/smoke.yaml"
    text = f"weights {HOME}/.cache/w.pt missing; see https://h.example/a/b; 2/10; <b>x</b>"
    assert scrub_text(text) == "weights w.pt missing; see https://h.example/a/b; 2/10; <b>x</b>"


def test_reports_carry_no_local_path(tmp_path: Path) -> None:
    results = synthetic_results(samples=1)
    failed = results["status"] == "failed"
    results.loc[failed, "detail"] = f"download to {tmp_path}/videos/x.mp4 failed"
    run_dir = write_run(tmp_path, results, media=False)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["config_path"] = f"{HOME}/configs/demo.yaml"
    manifest["suite"]["path"] = f"{HOME}/prompts/core.yaml"
    manifest["config"]["clip"] = {"weights": f"{HOME}/.cache/clip.pt"}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    scorers = json.loads((run_dir / "scorers.json").read_text(encoding="utf-8"))
    scorers["face_identity"]["reason"] = f"no model file at {HOME}/.cache/dlib.dat"
    (run_dir / "scorers.json").write_text(json.dumps(scorers), encoding="utf-8")
    write_reports(run_dir, ("html", "md"))
    for name in ("report.md", "report.html"):
        text = (run_dir / name).read_text(encoding="utf-8")
        assert HOME not in text and str(tmp_path) not in text, name
        assert "videos/x.mp4" in text and "dlib.dat" in text, name
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<dd>demo.yaml</dd>" in html and "<dd>core.yaml</dd>" in html
    assert "clip.pt" in html  # the config as written, its local path cut to the file name
    assert "- Config: demo.yaml" in (run_dir / "report.md").read_text(encoding="utf-8")
