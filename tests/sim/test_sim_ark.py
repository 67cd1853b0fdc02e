"""The Ark simulator over real HTTP: lifecycle, DELETE table, list, errors, limits, files."""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import Iterator
from typing import Any

import av
import httpx
import numpy as np
import pytest
from PIL import Image

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

MODEL = "doubao-seedance-2-0-260128"
FAST = "doubao-seedance-2-0-fast-260128"
AUTH = {"Authorization": f"Bearer {SIM_API_KEY}"}
TASKS = "/contents/generations/tasks"

PROFILES = {
    "steps": Profile("steps", "queued 0.5 s, running 1 s", queue_s=(0.5, 0.0), run_s=(1.0, 0.0)),
    "parked": Profile("parked", "stays queued", queue_s=(10_000.0, 0.0), run_s=(1.0, 0.0)),
    "busy": Profile("busy", "runs for long", queue_s=(0.0, 0.0), run_s=(1000.0, 0.0)),
    "censor": Profile(
        "censor",
        "every output moderated",
        queue_s=(0.0, 0.0),
        run_s=(0.0, 0.0),
        output_moderation_rate=1.0,
    ),
    "rpm2": Profile("rpm2", "2 creates per minute", queue_s=(1000.0, 0.0), rpm_limit=2),
    "one": Profile("one", "one task at a time", queue_s=(1000.0, 0.0), concurrency_limit=1),
    "broken": Profile(
        "broken",
        "every fault at once",
        queue_s=(0.0, 0.0),
        run_s=(0.0, 0.0),
        faults=Faults(create_5xx_rate=1.0, truncated_download_rate=1.0, malformed_body_rate=1.0),
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    # The retired Seedance 1.x models stay callable here so their rules stay tested.
    settings = {"ark": {"retired_models": ()}}
    with SimServer(default_profile="instant", profiles=PROFILES, seed=3, settings=settings) as srv:
        yield srv


def text_body(
    text: str = "a red ball bounces on grass", model: str = MODEL, **fields: Any
) -> dict[str, Any]:
    return {"model": model, "content": [{"type": "text", "text": text}], **fields}


def create(
    server: SimServer, profile: str | None = None, body: dict[str, Any] | None = None
) -> httpx.Response:
    url = server.base_url("ark", profile) + TASKS
    return httpx.post(
        url,
        json=body if body is not None else text_body(resolution="480p", duration=4),
        headers=AUTH,
    )


def get(server: SimServer, task_id: str, profile: str | None = None) -> httpx.Response:
    return httpx.get(server.base_url("ark", profile) + f"{TASKS}/{task_id}", headers=AUTH)


def wait_terminal(server: SimServer, task_id: str, profile: str | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        body = get(server, task_id, profile).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.05)
    raise AssertionError("task never finished")


def png_data_url(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 90, np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_item(url: str, role: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}}
    if role:
        item["role"] = role
    return item


def test_lifecycle_and_success_fields(server: SimServer) -> None:
    created = create(server, "steps")
    assert created.status_code == 200
    assert set(created.json()) == {"id"}
    task_id = created.json()["id"]
    assert re.fullmatch(r"cgt-\d{14}-[a-z0-9]{5}", task_id)
    seen = [get(server, task_id, "steps").json()["status"]]
    while seen[-1] in ("queued", "running"):
        time.sleep(0.05)
        seen.append(get(server, task_id, "steps").json()["status"])
    assert seen[0] == "queued" and "running" in seen and seen[-1] == "succeeded"
    assert seen.index("running") > seen.index("queued")
    body = get(server, task_id, "steps").json()
    assert body["status"] == "succeeded" and body["error"] is None
    assert (body["resolution"], body["ratio"], body["duration"], body["framespersecond"]) == (
        "480p",
        "16:9",
        4,
        24,
    )
    assert "frames" not in body
    assert body["generate_audio"] is True  # default for 2.x
    tokens = 864 * 496 * 24 * 4 // 1024
    assert body["usage"] == {"completion_tokens": tokens, "total_tokens": tokens}
    assert abs(body["created_at"] - time.time()) < 10 and isinstance(body["updated_at"], int)
    assert body["updated_at"] >= body["created_at"]
    assert body["content"]["video_url"].startswith(server.url + "/files/")


def test_frames_and_adaptive_ratio_from_first_frame(server: SimServer) -> None:
    body = text_body(model="doubao-seedance-1-0-pro-250528", frames=29, resolution="480p")
    body["content"].append(image_item(png_data_url(360, 640)))
    created = create(server, "parked", body)
    assert created.status_code == 200, created.text
    task = get(server, created.json()["id"], "parked").json()
    assert task["frames"] == 29 and "duration" not in task
    assert task["ratio"] == "9:16"  # adaptive resolved from the portrait first frame
    spec = server.context("ark", "parked").tasks[created.json()["id"]].spec
    assert (spec.width, spec.height, spec.duration_s) == (480, 864, pytest.approx(29 / 24))


def test_delete_state_table(server: SimServer) -> None:
    base = server.base_url("ark", "parked") + TASKS
    queued = create(server, "parked").json()["id"]
    assert httpx.delete(f"{base}/{queued}", headers=AUTH).status_code == 200
    assert get(server, queued, "parked").json()["status"] == "cancelled"
    again = httpx.delete(f"{base}/{queued}", headers=AUTH)
    assert again.status_code == 400 and again.json()["error"]["code"] == "InvalidParameter"

    running = create(server, "busy").json()["id"]
    assert get(server, running, "busy").json()["status"] == "running"
    refused = httpx.delete(server.base_url("ark", "busy") + f"{TASKS}/{running}", headers=AUTH)
    assert refused.status_code == 400 and "running" in refused.json()["error"]["message"]

    done = create(server, "censor").json()["id"]
    assert wait_terminal(server, done, "censor")["status"] == "failed"
    censor_base = server.base_url("ark", "censor") + TASKS
    assert httpx.delete(f"{censor_base}/{done}", headers=AUTH).status_code == 200
    gone = get(server, done, "censor")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ResourceNotFound"
    listed = httpx.get(censor_base, params={"filter.task_ids": done}, headers=AUTH).json()
    assert listed == {"items": [], "total": 0}


def test_expiry_and_visibility_follow_the_clock(server: SimServer) -> None:
    ctx = server.context("ark", "parked")
    task_id = create(server, "parked", text_body(execution_expires_after=3600)).json()["id"]
    try:
        ctx.clock = lambda: time.time() + 3601
        assert get(server, task_id, "parked").json()["status"] == "expired"
        ctx.clock = lambda: time.time() + 8 * 86400  # past the 7-day window
        assert get(server, task_id, "parked").status_code == 404
    finally:
        ctx.clock = time.time


def test_list_filters_and_paging(server: SimServer) -> None:
    base = server.base_url("ark", "parked") + TASKS
    ids = [
        create(server, "parked", text_body(model=FAST if i % 2 else MODEL)).json()["id"]
        for i in range(4)
    ]
    fast_ids = {ids[1], ids[3]}
    by_model = httpx.get(base, params={"filter.model": FAST, "page_size": 500}, headers=AUTH).json()
    assert fast_ids <= {t["id"] for t in by_model["items"]}
    assert all(t["model"] == FAST for t in by_model["items"])
    picked = httpx.get(
        base, params=[("filter.task_ids", ids[0]), ("filter.task_ids", ids[2])], headers=AUTH
    ).json()
    assert picked["total"] == 2 and {t["id"] for t in picked["items"]} == {ids[0], ids[2]}
    queued = httpx.get(
        base, params={"filter.status": "queued", "page_size": 500}, headers=AUTH
    ).json()
    assert set(ids) <= {t["id"] for t in queued["items"]}
    assert httpx.get(base, params={"filter.status": "succeeded"}, headers=AUTH).json()["total"] == 0
    page = httpx.get(base, params={"page_num": 2, "page_size": 1}, headers=AUTH).json()
    assert len(page["items"]) == 1 and page["total"] >= 4
    for params in (
        {"page_size": 0},
        {"page_size": 501},
        {"page_num": 0},
        {"page_num": "x"},
        {"filter.status": "done"},
    ):
        bad = httpx.get(base, params=params, headers=AUTH)
        assert bad.status_code == 400, params
        assert bad.json()["error"]["type"] == "BadRequest"


def error_of(response: httpx.Response) -> dict[str, Any]:
    error = response.json()["error"]
    assert set(error) == {"code", "message", "param", "type"}
    assert error["message"].endswith(f"Request id: {response.headers['x-request-id']}")
    return error


def test_error_envelope_auth_and_model(server: SimServer) -> None:
    url = server.base_url("ark") + TASKS
    unauthorized = httpx.post(url, json=text_body(), headers={"Authorization": "Bearer wrong"})
    assert unauthorized.status_code == 401
    assert error_of(unauthorized)["code"] == "AuthenticationError"
    assert httpx.get(f"{url}/cgt-x").status_code == 401
    unknown = create(server, body=text_body(model="doubao-seedance-9-9"))
    assert (
        unknown.status_code == 404
        and error_of(unknown)["code"] == "InvalidEndpointOrModel.NotFound"
    )
    assert "x-request-id" in httpx.get(server.base_url("ark") + "/nowhere", headers=AUTH).headers


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        (text_body(model=FAST, resolution="1080p"), "resolution", "480p, 720p"),
        (text_body(model="doubao-seedance-2-0-mini-260615", resolution="1080p"), "resolution", ""),
        (text_body(camera_fixed=False), "camera_fixed", "not supported"),
        (text_body(frames=49), "frames", "not supported"),
        (text_body(duration=3), "duration", "4-15"),
        (text_body(duration=16), "duration", "4-15"),
        (text_body(duration="5"), "duration", "integer"),
        (text_body(service_tier="flex"), "service_tier", ""),
        (text_body(bogus=1), "bogus", "unknown"),
        (text_body(model="doubao-seedance-1-0-pro-250528", duration=13), "duration", "2-12"),
    ],
)
def test_strong_validation(
    server: SimServer, body: dict[str, Any], param: str, message: str
) -> None:
    response = create(server, "parked", body)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["param"], error["type"]) == (param, "BadRequest")
    assert message in error["message"]


