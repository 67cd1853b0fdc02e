"""Vertex Veo adapter against its simulator over real HTTP: OAuth, operations, errors, videos."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from provider_sim_helpers import (
    download_bytes,
    make_request,
    poll_until_terminal,
    run_with,
    sim_server,
)

from vidbench.adapters.vertex_veo import wire
from vidbench.adapters.vertex_veo.adapter import VertexVeoAdapter
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import ErrorKind, TaskStatus
from vidbench.core.sim.server import SimServer

MODEL = "veo-3.1-fast-generate-001"
PARAMS = {"project": "sim-project", "location": "us-central1"}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with sim_server() as srv:
        yield srv


def generate(server: SimServer, params: dict[str, Any], **overrides: Any) -> tuple[Any, ...]:
    async def action(adapter: Adapter) -> tuple[Any, ...]:
        request = make_request(MODEL, duration_s=4, audio=True, params=params, **overrides)
        submitted = await adapter.submit(request)
        state = await poll_until_terminal(adapter, submitted.task_id)
        video = await download_bytes(adapter, submitted.task_id, state)
        return submitted, state, video, adapter.actual_cost(request, state)

    return run_with(server, "vertex_veo", MODEL, action, params=params)


def test_inline_video_with_a_token_minted_by_google_auth(server: SimServer) -> None:
    submitted, state, video, cost = generate(server, PARAMS)
    assert "/publishers/google/models/veo-3.1-fast-generate-001/operations/" in submitted.task_id
    assert state.status is TaskStatus.SUCCEEDED and state.video_url.startswith(
        "data:video/mp4;base64,"
    )
    assert video[4:8] == b"ftyp"
    assert cost.usd == pytest.approx(4 * 0.15)
    rows = {
        (r["operation"], r["status"]): r["count"]
        for r in server.stats()["requests"]
        if r["provider"] == "vertex"
    }
    assert rows[("token", 200)] == 1 and rows[("create", 200)] == 1


def test_gcs_uri_video_is_fetched_with_the_same_token(server: SimServer) -> None:
    storage = server.base_url("vertex_veo") + "/storage"
    params = {**PARAMS, "storageUri": "gs://bench-bucket/out", "storage_base_url": storage}
    _, state, video, _ = generate(server, params)
    assert state.extra["gcs_uri"].startswith("gs://bench-bucket/out/")
    assert video[4:8] == b"ftyp"


def test_filtered_with_no_video_is_rejected(server: SimServer) -> None:
    async def action(adapter: Adapter) -> Any:
        submitted = await adapter.submit(
            make_request(MODEL, duration_s=4, text="blood", params=PARAMS)
        )
        return await poll_until_terminal(adapter, submitted.task_id)

    state = run_with(server, "vertex_veo", MODEL, action, params=PARAMS)
    assert state.status is TaskStatus.REJECTED and state.error_kind is ErrorKind.CONTENT_REJECTED
    assert "usage guidelines" in state.detail


@pytest.mark.parametrize(
    ("model", "overrides", "error", "code"),
    [
        ("veo-3.0-generate-001", {}, errors.ModelGone, "NOT_FOUND"),
        (MODEL, {"duration_s": 5}, errors.InvalidRequest, "INVALID_ARGUMENT"),
    ],
)
def test_documented_errors(
    server: SimServer,
    model: str,
    overrides: dict[str, Any],
    error: type[errors.ProviderError],
    code: str,
) -> None:
    async def action(adapter: Adapter) -> None:
        await adapter.submit(
            make_request(model, **{"duration_s": 4, "params": PARAMS, **overrides})
        )

    with pytest.raises(error) as caught:
        run_with(server, "vertex_veo", model, action, params=PARAMS)
    assert type(caught.value) is error and caught.value.code == code
    if error is errors.ModelGone:
        assert "veo-3.1-generate-001" in caught.value.message  # the replacement is named


def test_api_calls_without_a_valid_token_are_unauthenticated(server: SimServer) -> None:
    url = (
        server.base_url("vertex_veo")
        + f"/v1/{wire.model_path('p', 'us-central1', MODEL)}:predictLongRunning"
    )
    answer = httpx.post(url, json={}, headers={"Authorization": "Bearer ya29.forged"})
    assert answer.status_code == 401 and answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_a_foreign_service_account_gets_no_token(server: SimServer) -> None:
    info = json.loads(server.secret("vertex_veo", "service_account"))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info["private_key"] = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()

    async def action(adapter: Adapter) -> None:
        await adapter.submit(make_request(MODEL, duration_s=4, params=PARAMS))

    with pytest.raises(errors.AuthError, match="token refused"):
        run_with(server, "vertex_veo", MODEL, action, params=PARAMS,
                 secret_override={"service_account": json.dumps(info)})  # fmt: skip


def test_tokens_are_refreshed_before_they_expire(server: SimServer) -> None:
    server.context("vertex", "quick").settings["token_ttl_s"] = 60  # inside google-auth's margin
    try:

        async def action(adapter: Adapter) -> None:
            for _ in range(2):
                await adapter.submit(make_request(MODEL, duration_s=4, params=PARAMS))

        before = _count(server, "token")
        run_with(server, "vertex_veo", MODEL, action, params=PARAMS)
        # Each token is inside the refresh margin, so each submit mints a new one (without the
        # refresh the second submit would reuse the first: 1). Under heavy load google-auth
        # may mint once more around the margin, so more than 2 is not a failure.
        assert _count(server, "token") - before >= 2
    finally:
        server.context("vertex", "quick").settings.pop("token_ttl_s")


def _count(server: SimServer, operation: str) -> int:
    return sum(
        r["count"]
        for r in server.stats()["requests"]
        if r["provider"] == "vertex" and r["operation"] == operation
    )


def test_validation_needs_a_project_and_refuses_retired_ids() -> None:
    assert VertexVeoAdapter.validate_params(MODEL, {}) == [
        "params.project (the Google Cloud project id) is required"
    ]
    problem = VertexVeoAdapter.check_model_id("veo-3.0-generate-001")
    assert problem is not None and "veo-3.1-generate-001" in problem
