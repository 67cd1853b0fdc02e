"""report.html shows each metric's protocol and how many prompts CLIP read cut short."""

from __future__ import annotations

import json
from pathlib import Path

from report_helpers import synthetic_results, write_run

from vidbench.reports.analysis import analyse
from vidbench.reports.data import load_run
from vidbench.reports.html import protocol_rows, render_report, text_alignment_note

FLICKER_PROTOCOL = {
    "frames": "all native frames",
    "model": "none",
    "filter": "static clips only (VBench static filter)",
    "scope": "whole video",
    "comparable_with": "VBench temporal_flickering",
    "differences": "static filter on DIS flow <not RAFT>",
}
CLIP_PROTOCOL = {
    "frames": "16 uniform frames",
    "model": "open_clip ViT-B-32 (openai)",
    "filter": "none",
    "scope": "whole video",
    "comparable_with": None,
    "differences": "vidbench's own CLIPScore average",
}


def with_protocols(run_dir: Path) -> None:
    meta = json.loads((run_dir / "scorers.json").read_text(encoding="utf-8"))
    meta["flicker"]["outputs"]["flicker"]["protocol"] = FLICKER_PROTOCOL
    meta["flicker"]["outputs"]["flicker_note"] = {"direction": "none", "protocol": FLICKER_PROTOCOL}
    meta["clip_alignment"]["outputs"]["clip_score"]["protocol"] = CLIP_PROTOCOL
    (run_dir / "scorers.json").write_text(json.dumps(meta), encoding="utf-8")


def test_protocols_section_lists_every_metric_and_its_comparability(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path, synthetic_results(), media=False)
    with_protocols(run_dir)
    run = load_run(run_dir)
    rows = protocol_rows(run.scorers)
    assert [r["metric"] for r in rows] == ["clip_score", "flicker"]  # descriptive columns left out
    html = render_report(analyse(run), [])
    section = html[html.index('id="protocols"') :]
    assert "static clips only (VBench static filter)" in section
    assert '<span class="badge ok">VBench temporal_flickering</span>' in section
    assert "no published equivalent" in section  # clip_score claims none
    assert "&lt;not RAFT&gt;" in section  # escaped like every other text


def test_share_of_prompts_scored_on_truncated_text(tmp_path: Path) -> None:
    results = synthetic_results()
    scored = results["clip_score"].notna()
    prompts = sorted(results.loc[scored, "prompt_id"].unique())
    results["clip_text_truncated"] = None
    results.loc[scored, "clip_text_truncated"] = False
    results["clip_text_source"] = None
    cut, skipped = prompts[0], prompts[1]
    results.loc[scored & (results["prompt_id"] == cut), "clip_text_truncated"] = True
    rows = scored & (results["prompt_id"] == skipped)
    results.loc[rows, ["clip_text_truncated", "clip_text_source"]] = [True, "untranslated"]
    results.loc[rows, "clip_score"] = None
    note = text_alignment_note(results)
    assert note is not None
    assert note.startswith(
        f"Text alignment: 1 of {len(prompts)} prompts ({1 / len(prompts):.0%}) were scored on "
        "text cut"
    )
    assert "1 not scored (not applicable — truncated" in note
    run_dir = write_run(tmp_path, results, media=False)
    html = render_report(analyse(load_run(run_dir)), [])
    assert 'id="text-alignment-note"' in html and "1 not scored" in html
    assert text_alignment_note(synthetic_results()) is None  # runs without the column: no line
