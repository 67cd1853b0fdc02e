"""Gemini Omni adapter against its Interactions simulator over real HTTP, errors included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from provider_sim_helpers import (
    download_bytes,
    make_request,
    poll_until_terminal,
    run_with,
    sim_server,
)

from vidbench.adapters.gemini_omni import wire
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import ErrorKind, TaskStatus
from vidbench.core.sim.server import SimServer

MODEL = "gemini-omni-1.2-flash"


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def generate(server: SimServer, profile: str | None = None, **overrides: Any) -> tuple[Any, ...]:
    async def action(adapter: Adapter) -> tuple[Any, ...]:
        request = make_request(MODEL, duration_s=4, **overrides)
        submitted = await adapter.submit(request)
        state = await poll_until_terminal(adapter, submitted.task_id)
        video = await download_bytes(adapter, submitted.task_id, state) if state.video_url else b""
        return state, video, adapter.actual_cost(request, state)

    return run_with(server, "gemini_omni", MODEL, action, profile=profile)


def test_inline_video_and_cost_from_usage_tokens(server: SimServer) -> None:
    state, video, cost = generate(server)
    assert state.status is TaskStatus.SUCCEEDED and state.video_url.startswith("data:video/mp4")
    assert video[4:8] == b"ftyp"
    assert state.tokens == 4 * 5792 and cost.usd == pytest.approx(4 * 5792 / 1e6 * 17.5)


def test_uri_delivery_is_fetched_with_the_key(server: SimServer) -> None:
    state, video, _ = generate(server, params={"delivery": "uri"})
    assert state.video_url.startswith(server.base_url("gemini_omni") + "/v1/files/")
    assert video[4:8] == b"ftyp"


def test_body_asks_for_a_background_video() -> None:
    body = wire.build_body(make_request(MODEL, duration_s=6, seed=3))
    assert body["background"] is True and body["response_format"]["duration"] == "6"
    assert body["generation_config"] == {"video_config": {"task": "text_to_video"}, "seed": 3}


def test_completed_without_a_video_is_a_failure(server: SimServer) -> None:
    settings = server.context("gemini", "quick").settings
    settings["completed_without_video"] = True
    try:
        state, _, cost = generate(server)
    finally:
        settings.pop("completed_without_video")
    assert state.status is TaskStatus.FAILED and state.detail == "completed without a video"
    assert cost.usd == 0


@pytest.mark.parametrize(
    ("overrides", "status", "kind"),
    [
        ({"text": "nsfw scene"}, TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
        ({}, TaskStatus.FAILED, ErrorKind.TASK_FAILED),
    ],
)
def test_failed_interactions(
    server: SimServer, overrides: dict[str, Any], status: TaskStatus, kind: ErrorKind
) -> None:
    state, _, _ = generate(server, profile="failing" if not overrides else None, **overrides)
    assert state.status is status and state.error_kind is kind


@pytest.mark.parametrize(
    ("overrides", "secret", "error", "code"),
    [
        ({}, "wrong-key", errors.AuthError, "INVALID_ARGUMENT"),
        ({"duration_s": 20}, None, errors.InvalidRequest, "INVALID_ARGUMENT"),
        ({"provider_model": "gemini-omni-0.9"}, None, errors.NotFound, "NOT_FOUND"),
    ],
)
def test_documented_errors(
    server: SimServer,
    overrides: dict[str, Any],
    secret: str | None,
    error: type[errors.ProviderError],
    code: str,
) -> None:
    async def action(adapter: Adapter) -> None:
        await adapter.submit(make_request(MODEL, **{"duration_s": 4, **overrides}))

    with pytest.raises(error) as caught:
        run_with(
            server,
            "gemini_omni",
            MODEL,
            action,
            secret_override={"api_key": secret} if secret else None,
        )
    assert type(caught.value) is error and caught.value.code == code
