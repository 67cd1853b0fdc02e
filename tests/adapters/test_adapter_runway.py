"""The Runway adapter: its wire functions directly, and against its simulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from provider_sim_helpers import make_request, poll_until_terminal, run_with, sim_server

from vidbench.adapters.runway.adapter import RunwayAdapter
from vidbench.adapters.runway.wire import create_body, parse_task
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import ErrorKind, TaskStatus
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.server import SimServer


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def test_throttled_and_pending_are_the_queue_not_a_failure() -> None:
    for raw in ("PENDING", "THROTTLED"):
        state = parse_task({"id": "t", "status": raw, "createdAt": "2026-12-07T10:00:00Z"})
        assert state.status is TaskStatus.QUEUED and not state.status.terminal
        assert state.raw_status == raw
    running = parse_task({"id": "t", "status": "RUNNING", "progress": 0.4})
    assert running.status is TaskStatus.RUNNING and running.progress == 0.4


def test_a_safety_failure_code_is_a_moderation_refusal() -> None:
    body = {"id": "t", "status": "FAILED", "failure": "flagged", "failureCode": "SAFETY.INPUT.TEXT", "cost": {"credits": 0}}  # fmt: skip
    state = parse_task(body)
    assert (state.status, state.error_kind) == (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED)
    other = parse_task({**body, "failureCode": "INTERNAL.BAD_OUTPUT.CODE01"})
    assert (other.status, other.error_kind) == (TaskStatus.FAILED, ErrorKind.TASK_FAILED)


def test_body_uses_runways_pixel_ratio_and_only_the_models_own_fields() -> None:
    seedance = create_body("seedance2", "a kite", 5, "16:9", "720p", True, 7, {})
    assert seedance == {"model": "seedance2", "promptText": "a kite", "ratio": "1280:720", "duration": 5, "audio": True, "seed": 7}  # fmt: skip
    assert (
        create_body("seedance2", "a kite", 5, "9:16", "480p", False, None, {})["ratio"] == "496:864"
    )
    gen = create_body("gen4.5", "a kite", 5, "9:16", "720p", True, None, {})
    assert gen["ratio"] == "720:1280" and "audio" not in gen
    omni = create_body("gemini_omni_flash", "a kite", 5, "16:9", "720p", False, 3, {})
    assert "seed" not in omni  # the model takes no seed


def test_generation_is_billed_the_tasks_own_credits(server: SimServer) -> None:
    request = make_request("gen4.5", duration_s=5)

    async def action(adapter: Adapter) -> tuple[float, float, str]:
        submitted = await adapter.submit(request)
        state = await poll_until_terminal(adapter, submitted.task_id)
        assert state.status is TaskStatus.SUCCEEDED, state
        return adapter.estimate_cost(request).usd, adapter.actual_cost(request, state).usd, str(state.video_url)  # fmt: skip

    estimate_usd, billed_usd, url = run_with(server, "runway", "gen4.5", action)
    assert estimate_usd == pytest.approx(5 * 12 * 0.01)  # the list price: 12 credits/s
    assert billed_usd == pytest.approx(0.60)  # the simulator's cost.credits: 60
    assert "/files/" in url


def test_a_moderated_output_is_rejected_and_costs_nothing(server: SimServer) -> None:
    request = make_request("gen4.5", duration_s=5)

    async def action(adapter: Adapter) -> tuple[TaskStatus, ErrorKind | None, float]:
        state = await poll_until_terminal(adapter, (await adapter.submit(request)).task_id)
        return state.status, state.error_kind, adapter.actual_cost(request, state).usd

    status, kind, billed_usd = run_with(server, "runway", "gen4.5", action, profile="censor")
    assert (status, kind, billed_usd) == (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, 0.0)


def test_cancel_deletes_a_queued_task(server: SimServer) -> None:
    request = make_request("gen4.5", duration_s=5)

    async def action(adapter: Adapter) -> TaskStatus:
        task_id = (await adapter.submit(request)).task_id
        assert (await adapter.poll(task_id)).status is TaskStatus.QUEUED
        await adapter.cancel(task_id)
        return (await adapter.poll(task_id)).status

    assert run_with(server, "runway", "gen4.5", action, profile="parked") is TaskStatus.CANCELLED


def test_a_resold_model_without_a_list_price_is_refused_until_the_config_names_one(
    server: SimServer,
) -> None:
    request = make_request("seedance2", duration_s=5)

    async def estimate(adapter: Adapter) -> float:
        return adapter.estimate_cost(request).usd

    with pytest.raises(errors.UnsupportedRequest, match="set price"):
        run_with(server, "runway", "seedance2", estimate)
    cls = RunwayAdapter
    assert cls.known_models()["seedance2"].same_as == "bytedance/seedance-2.0"


def test_the_simulator_wants_the_version_header_and_the_models_own_enums(
    server: SimServer,
) -> None:
    base = server.base_url("runway")
    body = {"model": "gen4.5", "promptText": "x", "ratio": "1280:720", "duration": 5}
    auth = {"Authorization": f"Bearer {SIM_API_KEY}"}
    no_version = httpx.post(f"{base}/v1/text_to_video", json=body, headers=auth)
    assert no_version.status_code == 400 and "X-Runway-Version" in no_version.json()["error"]
    headers = {**auth, "X-Runway-Version": "2024-11-06"}
    wrong = httpx.post(f"{base}/v1/text_to_video", json={**body, "duration": 11}, headers=headers)
    assert wrong.status_code == 400 and wrong.json()["issues"][0]["path"] == ["duration"]
    assert httpx.post(f"{base}/v1/text_to_video", json=body, headers=headers).status_code == 200
