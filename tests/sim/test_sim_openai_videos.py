"""The OpenAI videos simulator over real HTTP, and the openai_videos adapter end to end against it."""

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

from vidbench.adapters.openai_videos import ADAPTER
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.types import GenerationInputs, GenerationRequest, TaskState, TaskStatus
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.media import render_size
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

SCALE = 0.05  # 1280x720 renders at 64x36: real MP4s, fast tests
AUTH = {"Authorization": f"Bearer {SIM_API_KEY}"}
PROFILES = {
    "cut": Profile(
        "cut",
        "every download truncated",
        queue_s=(0.0, 0.0),
        run_s=(0.02, 0.0),
        faults=Faults(truncated_download_rate=1.0),
    ),
    "tight": Profile(
        "tight", "two creates a minute", queue_s=(5.0, 0.0), run_s=(5.0, 0.0), rpm_limit=2
    ),
    "slow": Profile("slow", "long queue", queue_s=(30.0, 0.0), run_s=(30.0, 0.0)),
    "broken": Profile(
        "broken", "every task fails", queue_s=(0.0, 0.0), run_s=(0.02, 0.0), failure_rate=1.0
    ),
    "strict": Profile(
        "strict",
        "every output moderated",
        queue_s=(0.0, 0.0),
        run_s=(0.02, 0.0),
        output_moderation_rate=1.0,
    ),
}


@pytest.fixture(scope="module")
def server():
    settings = {"openai": {"render_scale": SCALE, "poll_after_ms": 40}}
    with SimServer(default_profile="instant", profiles=PROFILES, settings=settings) as srv:
        yield srv


def base(server: SimServer, profile: str | None = None) -> str:
    return server.base_url("openai_videos", profile)


def create(server: SimServer, profile: str | None = None, **fields: str) -> httpx.Response:
    form = {
        "model": "sora-2",
        "prompt": "a red ball bouncing",
        "seconds": "4",
        "size": "1280x720",
        **fields,
    }
    return httpx.post(
        f"{base(server, profile)}/videos",
        headers=AUTH,
        files={k: (None, v) for k, v in form.items()},
    )


def wait_done(server: SimServer, video_id: str, profile: str | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = httpx.get(f"{base(server, profile)}/videos/{video_id}", headers=AUTH).json()
        if body["status"] in ("completed", "failed"):
            return body  # type: ignore[no-any-return]
        time.sleep(0.02)
    raise AssertionError("video never finished")


def png_bytes(width_px: int, height_px: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width_px, height_px), (0, 0, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_lifecycle_and_video_object(server: SimServer) -> None:
    response = create(server, seconds="8", size="720x1280")
    assert response.status_code == 200 and response.headers["x-request-id"]
    video = response.json()
    assert video["id"].startswith("video_") and video["object"] == "video"
    assert (video["status"], video["progress"]) == ("queued", 0)
    assert (video["seconds"], video["size"], video["model"]) == ("8", "720x1280", "sora-2")
    retrieved = httpx.get(f"{base(server)}/videos/{video['id']}", headers=AUTH)
    assert retrieved.headers["openai-poll-after-ms"] == "40"
    done = wait_done(server, video["id"])
    assert done["status"] == "completed" and done["progress"] == 100 and done["error"] is None
    assert done["expires_at"] == done["completed_at"] + 86400
    assert done["created_at"] <= done["completed_at"]


def test_progress_rises_while_in_progress(server: SimServer) -> None:
    ctx = server.context("openai", "slow")
    video = create(server, "slow").json()
    start = time.time()
    ctx.clock = lambda: start + 40  # 10 s into a 30 s run
    first = httpx.get(f"{base(server, 'slow')}/videos/{video['id']}", headers=AUTH).json()
    ctx.clock = lambda: start + 55
    second = httpx.get(f"{base(server, 'slow')}/videos/{video['id']}", headers=AUTH).json()
    ctx.clock = time.time
    assert first["status"] == second["status"] == "in_progress"
    assert 0 < first["progress"] < second["progress"] < 100
    content = httpx.get(f"{base(server, 'slow')}/videos/{video['id']}/content", headers=AUTH)
    assert content.status_code == 404 and content.json()["error"]["code"] == "video_not_ready"


def test_json_create_and_string_enums(server: SimServer) -> None:
    ok = httpx.post(
        f"{base(server)}/videos",
        headers=AUTH,
        json={"model": "sora-2-pro", "prompt": "x", "seconds": "12", "size": "1792x1024"},
    )
    assert ok.status_code == 200 and ok.json()["size"] == "1792x1024"
    wrong_type = httpx.post(
        f"{base(server)}/videos", headers=AUTH, json={"prompt": "x", "seconds": 8}
    )
    assert wrong_type.status_code == 400
    assert wrong_type.json()["error"] == {
        "message": wrong_type.json()["error"]["message"],
        "type": "invalid_request_error",
        "param": "seconds",
        "code": "invalid_type",
    }


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"seconds": "5"}, "seconds"),
        ({"size": "640x480"}, "size"),
        ({"size": "1792x1024"}, "size"),
        ({"model": "sora-3"}, "model"),
        ({"prompt": ""}, "prompt"),
    ],
)
def test_bad_fields_are_400(server: SimServer, fields: dict[str, str], param: str) -> None:
    response = create(server, **fields)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param


