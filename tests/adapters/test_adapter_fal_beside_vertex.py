"""A run with fal beside Veo on Vertex (the demo's mix) finishes every fal job (issue 26.8).

The run holds the Vertex simulator's service account as a key; its `token_uri` is the
simulator's URL, so redaction masked that URL, and fal's result was read from a redacted
copy: `vidbench demo` exited 0 with every fal job errored "result has no video URL"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vidbench.cli.app import main

SUITE = """suite: one-prompt
version: 1
defaults: {duration: 4, ratio: "16:9"}
prompts:
  - {id: p1, category: motion, text: "a red ball bounces on green grass"}
"""
CONFIG = """name: fal-beside-vertex
suite: suite.yaml
scorers: [conformance]
usable: {conformance: true}
output_dir: runs
models:
  - {id: seedance-fast-fal, adapter: fal, model: bytedance/seedance-2.0/fast/text-to-video, simulate: instant}
  - {id: veo-3.1, adapter: vertex_veo, model: veo-3.1-generate-001, simulate: instant,
     params: {project: sim-project, location: us-central1}}
"""


def test_fal_jobs_succeed_in_a_run_that_holds_the_vertex_service_account(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "suite.yaml").write_text(SUITE, encoding="utf-8")
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    assert main(["run", "config.yaml", "--yes"]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    results = pd.read_parquet(run_dir / "results.parquet").set_index("model")
    assert results.loc["seedance-fast-fal", "status"] == "succeeded", results["detail"].to_dict()
    assert results.loc["veo-3.1", "status"] == "succeeded"
