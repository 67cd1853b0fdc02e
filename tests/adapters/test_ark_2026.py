"""Seedance as of November 2026: 2.5 rules, the 1.x retirement, BytePlus ids in USD (over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from provider_sim_helpers import make_request, poll_until_terminal, run_with, sim_server

from vidbench.adapters.ark.adapter import ArkAdapter
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import TaskStatus
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.server import SimServer

BYTEPLUS = "dreamina-seedance-2-0-260128"
SEEDANCE_25 = "doubao-seedance-2-5-260628"


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def test_byteplus_model_is_known_and_billed_in_usd_per_second(server: SimServer) -> None:
    assert ArkAdapter.check_model_id(BYTEPLUS) is None

    async def action(adapter: Adapter) -> tuple[Any, ...]:
        request = make_request(BYTEPLUS, resolution="720p")
        submitted = await adapter.submit(request)
        state = await poll_until_terminal(adapter, submitted.task_id)
        return state, adapter.actual_cost(request, state), adapter.estimate_cost(request)

    state, cost, estimate = run_with(server, "ark", BYTEPLUS, action)
    assert state.status is TaskStatus.SUCCEEDED
    assert cost.currency == "USD" and cost.usd == pytest.approx(5 * 0.15)
    assert estimate.usd == pytest.approx(cost.usd) and estimate.currency == "USD"


@pytest.mark.parametrize(
    ("model", "replacement"),
    [
        ("doubao-seedance-1-5-pro-251215", "doubao-seedance-2-0-260128"),
        ("doubao-seedance-1-0-pro-fast-251015", "doubao-seedance-2-0-fast-260128"),
    ],
)
def test_retired_1x_is_refused_before_and_gone_after_sending(
    server: SimServer, model: str, replacement: str
) -> None:
    problem = ArkAdapter.check_model_id(model)
    assert problem is not None and "retired" in problem and replacement in problem

    async def action(adapter: Adapter) -> None:
        await adapter.submit(make_request(model))

    with pytest.raises(errors.ModelGone) as caught:
        run_with(server, "ark", model, action)
    assert caught.value.status_code == 404 and replacement in caught.value.message


def test_seedance_25_takes_thirty_seconds_and_1080p() -> None:
    caps = ArkAdapter.capabilities(SEEDANCE_25)
    assert caps.durations_s[-1] == 30 and "1080p" in caps.resolutions
    assert caps.max_reference_images == 30


def create(server: SimServer, **fields: Any) -> httpx.Response:
    content: list[dict[str, Any]] = [
        {"type": "text", "text": "make the car red"},
        {"type": "video_url", "video_url": {"url": "https://example.test/in.mp4"}, "role": "reference_video"},
    ]  # fmt: skip
    body = {"model": SEEDANCE_25, "content": content, **fields}
    return httpx.post(
        server.base_url("ark") + "/contents/generations/tasks",
        json=body,
        headers={"Authorization": f"Bearer {SIM_API_KEY}"},
    )


def test_seedance_25_edit_needs_adaptive_ratio_and_model_picked_duration(server: SimServer) -> None:
    refused = create(server, omni_reference_task_type="edit", ratio="16:9", duration=5)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "InvalidParameter.TaskTypeConstraint"
    accepted = create(server, omni_reference_task_type="edit", ratio="adaptive", duration=-1)
    assert accepted.status_code == 200, accepted.text
    assert create(server, omni_reference_task_type="extend", duration=30).status_code == 200
    assert create(server, omni_reference_task_type="remix").status_code == 400
