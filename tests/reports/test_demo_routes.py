"""The bundled demo has one model on two routes (issue 26.8), so its report shows the route
comparison: Seedance 2.0 Fast on Ark and through fal, both sendable on the demo's quickest
sample (`vidbench demo --sample 2`)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vidbench.cli.app import main
from vidbench.reports.routes import route_groups


def test_the_demo_plans_seedance_2_0_fast_on_ark_and_on_fal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", "demo", "--sample", "2", "--json"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    table = pd.DataFrame(models).rename(columns={"id": "model"})
    groups = route_groups(table)
    assert groups == {"bytedance/seedance-2.0-fast": ["seedance-2.0-fast", "seedance-2.0-fast-fal"]}
    by_id = {model["id"]: model for model in models}
    for route in groups["bytedance/seedance-2.0-fast"]:
        # Text-only prompts on the quickest demo: each route has jobs to send, none refused.
        assert (by_id[route]["jobs"], by_id[route]["unsupported"]) == (2, 0), by_id[route]
        assert by_id[route]["simulated"]
    assert {by_id[route]["adapter"] for route in groups["bytedance/seedance-2.0-fast"]} == {
        "ark",
        "fal",
    }
