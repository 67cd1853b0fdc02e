"""Live prices (issue 26.2): with a key set, planning reads the gateway's own price from its
pricing endpoint (fal's pricing API, OpenRouter's model list, both served by the
simulators over loopback HTTP), plans and budgets at it, and the manifest records it with
the time it was read; a failed or hostile answer falls back to the bundled table with a
visible line, never a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from vidbench.adapters.fal import sim as fal_sim
from vidbench.adapters.openrouter import sim as openrouter_sim
from vidbench.cli.app import main
from vidbench.core.config.config import load_config
from vidbench.core.plan.manifest import build_manifest
from vidbench.core.run.pipeline import prepare
from vidbench.core.seam.prices import recorded_live_rates
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimError
from vidbench.core.sim.server import SimServer

FAL_FAST = "bytedance/seedance-2.0/fast/text-to-video"
SUITE = """suite: tiny
version: 1
defaults: {duration: 4, ratio: "16:9", resolution: 720p}
prompts:
  - {id: p1, category: motion, text: a heron lifts off a misty river}
  - {id: p2, category: scene, text: a paper lantern drifts over a lake}
"""


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer() as srv:
        yield srv


def _config(tmp_path: Path, server: SimServer) -> Path:
    (tmp_path / "suite.yaml").write_text(SUITE, encoding="utf-8")
    path = tmp_path / "prices.yaml"
    path.write_text(
        "name: prices\nsuite: suite.yaml\nscorers: [conformance]\noutput_dir: runs\n"
        "models:\n"
        f"  - {{id: fal-fast, adapter: fal, model: {FAL_FAST}, api_key_env: FAL_KEY, "
        f"base_url: '{server.base_url('fal')}'}}\n"
        "  - {id: or-seedance, adapter: openrouter, model: bytedance/seedance-2.0, "
        f"api_key_env: OPENROUTER_API_KEY, base_url: '{server.base_url('openrouter')}'}}\n",
        encoding="utf-8",
    )
    return path


def _manifest_prices(config: Path) -> tuple[dict[str, Any], Any]:
    loaded = load_config(config)
    suite, plan = prepare(loaded)
    manifest = build_manifest(loaded, suite, plan, "prices-run", {})
    return manifest["prices"], plan


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAL_KEY", SIM_API_KEY)
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    monkeypatch.delenv("VIDBENCH_PRICES", raising=False)


def test_plan_with_a_key_uses_and_records_the_live_price(
    server: SimServer, tmp_path: Path, keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(fal_sim.PRICES_USD_PER_S, FAL_FAST, 0.2)  # unlike the bundled table
    before = _pricing_reads(server)
    prices, plan = _manifest_prices(_config(tmp_path, server))
    assert _pricing_reads(server) == before + 1
    fal = prices["fal-fast"]["price"]
    assert fal["source"] == "live" and fal["usd_per_second"] == 0.2
    assert fal["endpoint"] == server.base_url("fal").rstrip("/") + "/v1/models/pricing"
    fetched = datetime.strptime(fal["fetched_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - fetched).total_seconds()) < 120
    openrouter = prices["or-seedance"]["price"]
    assert openrouter["source"] == "live" and openrouter["usd_per_second"] == 0.3034
    # The estimate is the live rate: 2 prompts x 4 s x USD 0.2 (the bundled per-token table
    # would give 2 x 0.9677); OpenRouter, with no bundled price, becomes plannable at all.
    by_model = {m.model.id: m for m in plan.models}
    assert by_model["fal-fast"].estimated_cost_usd == pytest.approx(1.6)
    assert by_model["or-seedance"].estimated_cost_usd == pytest.approx(2 * 4 * 0.3034)
    assert len(by_model["or-seedance"].runnable) == 2


def test_without_a_key_or_with_bundled_forced_the_bundled_table_is_used(
    server: SimServer, tmp_path: Path, keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDBENCH_PRICES", "bundled")
    prices, plan = _manifest_prices(_config(tmp_path, server))
    assert prices["fal-fast"]["price"] == {"source": "bundled"}
    monkeypatch.delenv("VIDBENCH_PRICES")
    monkeypatch.delenv("FAL_KEY")
    prices, plan = _manifest_prices(_config(tmp_path, server))
    assert prices["fal-fast"]["price"] == {"source": "bundled"}
    assert plan.models[0].estimated_cost_usd == pytest.approx(2 * 0.96768)


def _pricing_reads(server: SimServer) -> int:
    return sum(
        r["count"]
        for r in server.stats()["requests"]
        if r["provider"] == "fal" and r["operation"] == "pricing"
    )


def _refuse_with_500(self: Any, request: Any) -> Any:
    raise SimError(500, "", "Internal Server Error")


def test_pricing_endpoint_500_falls_back_to_bundled_with_a_visible_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`vidbench plan` as a user runs it: exit 0, the bundled estimate, one line saying why."""
    monkeypatch.setattr(fal_sim.FalQueueSim, "pricing", _refuse_with_500)
    env = dict(os.environ, FAL_KEY=SIM_API_KEY, OPENROUTER_API_KEY=SIM_API_KEY)
    env.pop("VIDBENCH_PRICES", None)
    with SimServer() as server:  # started after the patch: its routes are bound at start
        done = subprocess.run(
            [sys.executable, "-m", "vidbench", "plan", str(_config(tmp_path, server)), "--json"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert "price: fal-fast: the live price was not used (HTTP 500" in done.stderr
    assert "the bundled price is used" in done.stderr
    models = {m["id"]: m for m in json.loads(done.stdout)["models"]}
    assert models["fal-fast"]["estimated_cost_usd"] == pytest.approx(2 * 0.96768)
    assert models["or-seedance"]["estimated_cost_usd"] == pytest.approx(2 * 4 * 0.3034)


@pytest.mark.parametrize(
    ("listed", "reason"),
    [
        ({"unit_price": -0.5}, "must be more than 0"),
        ({"unit_price": 1e9}, "beyond the sane bound"),
        ({"unit_price": "NaN"}, "finite"),
        ({"unit_price": True}, "not a number"),
        ({"unit": "1k_tokens"}, "unit '1k_tokens'"),
        ({"currency": "CNY"}, "currency 'CNY'"),
        ({"endpoint_id": "someone/else"}, "does not list"),
    ],
)
def test_hostile_fal_pricing_answer_is_refused(
    tmp_path: Path,
    keys: None,
    monkeypatch: pytest.MonkeyPatch,
    listed: dict[str, Any],
    reason: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def hostile(self: Any, request: Any) -> Any:
        from starlette.responses import JSONResponse

        entry = {"endpoint_id": FAL_FAST, "unit_price": 0.2, "unit": "video_second",
                 "currency": "USD", **listed}  # fmt: skip
        return JSONResponse({"prices": [entry], "has_more": False, "next_cursor": None})

    monkeypatch.setattr(fal_sim.FalQueueSim, "pricing", hostile)
    with SimServer() as server:
        prices, plan = _manifest_prices(_config(tmp_path, server))
    entry = prices["fal-fast"]["price"]
    assert entry["source"] == "bundled" and reason in entry["live_refused"]
    assert plan.models[0].estimated_cost_usd == pytest.approx(2 * 0.96768)
    assert f"price: fal-fast: the live price was not used ({entry['live_refused']})" in (
        capsys.readouterr().err
    )


def test_hostile_openrouter_list_is_refused_and_nothing_is_planned_on_it(
    server: SimServer, tmp_path: Path, keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = dict(openrouter_sim.MODELS["bytedance/seedance-2.0"])
    entry["pricing_skus"] = {"per-video-second": "-3"}
    monkeypatch.setitem(openrouter_sim.MODELS, "bytedance/seedance-2.0", entry)
    monkeypatch.setattr(
        openrouter_sim, "CATALOGUE", [entry, *openrouter_sim.CATALOGUE[1:]], raising=True
    )
    prices, plan = _manifest_prices(_config(tmp_path, server))
    refused = prices["or-seedance"]["price"]
    assert refused["source"] == "bundled" and "must be more than 0" in refused["live_refused"]
    # No bundled OpenRouter price: the jobs are planned unsupported, as without a key.
    openrouter = next(m for m in plan.models if m.model.id == "or-seedance")
    assert openrouter.runnable == [] and "no price" in str(openrouter.jobs[0].unsupported_reason)


def test_a_config_price_wins_and_nothing_is_asked(
    server: SimServer, tmp_path: Path, keys: None
) -> None:
    config = _config(tmp_path, server)
    before = _pricing_reads(server)
    text = config.read_text(encoding="utf-8").replace(
        "api_key_env: FAL_KEY,", "api_key_env: FAL_KEY, price: {usd_per_second: 0.1},"
    )
    config.write_text(text, encoding="utf-8")
    prices, plan = _manifest_prices(config)
    assert prices["fal-fast"]["price"] == {"source": "config", "usd_per_second": 0.1}
    assert plan.models[0].estimated_cost_usd == pytest.approx(0.8)
    assert _pricing_reads(server) == before  # the config's price: fal's endpoint not asked


def test_the_run_bills_at_the_live_price_it_was_planned_at(
    server: SimServer, tmp_path: Path, keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live price was used for the estimate and the budget: the jobs' cost is at that rate
    too (it was the bundled per-token table, so cost and budget disagreed)."""
    monkeypatch.setitem(fal_sim.PRICES_USD_PER_S, FAL_FAST, 0.2)
    config = _config(tmp_path, server)
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("  - {id: or-seedance")], encoding="utf-8")  # fal only
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(config), "--yes"]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["prices"]["fal-fast"]["price"]["usd_per_second"] == 0.2
    table = pd.read_parquet(run_dir / "results.parquet")
    succeeded = table[table["status"] == "succeeded"]
    assert len(succeeded) == 2
    assert succeeded["cost_usd"].tolist() == pytest.approx([4 * 0.2] * 2)


def test_recorded_live_rates_are_checked_again_when_read() -> None:
    prices = {
        "live": {"price": {"source": "live", "usd_per_second": 0.2, "fetched_at": "x"}},
        "bundled": {"price": {"source": "bundled"}},
        "config": {"price": {"source": "config", "usd_per_second": 0.5}},
        "negative": {"price": {"source": "live", "usd_per_second": -1}},
        "absurd": {"price": {"source": "live", "usd_per_second": 1e9}},
        "text": {"price": {"source": "live", "usd_per_second": "free"}},
        "not-a-dict": ["live"],
    }
    assert recorded_live_rates(prices) == {"live": {"usd_per_second": 0.2}}
    assert recorded_live_rates(None) == {} and recorded_live_rates([1]) == {}
