"""The Kling simulator over real HTTP, and the Kling adapter end to end against it."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import jwt
import pytest

from vidbench.adapters.kling.adapter import KlingAdapter
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.http import build_client
from vidbench.core.seam.types import GenerationInputs, GenerationRequest, TaskState, TaskStatus
from vidbench.core.sim import SIM_ACCESS_KEY, SIM_SECRET_KEY
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

ASSETS = Path(__file__).resolve().parents[2] / "prompts" / "assets"
SCALE = 0.05  # 1280x720 renders as 64x36: real MP4s, small enough for fast tests
SLOW = {"queue_s": (10.0, 0.0), "run_s": (10.0, 0.0)}
PROFILES = {
    "kling-steps": Profile("kling-steps", "stepped by a fake clock", **SLOW),  # type: ignore[arg-type]
    "kling-one-slot": Profile("kling-one-slot", "one slot", concurrency_limit=1, **SLOW),  # type: ignore[arg-type]
    "kling-failing": Profile("kling-failing", "always fails", queue_s=(0.0, 0.0), run_s=(0.0, 0.0),
                             failure_rate=1.0),
    "kling-ambiguous": Profile("kling-ambiguous", "5xx after creating", queue_s=(0.0, 0.0),
                               run_s=(0.0, 0.0), faults=Faults(create_5xx_rate=1.0)),
    "kling-unsafe": Profile("kling-unsafe", "output moderation", queue_s=(0.0, 0.0),
                            run_s=(0.0, 0.0), output_moderation_rate=1.0),
}  # fmt: skip


class FakeClock:
    """A clock tests move forward; starts at the real time so tokens stay comparable."""

    def __init__(self) -> None:
        self.now_s = time.time()

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    settings = {"kling": {"render_scale": SCALE}}
    with SimServer(default_profile="instant", profiles=PROFILES, settings=settings) as srv:
        yield srv


def token(now_s: float | None = None, *, secret: str = SIM_SECRET_KEY, iss: str = SIM_ACCESS_KEY,
          **claims: Any) -> str:  # fmt: skip
    now = int(time.time() if now_s is None else now_s)
    payload = {"iss": iss, "exp": now + 1800, "nbf": now - 5, **claims}
    return jwt.encode(payload, secret, algorithm="HS256", headers={"typ": "JWT"})


def auth(now_s: float | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(now_s)}"}


def url(server: SimServer, path: str, profile: str | None = None) -> str:
    return server.base_url("kling", profile) + path


T2V = "/v1/videos/text2video"
I2V = "/v1/videos/image2video"


def t2v_body(**extra: Any) -> dict[str, Any]:
    return {"model_name": "kling-v3", "prompt": "a red ball rolls", "duration": "3", **extra}


def assert_error(response: httpx.Response, status: int, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["message"] and body["request_id"]
    assert "data" not in body


def test_lifecycle_statuses_timestamps_and_units(server: SimServer) -> None:
    clock = FakeClock()
    server.context("kling", "kling-steps").clock = clock
    create = httpx.post(url(server, T2V, "kling-steps"), json=t2v_body(external_task_id="life-1"),
                        headers=auth(clock.now_s))  # fmt: skip
    assert create.status_code == 200
    envelope = create.json()
    assert (envelope["code"], envelope["message"]) == (0, "SUCCEED") and envelope["request_id"]
    data = envelope["data"]
    assert data["task_status"] == "submitted" and data["task_id"].isdigit()
    assert data["task_info"] == {"external_task_id": "life-1"}
    assert abs(data["created_at"] - clock.now_s * 1000) < 2000  # milliseconds

    def get() -> dict[str, Any]:
        response = httpx.get(url(server, f"{T2V}/{data['task_id']}", "kling-steps"),
                             headers=auth(clock.now_s))  # fmt: skip
        assert response.status_code == 200
        return response.json()["data"]  # type: ignore[no-any-return]

    assert get()["task_status"] == "submitted" and "final_unit_deduction" not in get()
    clock.now_s += 15.0
    running = get()
    assert running["task_status"] == "processing" and running["updated_at"] > running["created_at"]
    clock.now_s += 10.0
    done = get()
    assert done["task_status"] == "succeed"
    video = done["task_result"]["videos"][0]
    assert video["duration"] == "3" and video["url"].startswith(server.url + "/files/")
    assert "watermark_url" not in video
    expires_s = int(httpx.URL(video["url"]).params["expires"])
    # Kept 30 days. (No pytest.approx here: it peeks at a numpy a render thread may be importing.)
    finished_s = data["created_at"] / 1000 + 20.0  # queued 10 s, ran 10 s
    assert abs(expires_s - (finished_s + 30 * 24 * 3600)) < 2
    assert done["final_unit_deduction"] == "1.8"  # kling-v3 std silent: 0.6 units/s × 3 s


def test_failed_and_moderated_tasks(server: SimServer) -> None:
    for profile, needle in (("kling-failing", "internal"), ("kling-unsafe", "safety")):
        create = httpx.post(url(server, T2V, profile), json=t2v_body(), headers=auth())
        task_id = create.json()["data"]["task_id"]
        data = httpx.get(url(server, f"{T2V}/{task_id}", profile), headers=auth()).json()["data"]
        assert data["task_status"] == "failed" and needle in data["task_status_msg"]
        assert data["final_unit_deduction"] == "0" and "task_result" not in data


def test_auth_errors(server: SimServer) -> None:
    now = time.time()
    cases: list[tuple[dict[str, str], int]] = [
        ({}, 1001),
        ({"Authorization": ""}, 1001),
        ({"Authorization": f"Token {token()}"}, 1002),
        ({"Authorization": f"Bearer {token(secret='not-the-secret-but-long-enough-xx')}"}, 1002),
        ({"Authorization": f"Bearer {token(iss='someone-else')}"}, 1002),
        ({"Authorization": f"Bearer {token(now + 600)}"}, 1003),  # nbf in the future
        ({"Authorization": f"Bearer {token(now - 3600)}"}, 1004),  # exp in the past
    ]
    for headers, code in cases:
        assert_error(httpx.post(url(server, T2V), json=t2v_body(), headers=headers), 401, code)
        assert_error(httpx.get(url(server, f"{T2V}/123"), headers=headers), 401, code)


def test_concurrency_limit_then_success_after_a_task_ends(server: SimServer) -> None:
    clock = FakeClock()
    server.context("kling", "kling-one-slot").clock = clock
    first = httpx.post(
        url(server, T2V, "kling-one-slot"), json=t2v_body(), headers=auth(clock.now_s)
    )
    assert first.status_code == 200
    # The slot is account-wide: the other family is refused too.
    for path, body in ((T2V, t2v_body()), (I2V, {"image": "https://cdn.test/a.png"})):
        refused = httpx.post(
            url(server, path, "kling-one-slot"), json=body, headers=auth(clock.now_s)
        )
        assert_error(refused, 429, 1303)
    for _ in range(5):  # queries are never limited
        task_id = first.json()["data"]["task_id"]
        got = httpx.get(
            url(server, f"{T2V}/{task_id}", "kling-one-slot"), headers=auth(clock.now_s)
        )
        assert got.status_code == 200
    clock.now_s += 25.0
    again = httpx.post(
        url(server, T2V, "kling-one-slot"), json=t2v_body(), headers=auth(clock.now_s)
    )
    assert again.status_code == 200


def test_external_id_lookup_and_uniqueness(server: SimServer) -> None:
    body = t2v_body(external_task_id="ext-unique-1")
    created = httpx.post(url(server, T2V), json=body, headers=auth()).json()["data"]
    by_external = httpx.get(url(server, f"{T2V}/ext-unique-1"), headers=auth())
    assert by_external.json()["data"]["task_id"] == created["task_id"]
    assert_error(httpx.post(url(server, T2V), json=body, headers=auth()), 400, 1201)
    assert_error(httpx.get(url(server, f"{I2V}/ext-unique-1"), headers=auth()), 404, 1203)
    assert_error(httpx.get(url(server, f"{T2V}/no-such-task"), headers=auth()), 404, 1203)


def test_create_validation(server: SimServer) -> None:
    png = (ASSETS / "frames" / "ball_start.png").read_bytes()
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    bad_requests = [
        (I2V, {"model_name": "kling-v3", "duration": "5", "image": data_url}, 400, 1201),
        (
            I2V,
            {"model_name": "kling-v3", "image": base64.b64encode(b"not an image").decode()},
            400,
            1201,
        ),
        (I2V, {"model_name": "kling-v3", "prompt": "x"}, 400, 1201),
        (T2V, t2v_body(duration="7", model_name="kling-v2-6"), 400, 1201),
        (T2V, t2v_body(duration=5), 400, 1201),  # duration must be a string
        (T2V, t2v_body(mode="ultra"), 400, 1201),
        (T2V, t2v_body(aspect_ratio="4:3"), 400, 1201),
        (T2V, t2v_body(model_name="kling-v2-6", sound="on", mode="std", duration="5"), 400, 1201),
        (T2V, t2v_body(model_name="kling-v9"), 404, 1203),
        (T2V, t2v_body(prompt="a scene full of gore"), 400, 1301),
    ]
    for path, body, status, code in bad_requests:
        assert_error(httpx.post(url(server, path), json=body, headers=auth()), status, code)
    assert_error(httpx.delete(url(server, T2V), headers=auth()), 404, 1202)


def test_list_paging_bounds(server: SimServer) -> None:
    ids = [httpx.post(url(server, T2V), json=t2v_body(), headers=auth()).json()["data"]["task_id"]
           for _ in range(3)]  # fmt: skip
    listed = httpx.get(url(server, T2V), params={"pageNum": 1, "pageSize": 2}, headers=auth())
    assert listed.status_code == 200
    assert [t["task_id"] for t in listed.json()["data"]] == ids[::-1][:2]
    for params in ({"pageSize": 0}, {"pageSize": 501}, {"pageNum": 1001}, {"pageNum": "x"}):
        assert_error(httpx.get(url(server, T2V), params=params, headers=auth()), 400, 1201)


def make_adapter(
    server: SimServer, model: str, client: httpx.AsyncClient, profile: str | None = None
) -> KlingAdapter:
    context = AdapterContext(
        provider_model=model,
        base_url=server.base_url("kling", profile),
        secrets={"access_key": Secret(SIM_ACCESS_KEY, "KLING_ACCESS_KEY"),
                 "secret_key": Secret(SIM_SECRET_KEY, "KLING_SECRET_KEY")},
    )  # fmt: skip
    return KlingAdapter(context, client)


async def run_job(
    server: SimServer, request: GenerationRequest, out: Path
) -> tuple[str, TaskState]:
    async with build_client() as client:
        adapter = make_adapter(server, request.provider_model, client)
        submitted = await adapter.submit(request)
        assert await adapter.find_task(request) == submitted.task_id
        state = await adapter.poll(submitted.task_id)
        for _ in range(200):
            if state.status.terminal:
                break
            await asyncio.sleep(0.02)
            state = await adapter.poll(submitted.task_id)
        assert state.status is TaskStatus.SUCCEEDED, state
        spec = adapter.download_spec(submitted.task_id, state)
        response = await client.get(spec.url, headers=spec.headers)
        assert response.status_code == 200
        out.write_bytes(response.content)
        assert adapter.actual_cost(request, state).usd == pytest.approx(
            adapter.estimate_cost(request).usd
        )
        return submitted.task_id, state


def probe(path: Path) -> tuple[int, int, float, int, bool]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        has_audio = bool(container.streams.audio)
        return (
            stream.width,
            stream.height,
            frames / float(stream.average_rate),
            int(stream.average_rate),
            has_audio,
        )


def test_adapter_end_to_end_text2video_with_sound(server: SimServer, tmp_path: Path) -> None:
    request = GenerationRequest(job_id="j1", external_id="e2e-t2v-1", provider_model="kling-v3",
                                text="a red ball rolls on grass", duration_s=3, ratio="9:16",
                                resolution="720p", audio=True)  # fmt: skip
    task_id, state = asyncio.run(run_job(server, request, tmp_path / "t2v.mp4"))
    assert task_id.startswith("t2v:") and state.extra["final_unit_deduction"] == "2.7"
    width, height, duration_s, fps, has_audio = probe(tmp_path / "t2v.mp4")
    assert (width, height) == (round(720 * SCALE / 2) * 2, round(1280 * SCALE / 2) * 2)
    assert duration_s == pytest.approx(3.0, abs=0.05) and fps == 24 and has_audio


def test_adapter_end_to_end_image2video_and_missing_lookup(
    server: SimServer, tmp_path: Path
) -> None:
    inputs = GenerationInputs(first_frame=ASSETS / "frames" / "ball_start.png",
                              last_frame=ASSETS / "frames" / "ball_end.png")  # fmt: skip
    request = GenerationRequest(job_id="j2", external_id="e2e-i2v-1", provider_model="kling-v2-5-turbo",
                                text="the ball bounces", duration_s=5, ratio="16:9",
                                resolution="1080p", inputs=inputs)  # fmt: skip
    task_id, _ = asyncio.run(run_job(server, request, tmp_path / "i2v.mp4"))
    assert task_id.startswith("i2v:")
    width, height, duration_s, _, has_audio = probe(tmp_path / "i2v.mp4")
    assert (width, height) == (round(1920 * SCALE / 2) * 2, round(1080 * SCALE / 2) * 2)
    assert duration_s == pytest.approx(5.0, abs=0.05) and not has_audio

    async def lookup() -> str | None:
        async with build_client() as client:
            adapter = make_adapter(server, "kling-v3", client)
            return await adapter.find_task(
                GenerationRequest(
                    job_id="j3",
                    external_id="never-sent",
                    provider_model="kling-v3",
                    text="x",
                    duration_s=5,
                    ratio="16:9",
                )  # fmt: skip
            )

    assert asyncio.run(lookup()) is None
    assert server.counters.count(provider="kling", operation="create", status=200) >= 2
    assert server.counters.count(provider="kling", operation="get", status=404) >= 1


def test_ambiguous_create_is_found_by_external_id(server: SimServer) -> None:
    request = GenerationRequest(job_id="j4", external_id="ambiguous-1", provider_model="kling-v3",
                                text="a kite", duration_s=5, ratio="16:9")  # fmt: skip

    async def scenario() -> tuple[errors.ProviderError, str | None]:
        async with build_client() as client:
            adapter = make_adapter(server, "kling-v3", client, "kling-ambiguous")
            with pytest.raises(errors.TransientError) as info:
                await adapter.submit(request)
            return info.value, await adapter.find_task(request)

    exc, found = asyncio.run(scenario())
    assert exc.code == "5000" and exc.request_id
    tasks = server.context("kling", "kling-ambiguous").tasks
    assert found is not None and found.startswith("t2v:") and found[4:] in tasks
