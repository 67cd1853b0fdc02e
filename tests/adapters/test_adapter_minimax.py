"""MiniMax adapter against its simulator over real HTTP, including the base_resp error codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from provider_sim_helpers import (
    download_bytes,
    make_request,
    poll_until_terminal,
    run_with,
    sim_server,
)

from vidbench.adapters.minimax import wire
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import ErrorKind, GenerationInputs, TaskStatus
from vidbench.core.sim.server import SimServer

MODEL = "MiniMax-H3"


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def test_create_query_retrieve_download_with_usd_cost(server: SimServer) -> None:
    async def action(adapter: Adapter) -> tuple[object, ...]:
        request = make_request(MODEL, duration_s=6)
        submitted = await adapter.submit(request)
        state = await poll_until_terminal(adapter, submitted.task_id)
        video = await download_bytes(adapter, submitted.task_id, state)
        return state, video, adapter.actual_cost(request, state)

    state, video, cost = run_with(server, "minimax", MODEL, action)
    assert state.status is TaskStatus.SUCCEEDED and state.video_url  # type: ignore[attr-defined]
    assert video[4:8] == b"ftyp"  # type: ignore[index]
    assert cost.usd == pytest.approx(6 * 0.08)  # type: ignore[attr-defined]


def test_hailuo_2_3_is_priced_per_video() -> None:
    from vidbench.adapters.minimax.adapter import MiniMaxAdapter
    from vidbench.core.seam.adapter import AdapterContext

    adapter = MiniMaxAdapter(AdapterContext("MiniMax-Hailuo-2.3", "http://x"), None)  # type: ignore[arg-type]
    cost = adapter.estimate_cost(make_request("MiniMax-Hailuo-2.3", duration_s=10))
    assert cost.usd == pytest.approx(0.56)


def test_first_frame_goes_inline(tmp_path: Path) -> None:
    image = tmp_path / "start.png"
    Image.new("RGB", (640, 360), "red").save(image)
    request = make_request(MODEL, inputs=GenerationInputs(first_frame=image))
    body = wire.build_body(request)
    assert body["first_frame_image"].startswith("data:image/png;base64,")
    assert body["resolution"] == "768P" and body["prompt_optimizer"] is False


@pytest.mark.parametrize(
    ("overrides", "secret", "error", "code"),
    [
        ({}, "wrong-key", errors.AuthError, "1004"),
        ({"duration_s": 7}, None, errors.InvalidRequest, "2013"),
        ({"text": "gore everywhere"}, None, errors.ContentRejected, "1026"),
        ({"provider_model": "MiniMax-Hailuo-02"}, None, errors.NotFound, "2013"),
    ],
)
def test_documented_create_errors_arrive_in_base_resp(
    server: SimServer,
    overrides: dict[str, object],
    secret: str | None,
    error: type[errors.ProviderError],
    code: str,
) -> None:
    async def action(adapter: Adapter) -> None:
        await adapter.submit(make_request(MODEL, **{"duration_s": 6, **overrides}))  # type: ignore[arg-type]

    with pytest.raises(error) as caught:
        run_with(server, "minimax", MODEL, action,
                 secret_override={"api_key": secret} if secret else None)  # fmt: skip
    assert type(caught.value) is error and caught.value.code == code


def test_rate_limit_1002_is_rate_limited(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        for _ in range(2):
            await adapter.submit(make_request(MODEL, duration_s=6))

    with pytest.raises(errors.RateLimited) as caught:
        run_with(server, "minimax", MODEL, action, profile="rpm1")
    assert caught.value.code == "1002"


@pytest.mark.parametrize(
    ("profile", "status", "kind"),
    [
        ("censor", TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
        ("failing", TaskStatus.FAILED, ErrorKind.TASK_FAILED),
    ],
)
def test_failed_tasks(server: SimServer, profile: str, status: TaskStatus, kind: ErrorKind) -> None:
    async def action(adapter: Adapter) -> object:
        submitted = await adapter.submit(make_request(MODEL, duration_s=6))
        return await poll_until_terminal(adapter, submitted.task_id)

    state = run_with(server, "minimax", MODEL, action, profile=profile)
    assert state.status is status and state.error_kind is kind  # type: ignore[attr-defined]
