"""The Veo simulator over real HTTP, and the veo adapter end to end against it."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from vidbench.adapters.veo import ADAPTER
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.types import (
    ErrorKind,
    GenerationInputs,
    GenerationRequest,
    TaskState,
    TaskStatus,
)
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.media import render_size
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

SCALE = 0.05
MODEL = "veo-3.1-fast-generate-preview"
KEY = {"x-goog-api-key": SIM_API_KEY}
PROFILES = {
    "cut": Profile(
        "cut",
        "every download truncated",
        queue_s=(0.0, 0.0),
        run_s=(0.02, 0.0),
        faults=Faults(truncated_download_rate=1.0),
    ),
    "slow": Profile("slow", "long queue", queue_s=(30.0, 0.0), run_s=(30.0, 0.0)),
    "tight": Profile(
        "tight", "two creates a minute", queue_s=(5.0, 0.0), run_s=(5.0, 0.0), rpm_limit=2
    ),
    "broken": Profile(
        "broken", "every task fails", queue_s=(0.0, 0.0), run_s=(0.02, 0.0), failure_rate=1.0
    ),
    "strict": Profile(
        "strict",
        "every output filtered",
        queue_s=(0.0, 0.0),
        run_s=(0.02, 0.0),
        output_moderation_rate=1.0,
    ),
}


@pytest.fixture(scope="module")
def server():
    with SimServer(
        default_profile="instant",
        profiles=PROFILES,
        settings={"veo": {"render_scale": SCALE, "retired_models": ()}},  # the old contract
    ) as srv:
        yield srv


def base(server: SimServer, profile: str | None = None) -> str:
    return server.base_url("veo", profile)


def body(prompt: str = "a paper boat on a river", **parameters: Any) -> dict[str, Any]:
    return {
        "instances": [{"prompt": prompt}],
        "parameters": {
            "aspectRatio": "16:9",
            "durationSeconds": 4,
            "resolution": "720p",
            **parameters,
        },
    }


def create(
    server: SimServer,
    payload: dict[str, Any] | None = None,
    profile: str | None = None,
    model: str = MODEL,
    headers: dict[str, str] | None = None,
    **params: str,
) -> httpx.Response:
    return httpx.post(
        f"{base(server, profile)}/v1beta/models/{model}:predictLongRunning",
        headers=KEY if headers is None else headers,
        params=params,
        json=payload or body(),
    )


def wait_done(server: SimServer, name: str, profile: str | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        operation = httpx.get(f"{base(server, profile)}/v1beta/{name}", headers=KEY).json()
        if operation.get("done"):
            return operation  # type: ignore[no-any-return]
        time.sleep(0.02)
    raise AssertionError("operation never finished")


def test_create_poll_download(server: SimServer) -> None:
    response = create(server)
    assert response.status_code == 200
    name = response.json()["name"]
    assert name.startswith(f"models/{MODEL}/operations/") and set(response.json()) == {"name"}
    operation = wait_done(server, name)
    samples = operation["response"]["generateVideoResponse"]["generatedSamples"]
    uri = samples[0]["video"]["uri"]
    assert uri.startswith(base(server)) and "key=" not in uri
    assert httpx.get(uri).status_code == 403  # the download needs the key header too
    assert httpx.get(uri, params={"key": SIM_API_KEY}).status_code == 400
    video = httpx.get(uri, headers=KEY)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(video.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == render_size(
            1280, 720, SCALE
        )
        assert container.streams.audio, "Veo 3 always renders audio"
    ctx = server.context("veo", "instant")
    ctx.clock = lambda: time.time() + 3 * 24 * 3600
    try:
        assert httpx.get(uri, headers=KEY).status_code == 404  # kept ~2 days
    finally:
        ctx.clock = time.time


def test_key_only_in_header(server: SimServer) -> None:
    in_query = create(server, key=SIM_API_KEY)
    assert in_query.status_code == 400
    assert "x-goog-api-key" in in_query.json()["error"]["message"]
    assert in_query.json()["error"]["status"] == "INVALID_ARGUMENT"
    missing = create(server, headers={})
    assert (missing.status_code, missing.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
    wrong = create(server, headers={"x-goog-api-key": "nope"})
    assert (
        wrong.status_code == 400
        and wrong.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    )


@pytest.mark.parametrize(
    "payload",
    [
        body(resolution="1080p", durationSeconds=4),
        body(durationSeconds=5),
        body(aspectRatio="1:1"),
        body(fps=30),
        body(sampleCount=2),
        body(seed=-3),
        {"instances": [{"prompt": ""}], "parameters": {}},
        {
            "instances": [
                {
                    "prompt": "x",
                    "lastFrame": {"bytesBase64Encoded": "AAAA", "mimeType": "image/png"},
                }
            ]
        },
    ],
)
def test_invalid_argument(server: SimServer, payload: dict[str, Any]) -> None:
    response = create(server, payload)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT" and error["message"]


def test_1080p_needs_8_seconds(server: SimServer) -> None:
    assert create(server, body(resolution="1080p", durationSeconds=8)).status_code == 200
    assert create(server, body(resolution="1080p", durationSeconds=6)).status_code == 400


def test_unknown_model_and_operation(server: SimServer) -> None:
    unknown = create(server, model="veo-9")
    assert (unknown.status_code, unknown.json()["error"]["status"]) == (404, "NOT_FOUND")
    missing = httpx.get(f"{base(server)}/v1beta/models/{MODEL}/operations/nope", headers=KEY)
    assert missing.status_code == 404


def test_images_are_accepted(server: SimServer) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (5, 5, 5)).save(buffer, format="PNG")
    image = {
        "bytesBase64Encoded": base64.b64encode(buffer.getvalue()).decode(),
        "mimeType": "image/png",
    }
    payload = body()
    payload["instances"][0].update(image=image, lastFrame=image)
    assert create(server, payload).status_code == 200
    payload = body()
    payload["instances"][0]["referenceImages"] = [{"image": image, "referenceType": "asset"}] * 4
    assert create(server, payload).status_code == 400


def test_rai_filtering_and_failure(server: SimServer) -> None:
    flagged = wait_done(server, create(server, body("a battle, blood everywhere")).json()["name"])
    video_response = flagged["response"]["generateVideoResponse"]
    assert "generatedSamples" not in video_response
    assert (
        video_response["raiMediaFilteredCount"] == 1 and video_response["raiMediaFilteredReasons"]
    )
    filtered = wait_done(server, create(server, profile="strict").json()["name"], "strict")
    assert filtered["response"]["generateVideoResponse"]["raiMediaFilteredCount"] == 1
    failed = wait_done(server, create(server, profile="broken").json()["name"], "broken")
    assert failed["done"] is True and failed["error"]["code"] == 13 and "response" not in failed


def test_rate_limit(server: SimServer) -> None:
    assert create(server, profile="tight").status_code == 200
    assert create(server, profile="tight").status_code == 200
    limited = create(server, profile="tight")
    assert (limited.status_code, limited.json()["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")


def test_not_done_operation_has_only_a_name(server: SimServer) -> None:
    name = create(server, profile="slow").json()["name"]
    assert httpx.get(f"{base(server, 'slow')}/v1beta/{name}", headers=KEY).json() == {"name": name}


# -- the adapter end to end ------------------------------------------------------------------


def make_adapter(base_url: str, client: httpx.AsyncClient) -> Any:
    context = AdapterContext(
        provider_model=MODEL,
        base_url=base_url,
        secrets={"api_key": Secret(SIM_API_KEY, "GEMINI_API_KEY")},
    )
    return ADAPTER(context, client)


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "r-j",
        "provider_model": MODEL,
        "text": "a lighthouse at dusk",
        "duration_s": 6,
        "ratio": "9:16",
        "resolution": "1080p",
        "seed": 11,
    }
    return GenerationRequest(**{**fields, **overrides})


async def run_to_end(adapter: Any, request: GenerationRequest) -> tuple[str, TaskState]:
    """Submit, then poll every 20 ms until the operation is done."""
    task_id = (await adapter.submit(request)).task_id
    for _ in range(500):
        state = await adapter.poll(task_id)
        if state.status.terminal:
            return task_id, state
        await asyncio.sleep(0.02)
    raise AssertionError("operation never finished")


def test_adapter_end_to_end(server: SimServer, tmp_path: Path) -> None:
    first, last = tmp_path / "first.png", tmp_path / "last.png"
    for path in (first, last):
        Image.new("RGB", (48, 64), (0, 120, 250)).save(path)
    # 1080p at 6 s does not exist: the adapter sends 720p (the sim would answer 400 otherwise).
    request = make_request(inputs=GenerationInputs(first_frame=first, last_frame=last))
    before = server.counters.count(provider="veo", status=400)

    async def scenario() -> tuple[TaskState, httpx.Response]:
        async with httpx.AsyncClient() as client:
            adapter = make_adapter(base(server), client)
            task_id, state = await run_to_end(adapter, request)
            spec = adapter.download_spec(task_id, state)
            assert "key" not in httpx.URL(spec.url).params
            return state, await client.get(spec.url, headers=spec.headers)

    state, video = asyncio.run(scenario())
    assert state.status is TaskStatus.SUCCEEDED
    assert server.counters.count(provider="veo", status=400) == before  # never a key in a URL
    with av.open(io.BytesIO(video.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == render_size(
            720, 1280, SCALE
        )
        assert float(container.duration or 0) / av.time_base == pytest.approx(6.0, abs=0.15)


def test_adapter_maps_simulated_outcomes(server: SimServer) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            _, state = await run_to_end(
                make_adapter(base(server, "strict"), client), make_request()
            )
            assert (state.status, state.error_kind) == (
                TaskStatus.REJECTED,
                ErrorKind.CONTENT_REJECTED,
            )
            assert "usage guidelines" in (state.detail or "")
            _, state = await run_to_end(
                make_adapter(base(server, "broken"), client), make_request()
            )
            assert (state.status, state.error_kind) == (TaskStatus.FAILED, ErrorKind.TASK_FAILED)
            adapter = make_adapter(base(server), client)
            with pytest.raises(errors.InvalidRequest):
                await adapter.submit(make_request(params={"durationSeconds": 5}))
            wrong_key = AdapterContext(
                provider_model=MODEL,
                base_url=base(server),
                secrets={"api_key": Secret("wrong-key", "GEMINI_API_KEY")},
            )
            with pytest.raises(errors.AuthError) as caught:
                await ADAPTER(wrong_key, client).submit(make_request())
            assert "wrong-key" not in str(caught.value)

    asyncio.run(scenario())


def test_adapter_full_size_video(tmp_path: Path) -> None:
    """One unscaled render: the MP4 has exactly the requested size and duration (~3 s of CPU)."""

    async def scenario(root: str) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            adapter = make_adapter(root, client)
            request = make_request(duration_s=4, ratio="16:9", resolution="720p")
            task_id, state = await run_to_end(adapter, request)
            assert state.status is TaskStatus.SUCCEEDED
            spec = adapter.download_spec(task_id, state)
            return await client.get(spec.url, headers=spec.headers, timeout=60)

    with SimServer(default_profile="instant", settings={"veo": {"retired_models": ()}}) as srv:
        video = asyncio.run(scenario(srv.base_url("veo")))
    path = tmp_path / "veo.mp4"
    path.write_bytes(video.content)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        assert float(container.duration or 0) / av.time_base == pytest.approx(4.0, abs=0.1)
        assert container.streams.audio


def test_truncated_download_fault(server: SimServer) -> None:
    operation = wait_done(server, create(server, profile="cut").json()["name"], "cut")
    uri = operation["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(uri, headers=KEY)


def test_veo_on_the_gemini_api_is_gone_by_default() -> None:
    with SimServer(default_profile="instant") as srv:
        url = srv.base_url("veo") + "/v1beta/models/veo-3.1-generate-preview:predictLongRunning"
        answer = httpx.post(url, json=body(), headers=KEY)
    assert answer.status_code == 404 and "no longer available" in answer.json()["error"]["message"]
