"""The CLI end to end against the simulators over loopback HTTP."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from e2e_helpers import write_config
from factories import start_simulator

from vidbench.cli.app import main
from vidbench.core.store.store import RunDir

REPO = Path(__file__).resolve().parents[2]

TWO_SEEDANCE = """  - {id: seedance-2.0, adapter: ark, model: doubao-seedance-2-0-260128, simulate: instant, params: {resolution: 480p}}
  - {id: seedance-2.0-fast, adapter: ark, model: doubao-seedance-2-0-fast-260128, simulate: instant, params: {resolution: 480p}}
"""


def only_run(tmp_path: Path) -> RunDir:
    runs = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    assert len(runs) == 1
    return RunDir(runs[0])


@pytest.mark.slow
def test_run_generates_scores_and_reports(tmp_path: Path, small_suite: Path) -> None:
    config = write_config(tmp_path, TWO_SEEDANCE)
    assert main(["run", str(config), "--yes"]) == 0
    run = only_run(tmp_path)
    manifest = run.manifest()
    assert manifest["simulated_models"] == {
        "seedance-2.0": "instant",
        "seedance-2.0-fast": "instant",
    }
    df = pd.read_parquet(run.results_path)
    assert len(df) == 6
    ok = df[df.status == "succeeded"]
    assert len(ok) >= 5
    for row in ok.itertuples():
        assert (run.path / row.video_path).is_file()
        assert row.latency_s > 0 and row.cost_usd > 0 and row.tokens > 0
        assert (row.width, row.height) == (864, 496)
        assert abs(row.duration_s - 4) < 0.2
    assert set(df.columns) >= {
        "conformance",
        "flicker",
        "queue_s",
        "generation_s",
        "download_s",
        "usable",
    }
    assert (run.path / "report.md").is_file() and (run.path / "report.html").is_file()
    records = [json.loads(line) for line in (run.path / "records.jsonl").read_text().splitlines()]
    assert {r["event"] for r in records} >= {
        "planned",
        "intent",
        "submitted",
        "status",
        "downloaded",
        "finished",
        "scored",
    }
    from vidbench.core.store.records import SCHEMA_VERSION, problems_in

    assert problems_in(records) == []  # every record matches its declared type
    assert {r["schema"] for r in records} == {SCHEMA_VERSION}


def test_max_cost_below_estimate_exits_3_before_any_request(
    tmp_path: Path, small_suite: Path
) -> None:
    config = write_config(tmp_path, TWO_SEEDANCE)
    assert main(["run", str(config), "--yes", "--max-cost", "0.01"]) == 3
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_invalid_suite_exits_2_naming_the_field(
    tmp_path: Path, small_suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small_suite.write_text(
        small_suite.read_text().replace("category: motion", "category: motoin"), encoding="utf-8"
    )
    config = write_config(tmp_path, TWO_SEEDANCE)
    assert main(["run", str(config), "--yes"]) == 2
    err = capsys.readouterr().err
    assert "prompts[0].category" in err and "motoin" in err and "suite.yaml" in err
    assert main(["validate", str(small_suite)]) == 2


def test_missing_key_names_the_variable(
    tmp_path: Path,
    small_suite: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VB_TEST_MISSING_KEY", raising=False)
    config = write_config(
        tmp_path,
        "  - {id: s, adapter: ark, model: doubao-seedance-2-0-260128, api_key_env: VB_TEST_MISSING_KEY}\n",
    )
    assert main(["run", str(config), "--yes"]) == 2
    assert "VB_TEST_MISSING_KEY" in capsys.readouterr().err


def test_plan_prints_jobs_and_costs(
    tmp_path: Path, small_suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, TWO_SEEDANCE)
    assert main(["plan", str(config)]) == 0
    out = capsys.readouterr().out
    assert "seedance-2.0-fast" in out and "total" in out


def test_models_lists_every_adapter_with_prices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for needle in ("doubao-seedance-2-0-260128", "kling-v3", "veo-3.1", "sora-2", "2026-09-24"):
        assert needle in out


def test_plan_on_the_core_suite_against_five_models_with_a_stratified_sample(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = str(REPO / "configs" / "five-models.yaml")
    assert main(["plan", config]) == 0
    full = capsys.readouterr().out
    assert main(["plan", config, "--sample", "20", "--stratify", "category", "--seed", "1"]) == 0
    sampled = capsys.readouterr().out
    for model in ("seedance-2.0", "seedance-2.0-fast", "kling-v3", "veo-3.1", "gemini-omni"):
        assert model in full and model in sampled
    assert "│   90 │" in full.replace("┃", "│")
    assert "│   20 │" in sampled.replace("┃", "│")


def test_sim_command_serves_every_provider_and_prints_base_urls(tmp_path: Path) -> None:
    import httpx

    proc, urls = start_simulator("--profile", "instant", cache_dir=tmp_path)
    try:
        assert set(urls) >= {"ark", "kling", "openai_videos", "veo", "stats"}
        assert httpx.get(urls["stats"], timeout=10).status_code == 200
        answer = httpx.get(urls["ark"] + "/contents/generations/tasks", timeout=10)
        assert answer.status_code == 401  # the simulator checks auth like the real API
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_shut_down_endpoint_is_reported_plainly_and_not_hammered(
    tmp_path: Path, small_suite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDBENCH_SIM_OPENAI_SHUTDOWN", "1")
    config = write_config(
        tmp_path,
        "  - {id: sora-2, adapter: openai_videos, model: sora-2, simulate: instant, max_concurrency: 1}\n",
    )
    assert main(["run", str(config), "--yes"]) == 6  # nothing succeeded: not a result
    run = only_run(tmp_path)
    df = pd.read_parquet(run.results_path)
    assert set(df.status) == {"errored"}
    assert all("2026-09-24" in detail for detail in df.detail)
    intents = [r for r in run.journal.read() if r["event"] == "intent"]
    assert len(intents) == 1  # the first refusal stops the rest from being sent


PAID_SEEDANCE = "  - {id: s, adapter: ark, model: doubao-seedance-2-0-260128}\n"


def test_a_paid_run_without_a_terminal_and_without_yes_spends_nothing(
    tmp_path: Path, small_suite: Path
) -> None:
    """From cron, CI or a pipe nobody can answer the question, so the run is refused."""
    import subprocess
    import sys

    config = write_config(tmp_path, PAID_SEEDANCE)
    env = {**os.environ, "ARK_API_KEY": "not-a-real-key-0123456789"}
    done = subprocess.run(
        [sys.executable, "-m", "vidbench", "run", str(config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    said = " ".join((done.stdout + done.stderr).split())
    assert "no terminal to ask: rerun with --yes to agree; nothing was sent" in said
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_plan_over_budget_exits_3(tmp_path: Path, small_suite: Path) -> None:
    config = write_config(tmp_path, PAID_SEEDANCE, extra="budget: {max_cost_usd: 0.01}\n")
    assert main(["plan", str(config)]) == 3
