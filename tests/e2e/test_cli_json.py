"""`plan --json` and `models --json` print one JSON document on stdout (docs/cli-json.md);
`models` prices one 5 s 720p clip per model and filters by provider and status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_helpers import write_config

from vidbench.cli.app import main

REPO = Path(__file__).resolve().parents[2]
TWO_MODELS = (
    "  - {id: fast, adapter: ark, model: doubao-seedance-2-0-fast-260128, simulate: instant}\n"
    "  - {id: kling, adapter: kling, model: kling-v3}\n"
)


def vidbench_json(*args: str) -> subprocess.CompletedProcess[str]:
    """`vidbench ARGS | python -m json.tool`, as a script would run it."""
    command = f"{sys.executable} -m vidbench {' '.join(args)} | {sys.executable} -m json.tool"
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=120
    )


def test_plan_and_models_json_go_through_json_tool(tmp_path: Path, small_suite: Path) -> None:
    config = write_config(tmp_path, TWO_MODELS)
    for args in (("plan", str(config), "--json"), ("models", "--json")):
        done = vidbench_json(*args)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["schema"].startswith("vidbench.")


def test_plan_json_has_jobs_costs_and_the_budget_verdict(
    tmp_path: Path, small_suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, TWO_MODELS, extra="budget: {max_cost_usd: 0.01}\n")
    assert main(["plan", str(config), "--json"]) == 3  # over budget: still exit 3
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # stdout holds the document and nothing else
    assert "over the budget" in captured.err
    assert (document["schema"], document["jobs"], document["budget_usd"]) == (
        "vidbench.plan/1",
        6,
        0.01,
    )
    assert document["within_budget"] is False
    fast, kling = document["models"]
    assert (fast["id"], fast["simulated"], fast["jobs"], fast["unsupported"]) == (
        "fast",
        True,
        3,
        0,
    )
    assert (kling["id"], kling["simulated"]) == ("kling", False)
    assert document["estimated_cost_usd"] == pytest.approx(
        fast["estimated_cost_usd"] + kling["estimated_cost_usd"], abs=1e-5
    )
    assert kling["usd_per_clip"] == pytest.approx(kling["estimated_cost_usd"] / 3, abs=1e-5)


def models_document(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["models", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_models_json_prices_one_5s_720p_clip_by_each_models_own_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = models_document(capsys)
    assert document["comparable_clip"] == {
        "duration_s": 5, "resolution": "720p", "ratio": "16:9", "audio": False, "cny_per_usd": 7.1
    }  # fmt: skip
    models = {m["model"]: m for m in document["models"]}
    # Seedance 2.0 is billed per token: 1280×720 px × 24 fps × 5 s / 1024 = 108,000 tokens at
    # CNY 46 per million, at 7.1 CNY/USD.
    seedance = models["doubao-seedance-2-0-260128"]
    assert seedance["usd_per_comparable_clip"] == pytest.approx(108_000 * 46e-6 / 7.1, rel=1e-3)
    assert seedance["comparable_basis"] == {"duration_s": 5, "resolution": "720p", "exact": True}
    # Sora 2 has no 5 s clip: the nearest (4 s) is priced, and says so.
    sora = models["sora-2"]["comparable_basis"]
    assert (sora["duration_s"], sora["exact"]) == (4, False)
    # Every model is priced, or says why not (a gateway without a bundled price list).
    for m in document["models"]:
        price, basis = m["usd_per_comparable_clip"], m["comparable_basis"]
        assert (
            isinstance(price, float)
            or "no bundled price" in basis["problem"]
            or ("set price:" in basis["problem"])
        ), m
    unpriced = {m["adapter"] for m in document["models"] if m["usd_per_comparable_clip"] is None}
    assert unpriced <= {"replicate", "openrouter", "runway"}, unpriced


def test_models_filters_by_provider_and_live_status(capsys: pytest.CaptureFixture[str]) -> None:
    everything = models_document(capsys)["models"]
    kling = models_document(capsys, "--provider", "kling")["models"]
    assert kling and {m["adapter"] for m in kling} == {"kling"}
    assert len(kling) == sum(m["adapter"] == "kling" for m in everything)
    live = models_document(capsys, "--live", "--provider", "ark", "--provider", "veo")["models"]
    assert live and {m["status"] for m in live} == {"live"}
    assert {m["adapter"] for m in live} == {"ark"}  # every Gemini API Veo id here is retired
    assert any(m["status"] == "retired" and m["adapter"] == "ark" for m in everything)
    assert main(["models", "--provider", "arkk"]) == 2
    assert "did you mean 'ark'" in capsys.readouterr().err


def test_the_models_table_shows_the_comparable_price(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--provider", "openai_videos"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("comparable: USD for one 5 s 720p 16:9 clip without audio")
    assert "sora-2  live  comparable $0.400 (4 s, 720p)" in out
