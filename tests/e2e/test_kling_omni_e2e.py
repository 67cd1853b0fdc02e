"""kling-v3-omni end to end: `vidbench validate` and `vidbench run` on the Kling simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from e2e_helpers import write_config

from vidbench.cli.app import main
from vidbench.core.store.store import RunDir

OMNI = "  - {id: kling-omni, adapter: kling, model: kling-v3-omni, simulate: instant}\n"


def test_validate_refuses_fields_omni_video_lacks(
    tmp_path: Path, small_suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = OMNI.replace("simulate: instant", "simulate: instant, params: {negative_prompt: blur}")
    assert main(["validate", str(write_config(tmp_path, bad))]) == 2
    out = capsys.readouterr()
    assert "negative_prompt is not a field of omni-video" in " ".join((out.out + out.err).split())
    assert main(["validate", str(write_config(tmp_path, OMNI))]) == 0


@pytest.mark.slow
def test_run_kling_v3_omni_on_the_simulator(tmp_path: Path, small_suite: Path) -> None:
    config = write_config(tmp_path, OMNI, scorers="[conformance, shots]")
    assert main(["run", str(config), "--yes"]) == 0
    run = RunDir(next(p for p in (tmp_path / "runs").iterdir() if p.is_dir()))
    df = pd.read_parquet(run.results_path).set_index("prompt_id")
    assert list(df.sort_index().index) == ["p-ball", "p-cut", "p-face"]
    assert set(df["status"]) == {"succeeded"} and set(df["currency"]) == {"USD"}
    for row in df.itertuples():
        assert (run.path / row.video_path).is_file() and row.latency_s > 0
        assert row.cost_usd == pytest.approx(4 * 0.168)  # 4 s billed at 1.2 units/s x USD 0.14
    assert df.loc["p-cut", "shot_count"] == 2 and df.loc["p-cut", "shot_count_match"]
    assert df.loc["p-ball", "shot_count"] == 1
    records = [json.loads(line) for line in (run.path / "records.jsonl").read_text().splitlines()]
    task_ids = [r["task_id"] for r in records if r.get("event") == "submitted"]
    assert len(task_ids) == 3 and all(t.startswith("omni:") for t in task_ids)
    assert "kling-omni" in (run.path / "report.md").read_text(encoding="utf-8")