def test_role_rules(server: SimServer) -> None:
    image = png_data_url(320, 320)
    cases = [
        ([image_item(image), image_item(image)], "role must be specified for image contents"),
        (
            [image_item(image, "first_frame"), image_item(image, "reference_image")],
            "cannot be mixed",
        ),
        ([image_item(image, "reference_image")] * 10, "at most 9 reference images"),
        (
            [
                {
                    "type": "audio_url",
                    "audio_url": {"url": "data:audio/wav;base64,UklGRg=="},
                    "role": "reference_audio",
                }
            ],
            "reference audio needs",
        ),
        ([image_item(image, "last_frame")], "requires a first_frame"),
        ([image_item(png_data_url(200, 200))], "300-6000"),
        (
            [
                {
                    "type": "video_url",
                    "video_url": {"url": "data:video/mp4;base64,AAAA"},
                    "role": "reference_video",
                }
            ],
            "base64",
        ),
    ]
    for items, message in cases:
        body = text_body()
        body["content"].extend(items)
        response = create(server, "parked", body)
        assert response.status_code == 400, message
        assert message in error_of(response)["message"]
    ok = text_body()
    ok["content"].extend([image_item(image, "reference_image")] * 9)
    ok["content"].append(
        {
            "type": "audio_url",
            "audio_url": {"url": "https://x.example/a.mp3"},
            "role": "reference_audio",
        }
    )
    assert create(server, "parked", ok).status_code == 200
    pair = text_body(duration=-1)
    pair["content"].extend([image_item(image, "first_frame"), image_item(image, "last_frame")])
    assert create(server, "parked", pair).status_code == 200


