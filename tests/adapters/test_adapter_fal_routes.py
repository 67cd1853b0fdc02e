"""configs/seedance-routes.yaml: Seedance 2.0 on Ark, fal, Replicate and
OpenRouter, planned on the simulators."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "seedance-routes.yaml"


def test_the_four_routes_plan_with_their_own_prices() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vidbench", "plan", str(CONFIG), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-1500:]
    models = {m["id"]: m for m in json.loads(done.stdout)["models"]}
    assert {m["adapter"] for m in models.values()} == {"ark", "fal", "replicate", "openrouter"}
    assert all(m["simulated"] for m in models.values())
    # 4 s at 720p 16:9: Ark CNY 46 / M tokens at 7.1; fal USD 0.014 / 1k tokens.
    assert models["seedance-2.0-ark"]["usd_per_clip"] == 0.559775
    assert models["seedance-2.0-fal"]["usd_per_clip"] == 1.2096
    # The gateway routes are text-to-video only: the suite's image-input prompts are refused.
    gateways = ("seedance-2.0-fal", "seedance-2.0-replicate", "seedance-2.0-openrouter")
    assert [models[m]["unsupported"] for m in gateways] == [3, 3, 3]
    # OpenRouter bundles no price: the config's marked placeholder, 4 s x USD 0.3034.
    assert models["seedance-2.0-openrouter"]["usd_per_clip"] == 1.2136
