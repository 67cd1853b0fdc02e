"""`vidbench compare` on real simulated runs: a worse profile is flagged, the same one is not.

Flicker is scored on static clips only (VBench's static filter), so the suite is mostly
still scenes: on them the degraded profile's heavy flicker is a real regression, and it
must be flagged (besides, at most, the profile's slower and less reliable service). The one moving prompt has no flicker score in either run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from e2e_helpers import write_config

from vidbench.cli.app import main

SUITE = """suite: cmp
defaults: {duration: 4, ratio: "16:9"}
prompts:
  - {id: c1, category: scene, text: "A green tree on a hill under a blue sky, static camera, no movement"}
  - {id: c2, category: scene, text: "A white house with a red roof on a green hill, static camera, no movement"}
  - {id: c3, category: ecommerce, text: "A red sneaker on a white table, still, locked-off shot"}
  - {id: c4, category: style, text: "Snowy mountains at sunset, motionless, tripod shot"}
  - {id: c5, category: scene, text: "A yellow car parked beside the ocean, still frame, no motion"}
  - {id: c6, category: motion, text: "A red ball rolls across a green lawn"}
"""
STATIC_PROMPTS = {"c1", "c2", "c3", "c4", "c5"}
# What the degraded profile makes worse here (bench/sim/profiles.py): flicker, and slower
# queues and runs and more failures (audio and shots are not asked for).
DEGRADED_WORSENS = {"flicker", "latency_p50_s", "failure_rate", "usable_rate"}


def run_profile(tmp_path: Path, name: str, profile: str) -> Path:
    models = (
        f"  - {{id: seedance, adapter: ark, model: doubao-seedance-2-0-260128, simulate: {profile},\n"
        "     max_concurrency: 12, params: {resolution: 480p, generate_audio: false}}\n"
    )
    config = write_config(
        tmp_path, models, name=name, scorers="[conformance, flicker]", extra="samples: 2\n"
    )
    assert main(["run", str(config), "--yes"]) == 0
    (run_dir,) = (tmp_path / "runs").glob(f"{name}-*")
    return run_dir


def flagged(compare_md: str) -> set[str]:
    """The metrics whose row in compare.md reads 'regression'."""
    rows = [line.split("|") for line in compare_md.splitlines() if line.startswith("| ")]
    return {
        re.sub(r"[\\▲▼ ]", "", cells[2])
        for cells in rows
        if len(cells) > 3 and cells[-2].strip() == "regression"
    }


@pytest.mark.slow
def test_compare_flags_a_worse_profile_and_not_the_same_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDBENCH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "suite.yaml").write_text(SUITE, encoding="utf-8")
    baseline = run_profile(tmp_path, "base", "default")
    same = run_profile(tmp_path, "same", "default")
    worse = run_profile(tmp_path, "worse", "degraded")

    # flicker is scored where the static filter passes, in both runs, and only there
    base_rows = pd.read_parquet(baseline / "results.parquet")
    scored = base_rows[base_rows["flicker"].notna()]
    assert set(scored["prompt_id"]) == STATIC_PROMPTS
    assert base_rows.loc[base_rows["prompt_id"] == "c6", "flicker"].isna().all()

    assert main(["compare", str(baseline), str(same), "--fail-on-regression"]) == 0
    assert main(["compare", str(baseline), str(worse), "--fail-on-regression"]) == 1
    assert main(["compare", str(baseline), str(worse)]) == 0  # without the flag: report only
    out = worse / f"compare-{baseline.name}"
    assert (out / "compare.html").is_file() and (out / "compare.md").is_file()
    found = flagged((out / "compare.md").read_text(encoding="utf-8"))
    # flicker must be flagged; anything else flagged must be something the profile worsens
    assert "flicker" in found and found <= DEGRADED_WORSENS, found
    same_out = same / f"compare-{baseline.name}"
    assert flagged((same_out / "compare.md").read_text(encoding="utf-8")) == set()
