"""Wan adapter against its DashScope simulator over real HTTP, including documented errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from provider_sim_helpers import (
    download_bytes,
    make_request,
    poll_until_terminal,
    run_with,
    sim_server,
)

from vidbench.adapters.wan import wire
from vidbench.core.config.config import check_models
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import ErrorKind, TaskStatus
from vidbench.core.sim.server import SimServer

MODEL = "wan3.0-video"


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def test_generation_end_to_end_with_usd_cost(server: SimServer) -> None:
    async def action(adapter: Adapter) -> tuple[object, ...]:
        request = make_request(MODEL, duration_s=6)
        submitted = await adapter.submit(request)
        state = await poll_until_terminal(adapter, submitted.task_id)
        video = await download_bytes(adapter, submitted.task_id, state)
        return state, video, adapter.actual_cost(request, state), adapter.estimate_cost(request)

    state, video, cost, estimate = run_with(server, "wan", MODEL, action)
    assert state.status is TaskStatus.SUCCEEDED, state  # type: ignore[attr-defined]
    assert len(video) > 1000  # type: ignore[arg-type]
    assert cost.currency == "USD" and cost.usd == pytest.approx(6 * 0.06)  # type: ignore[attr-defined]
    assert estimate.usd == pytest.approx(cost.usd)  # type: ignore[attr-defined]


def test_body_is_dashscope_shaped() -> None:
    body = wire.build_body(make_request(MODEL, seed=7, params={"negative_prompt": "blur"}))
    assert body["model"] == MODEL
    assert body["input"] == {
        "prompt": "a red ball bounces on green grass",
        "negative_prompt": "blur",
    }
    assert body["parameters"]["resolution"] == "720P" and body["parameters"]["duration"] == 5
    assert body["parameters"]["seed"] == 7


def test_create_without_async_header_is_refused(server: SimServer) -> None:
    url = server.base_url("wan") + wire.CREATE_PATH
    body = wire.build_body(make_request(MODEL))
    answer = httpx.post(url, json=body, headers={"Authorization": "Bearer sim-key"})
    assert answer.status_code == 403 and answer.json()["code"] == "AccessDenied"


@pytest.mark.parametrize(
    ("overrides", "profile", "secret", "error", "code"),
    [
        ({}, None, "wrong-key", errors.AuthError, "InvalidApiKey"),
        ({"params": {"duration": 45}}, None, None, errors.InvalidRequest, "InvalidParameter"),
        (
            {"text": "blood on the floor"},
            None,
            None,
            errors.ContentRejected,
            "DataInspectionFailed",
        ),
        ({"provider_model": "wan2.6-t2v"}, None, None, errors.NotFound, "InvalidParameter"),
    ],
)
def test_documented_create_errors(
    server: SimServer,
    overrides: dict[str, object],
    profile: str | None,
    secret: str | None,
    error: type[errors.ProviderError],
    code: str,
) -> None:
    async def action(adapter: Adapter) -> None:
        await adapter.submit(make_request(MODEL, **overrides))  # type: ignore[arg-type]

    with pytest.raises(error) as caught:
        run_with(server, "wan", MODEL, action, profile=profile,
                 secret_override={"api_key": secret} if secret else None)  # fmt: skip
    assert type(caught.value) is error and caught.value.code == code


def test_rate_limit_is_throttling_with_retryable_error(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        await adapter.submit(make_request(MODEL))
        await adapter.submit(make_request(MODEL))

    with pytest.raises(errors.RateLimited) as caught:
        run_with(server, "wan", MODEL, action, profile="rpm1")
    assert caught.value.code == "Throttling.RateQuota"


@pytest.mark.parametrize(
    ("profile", "status", "kind"),
    [
        ("censor", TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
        ("failing", TaskStatus.FAILED, ErrorKind.TASK_FAILED),
    ],
)
def test_failed_tasks(server: SimServer, profile: str, status: TaskStatus, kind: ErrorKind) -> None:
    async def action(adapter: Adapter) -> object:
        submitted = await adapter.submit(make_request(MODEL))
        return await poll_until_terminal(adapter, submitted.task_id)

    state = run_with(server, "wan", MODEL, action, profile=profile)
    assert state.status is status and state.error_kind is kind  # type: ignore[attr-defined]


def test_unknown_task_is_expired_and_cancel_only_pending(server: SimServer) -> None:
    async def action(adapter: Adapter) -> object:
        unknown = await adapter.poll("no-such-task")
        submitted = await adapter.submit(make_request(MODEL))
        await adapter.cancel(submitted.task_id)
        cancelled = await adapter.poll(submitted.task_id)
        with pytest.raises(errors.InvalidRequest):
            await adapter.cancel(submitted.task_id)
        return unknown, cancelled

    unknown, cancelled = run_with(server, "wan", MODEL, action, profile="parked")  # type: ignore[misc]
    assert unknown.status is TaskStatus.EXPIRED and unknown.raw_status == "UNKNOWN"
    assert cancelled.status is TaskStatus.CANCELLED


def test_retired_wan_2_6_is_refused_by_validation() -> None:
    from vidbench.core.config.config import RunConfig

    config = RunConfig.model_validate(
        {"name": "x", "suite": "s.yaml",
         "models": [{"id": "w", "adapter": "wan", "model": "wan2.6-t2v", "simulate": "default"}]}
    )  # fmt: skip
    problems = check_models(config, "c.yaml", {})
    assert len(problems) == 1 and "retired" in problems[0].message
    assert "wan3.0-video" in problems[0].message


def test_render_scale_shrinks_renders_not_the_reported_size() -> None:
    with SimServer(default_profile="instant", settings={"wan": {"render_scale": 0.25}}) as server:

        async def action(adapter: Adapter) -> object:
            submitted = await adapter.submit(make_request(MODEL))
            return await poll_until_terminal(adapter, submitted.task_id)

        state = run_with(server, "wan", MODEL, action)
        task = next(iter(server.context("wan").tasks.values()))
    assert (task.spec.width, task.spec.height) == (320, 180)
    assert state.extra["video_ratio"] == "1280*720"  # type: ignore[attr-defined]
