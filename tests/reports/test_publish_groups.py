"""The published leaderboard takes the newest full run; a --sample run never replaces it, and
runs are compared only within their configuration group (as history does)."""

from __future__ import annotations

import json
from pathlib import Path

from publish_helpers import write_two_runs

from vidbench.reports.data import load_run
from vidbench.reports.publish import leaderboard_runs, publish_site


def _mark_sample(run_dir: Path, sample: int) -> None:
    path = run_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["sampling"] = {"sample": sample, "stratify": None, "seed": 0}
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_newer_sample_run_does_not_replace_the_full_run(tmp_path: Path) -> None:
    full, sample = write_two_runs(tmp_path / "runs")
    _mark_sample(sample, 2)
    runs = [(p.name, load_run(p)) for p in (full, sample)]
    chosen = leaderboard_runs(runs)
    assert [run.path for _, run in chosen.values()] == [full]


def test_a_sample_run_alone_is_shown_and_said_to_be_a_sample(tmp_path: Path) -> None:
    full, sample = write_two_runs(tmp_path / "runs")
    _mark_sample(full, 2)
    _mark_sample(sample, 2)
    chosen = leaderboard_runs([(p.name, load_run(p)) for p in (full, sample)])
    assert [run.path for _, run in chosen.values()] == [sample]  # the newest of the samples


def test_site_compares_only_within_a_group(tmp_path: Path) -> None:
    full, sample = write_two_runs(tmp_path / "runs")
    _mark_sample(sample, 2)
    site = publish_site([tmp_path / "runs"], tmp_path / "site")
    index = site.index.read_text(encoding="utf-8")
    assert "compare.html" not in index  # a sample run and a full run are not one group
    assert (
        f"runs/{full.name}/index.html" in index.split('id="leaderboards"')[1].split("</section>")[0]
    )
    assert not (tmp_path / "site" / "compare").exists()


def test_two_full_runs_are_compared(tmp_path: Path) -> None:
    write_two_runs(tmp_path / "runs")
    site = publish_site([tmp_path / "runs"], tmp_path / "site")
    assert "compare.html" in site.index.read_text(encoding="utf-8")