def test_input_reference_must_match_size(server: SimServer) -> None:
    form = {"model": "sora-2", "prompt": "x", "seconds": "4", "size": "1280x720"}
    mismatch = httpx.post(
        f"{base(server)}/videos",
        headers=AUTH,
        data=form,
        files={"input_reference": ("a.png", png_bytes(640, 360), "image/png")},
    )
    assert mismatch.status_code == 400
    assert (
        mismatch.json()["error"]["message"]
        == "Inpaint image must match the requested width and height"
    )
    match = httpx.post(
        f"{base(server)}/videos",
        headers=AUTH,
        data=form,
        files={"input_reference": ("a.png", png_bytes(1280, 720), "image/png")},
    )
    assert match.status_code == 200
    as_string = create(server, input_reference="https://example.com/a.png")
    assert as_string.status_code == 400 and as_string.json()["error"]["code"] == "invalid_type"
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes(720, 1280)).decode()
    as_json = httpx.post(
        f"{base(server)}/videos",
        headers=AUTH,
        json={"prompt": "x", "size": "720x1280", "input_reference": {"image_url": data_url}},
    )
    assert as_json.status_code == 200


def test_auth_and_moderation(server: SimServer) -> None:
    assert (
        httpx.get(f"{base(server)}/videos", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert httpx.get(f"{base(server)}/videos").json()["error"]["code"] == "invalid_api_key"
    blocked = create(server, prompt="a scene full of gore")
    assert blocked.status_code == 400 and blocked.json()["error"]["code"] == "moderation_blocked"


def test_failed_and_moderated_outcomes(server: SimServer) -> None:
    failed = wait_done(server, create(server, "broken").json()["id"], "broken")
    assert failed["status"] == "failed" and failed["error"]["code"] == "internal_error"
    moderated = wait_done(server, create(server, "strict").json()["id"], "strict")
    assert moderated["status"] == "failed" and moderated["error"]["code"] == "moderation_blocked"


def test_list_pagination_and_delete(server: SimServer) -> None:
    ids = [create(server, "default").json()["id"] for _ in range(3)]
    url = f"{base(server, 'default')}/videos"
    page = httpx.get(url, headers=AUTH, params={"limit": 2, "order": "asc"}).json()
    assert (
        page["object"] == "list" and [v["id"] for v in page["data"]] == ids[:2] and page["has_more"]
    )
    assert (page["first_id"], page["last_id"]) == (ids[0], ids[1])
    rest = httpx.get(url, headers=AUTH, params={"limit": 2, "order": "asc", "after": ids[1]}).json()
    assert [v["id"] for v in rest["data"]] == ids[2:] and not rest["has_more"]
    newest = httpx.get(url, headers=AUTH, params={"limit": 1}).json()
    assert newest["data"][0]["id"] == ids[-1]
    assert httpx.get(url, headers=AUTH, params={"limit": 101}).status_code == 400
    deleted = httpx.delete(f"{url}/{ids[0]}", headers=AUTH).json()
    assert deleted == {"id": ids[0], "object": "video.deleted", "deleted": True}
    assert httpx.get(f"{url}/{ids[0]}", headers=AUTH).status_code == 404


def test_rate_limit_headers(server: SimServer) -> None:
    assert create(server, "tight").status_code == 200
    assert create(server, "tight").status_code == 200
    limited = create(server, "tight")
    assert limited.status_code == 429
    assert limited.headers["retry-after-ms"] == "2000" and limited.headers["retry-after"] == "2"
    assert limited.headers["x-ratelimit-limit-requests"] == "2"
    assert limited.headers["x-ratelimit-remaining-requests"] == "0"
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"


def test_content_variants_and_expiry(server: SimServer) -> None:
    video = wait_done(server, create(server).json()["id"])
    url = f"{base(server)}/videos/{video['id']}/content"
    mp4 = httpx.get(url, headers=AUTH)
    assert mp4.status_code == 200 and mp4.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(mp4.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == render_size(
            1280, 720, SCALE
        )
        assert container.streams.audio, "Sora always renders audio"
    for variant in ("thumbnail", "spritesheet"):
        image = httpx.get(url, headers=AUTH, params={"variant": variant})
        assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(image.content)).format == "WEBP"
    assert httpx.get(url, headers=AUTH, params={"variant": "gif"}).status_code == 400
    ctx = server.context("openai", "instant")
    ctx.clock = lambda: time.time() + 24 * 3600 + 60
    try:
        gone = httpx.get(url, headers=AUTH)
    finally:
        ctx.clock = time.time
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "video_expired"


def test_shutdown_mode_refuses_everything() -> None:
    with SimServer(default_profile="instant", settings={"openai": {"shutdown": True}}) as srv:
        root = srv.base_url("openai_videos")
        for method, path in (
            ("POST", "/videos"),
            ("GET", "/videos"),
            ("GET", "/videos/video_1"),
            ("DELETE", "/videos/video_1"),
            ("GET", "/videos/video_1/content"),
        ):
            response = httpx.request(method, f"{root}{path}", headers=AUTH)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "model_not_found"
            assert "shut down" in response.json()["error"]["message"]

        async def submit() -> None:
            async with httpx.AsyncClient() as client:
                await make_adapter(root, client).submit(make_request())

        with pytest.raises(errors.ModelGone) as caught:
            asyncio.run(submit())
        assert "OpenAI-compatible gateway" in str(caught.value) and SIM_API_KEY not in str(
            caught.value
        )


# -- the adapter end to end ------------------------------------------------------------------


def make_adapter(base_url: str, client: httpx.AsyncClient) -> Any:
    context = AdapterContext(
        provider_model="sora-2",
        base_url=base_url,
        secrets={"api_key": Secret(SIM_API_KEY, "OPENAI_API_KEY")},
    )
    return ADAPTER(context, client)


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "r-j",
        "provider_model": "sora-2",
        "text": "a yellow kite over the sea",
        "duration_s": 4,
        "ratio": "9:16",
        "resolution": "720p",
    }
    return GenerationRequest(**{**fields, **overrides})


async def run_to_end(adapter: Any, request: GenerationRequest) -> tuple[str, TaskState]:
    """Submit, then poll at the provider's hinted interval until the task ends."""
    task_id = (await adapter.submit(request)).task_id
    for _ in range(500):
        state = await adapter.poll(task_id)
        if state.status.terminal:
            return task_id, state
        await asyncio.sleep(state.poll_after_s or 0.02)
    raise AssertionError("task never finished")


def test_adapter_end_to_end(server: SimServer, tmp_path: Path) -> None:
    frame = tmp_path / "first.png"
    Image.new("RGB", (100, 100), (250, 200, 0)).save(frame)  # not 720x1280: the adapter must fit it
    request = make_request(inputs=GenerationInputs(first_frame=frame))

    async def scenario() -> tuple[Any, TaskState, httpx.Response]:
        async with httpx.AsyncClient() as client:
            adapter = make_adapter(base(server), client)
            task_id, state = await run_to_end(adapter, request)
            spec = adapter.download_spec(task_id, state)
            return adapter, state, await client.get(spec.url, headers=spec.headers)

    adapter, state, video = asyncio.run(scenario())
    assert state.status is TaskStatus.SUCCEEDED and state.provider_duration_s == 4.0
    assert state.poll_after_s == pytest.approx(0.04)
    assert video.status_code == 200
    with av.open(io.BytesIO(video.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == render_size(
            720, 1280, SCALE
        )
        assert float(container.duration or 0) / av.time_base == pytest.approx(4.0, abs=0.15)
        assert container.streams.audio
    assert adapter.actual_cost(request, state).usd == pytest.approx(0.40)


def test_adapter_maps_simulated_outcomes(server: SimServer) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            _, state = await run_to_end(
                make_adapter(base(server, "strict"), client), make_request()
            )
            assert state.status is TaskStatus.REJECTED
            _, state = await run_to_end(
                make_adapter(base(server, "broken"), client), make_request()
            )
            assert state.status is TaskStatus.FAILED
            adapter = make_adapter(base(server), client)
            with pytest.raises(errors.InvalidRequest):
                await adapter.submit(make_request(params={"size": "640x480"}))
            with pytest.raises(errors.ContentRejected):
                await adapter.submit(make_request(text="gore everywhere"))
            with pytest.raises(errors.NotFound):
                await adapter.poll("video_does_not_exist")

    asyncio.run(scenario())


def test_adapter_full_size_video(tmp_path: Path) -> None:
    """One unscaled render: the MP4 has exactly the requested size and duration (~3 s of CPU)."""

    async def scenario(root: str) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            adapter = make_adapter(root, client)
            task_id, state = await run_to_end(adapter, make_request(ratio="16:9"))
            assert state.status is TaskStatus.SUCCEEDED
            spec = adapter.download_spec(task_id, state)
            return await client.get(spec.url, headers=spec.headers, timeout=60)

    with SimServer(default_profile="instant") as srv:
        video = asyncio.run(scenario(srv.base_url("openai_videos")))
    path = tmp_path / "sora.mp4"
    path.write_bytes(video.content)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        assert float(container.duration or 0) / av.time_base == pytest.approx(4.0, abs=0.1)
        assert sum(1 for _ in container.decode(video=0)) == 4 * 24


def test_truncated_download_fault(server: SimServer) -> None:
    video = wait_done(server, create(server, "cut").json()["id"], "cut")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{base(server, 'cut')}/videos/{video['id']}/content", headers=AUTH)
