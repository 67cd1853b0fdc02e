"""Seedance 2.5 Flash on BytePlus (`dreamina-seedance-2-5-flash-261115`): BytePlus only,
480p/720p, up to 30 s, priced per second in USD from third-party figures (marked so)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from provider_sim_helpers import make_request, poll_until_terminal, run_with, sim_server

from vidbench.adapters.ark.adapter import ArkAdapter
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import TaskStatus
from vidbench.core.sim.server import SimServer

FLASH = "dreamina-seedance-2-5-flash-261115"


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def test_known_with_its_limits_and_a_third_party_price() -> None:
    info = ArkAdapter.known_models()[FLASH]
    assert info.capabilities.resolutions == ("480p", "720p")
    assert max(info.capabilities.durations_s) == 30
    assert "U" in info.price_note and "third-party" in info.price_source
    assert info.lifecycle.confirmed is False
    assert ArkAdapter.check_model_id("doubao-seedance-2-5-flash-261115") is not None  # no twin


def test_generates_on_the_simulator_billed_per_second(server: SimServer) -> None:
    async def action(adapter: Adapter) -> tuple[Any, ...]:
        request = make_request(FLASH, duration_s=5, resolution="720p")
        state = await poll_until_terminal(adapter, (await adapter.submit(request)).task_id)
        return state, adapter.actual_cost(request, state)

    state, cost = run_with(server, "ark", FLASH, action)
    assert state.status is TaskStatus.SUCCEEDED
    assert (cost.currency, cost.usd) == ("USD", pytest.approx(5 * 0.143))

    async def refused(adapter: Adapter) -> None:
        await adapter.submit(make_request(FLASH, resolution="1080p"))

    with pytest.raises(errors.InvalidRequest, match="1080p|resolution"):
        run_with(server, "ark", FLASH, refused)
