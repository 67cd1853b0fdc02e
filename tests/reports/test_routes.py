"""reports/routes.py: routes of one model grouped by the maker's id, with their own figures."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from vidbench.reports.routes import route_groups, routes, routes_markdown, same_model


def job(model: str, adapter: str, provider_model: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "model": model, "adapter": adapter, "provider_model": provider_model,
        "status": "succeeded", "queue_s": 1.0, "generation_s": 2.0, "download_s": 0.1,
        "latency_s": 3.1, "cost_usd": 1.0, "duration_s": 4.0, "usable": True,
    }  # fmt: skip
    row.update(fields)
    return row


def results() -> pd.DataFrame:
    ark, fal = (
        ("ark", "doubao-seedance-2-0-260128"),
        ("fal", "bytedance/seedance-2.0/text-to-video"),
    )
    return pd.DataFrame([
        job("sd-ark", *ark, queue_s=2.0, cost_usd=0.56),
        job("sd-ark", *ark, queue_s=4.0, cost_usd=0.56, usable=False),
        job("sd-ark", *ark, queue_s=9.0, cost_usd=0.56),
        job("sd-fal", *fal, queue_s=0.5, generation_s=1.5, cost_usd=1.21),
        job("sd-fal", *fal, status="failed", queue_s=None, cost_usd=0.0, usable=False),
        job("sd-fast", "ark", "doubao-seedance-2-0-fast-260128"),  # another model: one route
        job("kling", "kling", "kling-v3"),
    ])  # fmt: skip


def test_models_are_grouped_by_the_makers_id_their_adapters_declare() -> None:
    assert same_model("fal", "bytedance/seedance-2.0/fast/text-to-video") == "bytedance/seedance-2.0-fast"  # fmt: skip
    assert same_model("runway", "seedance2") == "bytedance/seedance-2.0"
    assert same_model("kling", "kling-v3") == "" and same_model("no-such-adapter", "x") == ""
    # Seedance 2.0 Fast and Kling have one route each here: no group for them.
    assert route_groups(results()) == {"bytedance/seedance-2.0": ["sd-ark", "sd-fal"]}


def test_each_route_has_its_own_queue_generation_download_and_cost_per_usable_clip() -> None:
    ark, fal = routes(results())
    assert (ark.model, ark.n_attempted, ark.n_succeeded) == ("sd-ark", 3, 3)
    assert ark.queue_p50_s == 4.0 and ark.generation_p50_s == 2.0 and ark.download_p50_s == 0.1
    assert ark.cost_per_usable_clip_usd == pytest.approx(3 * 0.56 / 2)  # 2 of 3 usable
    assert fal.queue_p50_s == 0.5 and fal.generation_p50_s == 1.5  # the failed job not counted
    assert fal.cost_per_usable_clip_usd == pytest.approx(1.21)
    assert fal.usable_rate == 0.5


def test_the_markdown_section_names_both_routes_and_the_verdict() -> None:
    text = "\n".join(routes_markdown(results(), simulated={"sd-fal"}))
    assert "### `bytedance/seedance-2.0`" in text
    assert "| sd-ark | `ark: doubao-seedance-2-0-260128` | 3 | 3 | 66.7% | 4.0 s | 2.0 s |" in text
    assert "| sd-fal (sim) |" in text and "kling" not in text and "sd-fast" not in text
    assert (
        "Cheapest per usable clip: sd-ark ($0.84); shortest median queue: sd-fal (0.5 s)." in text
    )


def test_no_section_without_two_routes_of_one_model() -> None:
    single = results()[lambda df: df["model"] != "sd-fal"]
    assert routes_markdown(single) == [] and routes(single) == []
