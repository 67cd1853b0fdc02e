"""The November 2026 providers end to end through the CLI against the simulators."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from e2e_helpers import write_config

from vidbench.cli.app import main
from vidbench.core.store.store import RunDir

NEW_PROVIDERS = """  - {id: seedance-byteplus, adapter: ark, model: dreamina-seedance-2-0-260128, simulate: instant, params: {resolution: 480p}}
  - {id: veo-vertex, adapter: vertex_veo, model: veo-3.1-fast-generate-001, simulate: instant, params: {project: sim-project}}
  - {id: gemini-omni, adapter: gemini_omni, model: gemini-omni-1.2-flash, simulate: instant}
  - {id: wan, adapter: wan, model: wan3.0-video, simulate: instant}
  - {id: minimax, adapter: minimax, model: MiniMax-H3, simulate: instant}
"""


@pytest.mark.parametrize(
    ("adapter", "model", "replacement"),
    [
        ("veo", "veo-3.1-generate-preview", "veo-3.1-generate-001 (adapter vertex_veo)"),
        ("ark", "doubao-seedance-1-5-pro-251215", "doubao-seedance-2-0-260128"),
        ("ark", "doubao-seedance-1-0-pro-250528", "doubao-seedance-2-0-260128"),
    ],
)
def test_validate_and_plan_refuse_a_retired_model_naming_its_replacement(
    tmp_path: Path,
    small_suite: Path,
    capsys: pytest.CaptureFixture[str],
    adapter: str,
    model: str,
    replacement: str,
) -> None:
    config = write_config(
        tmp_path, f"  - {{id: old, adapter: {adapter}, model: {model}, simulate: instant}}\n"
    )
    for command in ("validate", "plan"):
        assert main([command, str(config)]) == 2
        captured = capsys.readouterr()
        text = " ".join((captured.out + captured.err).split())
        assert "retired" in text and replacement in text


@pytest.mark.slow
def test_new_providers_run_with_usd_costs_clips_and_latencies(
    tmp_path: Path, small_suite: Path
) -> None:
    config = write_config(tmp_path, NEW_PROVIDERS, scorers="[conformance]")
    assert main(["validate", str(config)]) == 0
    assert main(["run", str(config), "--yes"]) == 0
    run = RunDir(next(p for p in (tmp_path / "runs").iterdir() if p.is_dir()))
    df = pd.read_parquet(run.results_path)
    assert len(df) == 15
    assert set(df["model"]) == {"seedance-byteplus", "veo-vertex", "gemini-omni", "wan", "minimax"}
    ok = df[df.status == "succeeded"]
    assert set(ok["model"]) == set(df["model"])  # every provider delivered
    for row in ok.itertuples():
        assert (run.path / row.video_path).is_file()
        assert row.latency_s > 0 and row.cost_usd > 0
    byteplus = df[df.model == "seedance-byteplus"]
    assert set(byteplus["currency"]) == {"USD"}
    assert byteplus["cost_usd"].iloc[0] == pytest.approx(4 * 0.07)  # 480p, 4 s
    report = (run.path / "report.md").read_text(encoding="utf-8")
    for model in ("seedance-byteplus", "veo-vertex", "gemini-omni", "wan", "minimax"):
        assert model in report
