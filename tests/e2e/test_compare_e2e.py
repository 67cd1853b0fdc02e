"""`vidbench compare` on real simulated runs: a worse profile is flagged, the same one is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import write_config

from bench.cli import main

SUITE = """suite: cmp
defaults: {duration: 4, ratio: "16:9"}
prompts:
  - {id: c1, category: motion, text: "A red ball rolls across a green lawn"}
  - {id: c2, category: scene, text: "A white house with a red roof on a green hill under a blue sky"}
  - {id: c3, category: motion, text: "A yellow car drives along a coastal road beside the ocean"}
  - {id: c4, category: style, text: "A blue bird flies over snowy mountains at sunset"}
  - {id: c5, category: camera, text: "The camera pans across a city street at night"}
  - {id: c6, category: ecommerce, text: "A red sneaker spins slowly on a white turntable"}
"""


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


@pytest.mark.slow
def test_compare_flags_a_worse_profile_and_not_the_same_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDBENCH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "suite.yaml").write_text(SUITE, encoding="utf-8")
    baseline = run_profile(tmp_path, "base", "default")
    same = run_profile(tmp_path, "same", "default")
    worse = run_profile(tmp_path, "worse", "degraded")

    assert main(["compare", str(baseline), str(same), "--fail-on-regression"]) == 0
    assert main(["compare", str(baseline), str(worse), "--fail-on-regression"]) == 1
    assert main(["compare", str(baseline), str(worse)]) == 0  # without the flag: report only
    out = worse / f"compare-{baseline.name}"
    assert (out / "compare.html").is_file() and (out / "compare.md").is_file()
    assert "flicker" in (out / "compare.md").read_text(encoding="utf-8")
