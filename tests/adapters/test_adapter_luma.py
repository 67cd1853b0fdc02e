"""The Luma Agents adapter: its wire functions directly, and against its simulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from provider_sim_helpers import make_request, poll_until_terminal, run_with, sim_server

from vidbench.adapters.luma.adapter import LumaAdapter
from vidbench.adapters.luma.wire import create_body, parse_generation
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import ErrorKind, TaskState, TaskStatus
from vidbench.core.sim.server import SimServer


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def test_body_is_a_ray_video_generation_with_its_own_duration_strings() -> None:
    body = create_body("a kite", 10, "9:16", "1080p", "run-job-1", {"loop": False})
    assert body == {
        "model": "ray-3.2", "type": "video", "prompt": "a kite", "aspect_ratio": "9:16",
        "video": {"duration": "10s", "resolution": "1080p", "loop": False}, "user_id": "run-job-1",
    }  # fmt: skip


def test_states_and_failure_codes_map_to_the_common_vocabulary() -> None:
    assert parse_generation({"id": "g", "state": "queued"}).status is TaskStatus.QUEUED
    assert parse_generation({"id": "g", "state": "processing"}).status is TaskStatus.RUNNING
    done = parse_generation({"id": "g", "state": "completed", "output": [{"type": "image", "url": "https://x/a.jpg"}, {"type": "video", "url": "https://x/v.mp4"}]})  # fmt: skip
    assert done.video_url == "https://x/v.mp4"
    moderated = parse_generation(
        {"id": "g", "state": "failed", "failure_code": "content_moderated"}
    )
    assert (moderated.status, moderated.error_kind) == (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED)  # fmt: skip
    broke = parse_generation({"id": "g", "state": "failed", "failure_code": "budget_exhausted"})
    assert (broke.status, broke.error_kind) == (TaskStatus.FAILED, ErrorKind.BILLING)


def test_a_generation_completes_and_is_priced_at_720p_only(server: SimServer) -> None:
    request = make_request("ray-3.2", duration_s=5)

    async def action(adapter: Adapter) -> tuple[TaskState, float]:
        state = await poll_until_terminal(adapter, (await adapter.submit(request)).task_id)
        return state, adapter.actual_cost(request, state).usd

    state, billed_usd = run_with(server, "luma", "ray-3.2", action)
    assert state.status is TaskStatus.SUCCEEDED and "/files/" in str(state.video_url)
    assert billed_usd == pytest.approx(5 * 0.22)
    at_1080p = make_request("ray-3.2", duration_s=5, resolution="1080p")

    async def estimate(adapter: Adapter) -> float:
        return adapter.estimate_cost(at_1080p).usd

    with pytest.raises(errors.UnsupportedRequest, match="set price"):
        run_with(server, "luma", "ray-3.2", estimate)


def test_a_moderated_output_is_rejected_and_costs_nothing(server: SimServer) -> None:
    request = make_request("ray-3.2", duration_s=5)

    async def action(adapter: Adapter) -> tuple[TaskStatus, float]:
        state = await poll_until_terminal(adapter, (await adapter.submit(request)).task_id)
        return state.status, adapter.actual_cost(request, state).usd

    assert run_with(server, "luma", "ray-3.2", action, profile="censor") == (
        TaskStatus.REJECTED,
        0.0,
    )


def test_an_invalid_request_is_refused_before_a_task_is_made(server: SimServer) -> None:
    request = make_request("ray-3.2", duration_s=7)  # the API takes 5s or 10s only

    async def action(adapter: Adapter) -> None:
        await adapter.submit(request)

    with pytest.raises(errors.InvalidRequest, match="duration"):
        run_with(server, "luma", "ray-3.2", action)
    assert LumaAdapter.validate_params("ray-3.2", {"duration": "7s"}) != []
    assert LumaAdapter.validate_params("ray-3.2", {"duration": "10s", "hdr": True}) == []