def test_text_commands_are_weakly_validated(server: SimServer) -> None:
    junk = create(server, "parked", text_body("a cat --rs 9000p --dur abc --wm maybe"))
    assert junk.status_code == 200
    task = get(server, junk.json()["id"], "parked").json()
    assert (task["resolution"], task["duration"]) == ("720p", 5)
    valid = create(server, "parked", text_body("a cat --rs 480p --dur 6 --rt 1:1"))
    task = get(server, valid.json()["id"], "parked").json()
    assert (task["resolution"], task["duration"], task["ratio"]) == ("480p", 6, "1:1")
    assert create(server, "parked", text_body(resolution="9000p")).status_code == 400


def test_moderation(server: SimServer) -> None:
    rejected = create(server, "parked", text_body("a river of BLOOD"))
    assert rejected.status_code == 400
    assert error_of(rejected)["code"] == "InputTextSensitiveContentDetected"
    task_id = create(server, "censor").json()["id"]
    body = wait_terminal(server, task_id, "censor")
    assert body["status"] == "failed"
    assert body["error"]["code"] == "OutputVideoSensitiveContentDetected"
    assert "usage" not in body and "content" not in body


def test_rate_limits(server: SimServer) -> None:
    codes = [create(server, "rpm2").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = create(server, "rpm2")
    assert error_of(limited)["code"] == "RateLimitExceeded.EndpointRPMExceeded"
    assert [create(server, "one").status_code for _ in range(2)] == [200, 429]
    # Another model on the same profile has its own limits.
    assert create(server, "one", text_body(model=FAST)).status_code == 200
    assert server.counters.count("ark", "rpm2", "create", 429) == 2


def test_video_url_expires_and_mp4_decodes(server: SimServer) -> None:
    task_id = create(server).json()["id"]
    body = wait_terminal(server, task_id)
    url = body["content"]["video_url"]
    video = httpx.get(url, timeout=60)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(video.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (864, 496)
        frames = sum(1 for _ in container.decode(video=0))
        assert frames == pytest.approx(4 * 24, abs=2)
    with av.open(io.BytesIO(video.content)) as container:
        assert len(container.streams.audio) == 1  # generate_audio defaults to true
    assert httpx.get(url.replace("sig=", "sig=f")).status_code == 403
    ctx = server.context("ark")
    ctx.clock = lambda: time.time() + 24 * 3600 + 5
    try:
        assert httpx.get(url).status_code == 403
    finally:
        ctx.clock = time.time


def test_adapter_end_to_end(server: SimServer) -> None:
    import asyncio

    from vidbench.adapters.ark.adapter import ArkAdapter
    from vidbench.core.seam.adapter import AdapterContext, Secret
    from vidbench.core.seam.http import build_client
    from vidbench.core.seam.types import GenerationRequest, TaskStatus

    async def scenario() -> tuple[Any, bytes, Any]:
        context = AdapterContext(
            provider_model=MODEL,
            base_url=server.base_url("ark", "steps"),
            secrets={"api_key": Secret(SIM_API_KEY, "ARK_API_KEY")},
        )
        request = GenerationRequest(
            job_id="j1", external_id="r-j1", provider_model=MODEL, text="a red ball bounces on grass",
            duration_s=4, ratio="16:9", resolution="480p", audio=True,
        )  # fmt: skip
        async with build_client() as client:
            adapter = ArkAdapter(context, client)
            submitted = await adapter.submit(request)
            state = await adapter.poll(submitted.task_id)
            while not state.status.terminal:
                await asyncio.sleep(0.05)
                state = await adapter.poll(submitted.task_id)
            spec = adapter.download_spec(submitted.task_id, state)
            data = (await client.get(spec.url, headers=spec.headers, timeout=60)).content
            return state, data, adapter.actual_cost(request, state)

    state, data, cost = asyncio.run(scenario())
    assert state.status is TaskStatus.SUCCEEDED
    assert state.tokens == 864 * 496 * 24 * 4 // 1024 and state.provider_duration_s == 4
    assert cost.native == pytest.approx(state.tokens / 1e6 * 46)
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.video[0].codec_context.width == 864


def test_faults_ambiguous_create_malformed_poll_truncated_download(server: SimServer) -> None:
    before = server.counters.created("ark", "broken")
    response = create(server, "broken")
    assert response.status_code == 500 and error_of(response)["code"] == "InternalServiceError"
    assert server.counters.created("ark", "broken") == before + 1  # created all the same
    (task,) = server.context("ark", "broken").tasks.values()
    garbled = get(server, task.id, "broken")
    assert garbled.status_code == 200
    with pytest.raises(ValueError):
        garbled.json()
    listed = httpx.get(server.base_url("ark", "broken") + TASKS, headers=AUTH).json()
    assert [t["id"] for t in listed["items"]] == [task.id]
    url = listed["items"][0]["content"]["video_url"]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url, timeout=60)
