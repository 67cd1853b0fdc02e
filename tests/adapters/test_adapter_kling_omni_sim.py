"""kling-v3-omni against the Kling simulator over real HTTP: the adapter end to end, the
simulator's omni-video validation, Kling's documented error codes and the external_task_id
lookup after a lost create."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import jwt
import pytest
from PIL import Image
from provider_sim_helpers import download_bytes, make_request, poll_until_terminal, run_with

from vidbench.adapters.kling import omni
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import ErrorKind, GenerationInputs, TaskStatus
from vidbench.core.sim import SIM_ACCESS_KEY, SIM_SECRET_KEY
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

MODEL = "kling-v3-omni"
OMNI = "/v1/videos/omni-video"
CAR = "Shot 1: a yellow car on a road. Shot 2: close-up of the car wheel"
DONE = {"queue_s": (0.0, 0.0), "run_s": (0.0, 0.0)}
PROFILES = {
    "quick": Profile("quick", "done at once", **DONE),  # type: ignore[arg-type]
    "parked": Profile("parked", "stays queued", queue_s=(10_000.0, 0.0), concurrency_limit=1),
    "failing": Profile("failing", "every task fails", failure_rate=1.0, **DONE),  # type: ignore[arg-type]
    "censor": Profile("censor", "output moderated", output_moderation_rate=1.0, **DONE),  # type: ignore[arg-type]
    "rpm1": Profile("rpm1", "one create a minute", rpm_limit=1, **DONE),  # type: ignore[arg-type]
    "lost": Profile("lost", "5xx after creating", faults=Faults(create_5xx_rate=1.0), **DONE),  # type: ignore[arg-type]
}  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    settings = {"kling": {"render_scale": 0.05}}  # 1280x720 renders as 64x36
    with SimServer(default_profile="quick", profiles=PROFILES, settings=settings, seed=3) as srv:
        yield srv


def auth() -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": SIM_ACCESS_KEY, "exp": now + 1800, "nbf": now - 5}
    return {"Authorization": f"Bearer {jwt.encode(claims, SIM_SECRET_KEY, algorithm='HS256')}"}


def post(server: SimServer, body: dict[str, Any], profile: str | None = None) -> httpx.Response:
    return httpx.post(server.base_url("kling", profile) + OMNI, json=body, headers=auth())


def body(**extra: Any) -> dict[str, Any]:
    return {"model_name": MODEL, "prompt": "a red ball rolls", "duration": "3",
            "aspect_ratio": "16:9", **extra}  # fmt: skip


def png_b64(width: int = 640, height: int = 360) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def kling_code(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


# --- the adapter end to end --------------------------------------------------------------


def test_multi_shot_generation_end_to_end_with_billed_units(server: SimServer) -> None:
    request = make_request(
        MODEL, text=CAR, shots=2, duration_s=5, audio=True, external_id="run-omni-e2e"
    )

    async def action(adapter: Adapter) -> tuple[Any, ...]:
        submitted = await adapter.submit(request)
        state = await poll_until_terminal(adapter, submitted.task_id)
        video = await download_bytes(adapter, submitted.task_id, state)
        return submitted, state, video, adapter.actual_cost(request, state)

    submitted, state, video, cost = run_with(server, "kling", MODEL, action)
    assert submitted.task_id.startswith("omni:")
    assert state.status is TaskStatus.SUCCEEDED, state
    assert state.provider_duration_s == 5.0 and state.extra["final_unit_deduction"] == "6"
    assert cost.currency == "USD" and cost.usd == pytest.approx(5 * 0.168)  # 1.2 units/s
    task = server.context("kling").tasks[submitted.task_id.removeprefix("omni:")]
    assert task.spec.shots == 2 and task.spec.audio  # each requested shot rendered as a cut
    assert task.spec.prompt == "Shot 1: a yellow car on a road. Shot 2: close-up of the car wheel"
    with av.open(io.BytesIO(video)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (64, 36)
        assert stream.duration is not None and stream.time_base is not None
        assert float(stream.duration * stream.time_base) == pytest.approx(5.0, abs=0.1)


def test_first_frame_and_references_are_accepted_and_4k_renders_only_in_4k_mode(
    server: SimServer, tmp_path: Path
) -> None:
    paths = []
    for name, size in (("start.png", (360, 640)), ("girl.png", (400, 400))):
        Image.new("RGB", size, (10, 120, 200)).save(tmp_path / name)
        paths.append(tmp_path / name)
    inputs = GenerationInputs(first_frame=paths[0], reference_images=(paths[1],))
    request = make_request(
        MODEL, inputs=inputs, resolution="4k", duration_s=3, external_id="run-omni-4k"
    )

    async def action(adapter: Adapter) -> str:
        return (await adapter.submit(request)).task_id

    task_id = run_with(server, "kling", MODEL, action).removeprefix("omni:")
    task = server.context("kling").tasks[task_id]
    assert task.data["mode"] == "4k" and task.data["ratio"] == "9:16"  # from the first frame
    assert (task.spec.width, task.spec.height) == (108, 192)  # 2160x3840 at scale 0.05
    pro = post(server, body(mode="pro")).json()["data"]["task_id"]
    assert server.context("kling").tasks[pro].spec.height == 54  # 1080p, not 4k


def test_lost_create_is_found_by_external_task_id(server: SimServer) -> None:
    request = make_request(MODEL, external_id="run-omni-lost-1")

    async def action(adapter: Adapter) -> tuple[Any, ...]:
        with pytest.raises(errors.TransientError) as info:
            await adapter.submit(request)
        found = await adapter.find_task(request)
        other = await adapter.find_task(make_request(MODEL, external_id="never-sent"))
        state = await poll_until_terminal(adapter, found) if found else None
        return info.value, found, other, state

    error, found, other, state = run_with(server, "kling", MODEL, action, profile="lost")
    assert error.code == "5000"
    assert found is not None and found.startswith("omni:") and other is None
    assert state.status is TaskStatus.SUCCEEDED
    ids = [t.id for t in server.context("kling", "lost").tasks.values()
           if t.data.get("external_id") == "run-omni-lost-1"]  # fmt: skip
    assert found == f"omni:{ids[0]}" and len(ids) == 1  # looked up, not sent twice


@pytest.mark.parametrize(("profile", "status", "kind"), [
    ("failing", TaskStatus.FAILED, ErrorKind.TASK_FAILED),
    ("censor", TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
])  # fmt: skip
def test_failed_and_moderated_tasks(
    server: SimServer, profile: str, status: TaskStatus, kind: ErrorKind
) -> None:
    async def action(adapter: Adapter) -> Any:
        request = make_request(MODEL, external_id=f"run-omni-{profile}")
        return await poll_until_terminal(adapter, (await adapter.submit(request)).task_id)

    state = run_with(server, "kling", MODEL, action, profile=profile)
    assert (state.status, state.error_kind) == (status, kind)
    assert state.extra["final_unit_deduction"] == "0"


# --- documented error codes through the adapter ------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "profile", "secret", "error", "code"),
    [
        ({}, None, "SK-wrong-secret-of-sufficient-length-0000", errors.AuthError, "1002"),
        ({"params": {"duration": "16"}}, None, None, errors.InvalidRequest, "1201"),
        ({"params": {"mode": "ultra"}}, None, None, errors.InvalidRequest, "1201"),
        ({"shots": 2, "text": CAR, "params": {"multi_prompt": [
            {"prompt": "a", "duration": "1"}, {"prompt": "b", "duration": "1"}]}},
         None, None, errors.InvalidRequest, "1201"),
        ({"text": "blood on the floor"}, None, None, errors.ContentRejected, "1301"),
    ],
)  # fmt: skip
def test_documented_errors_through_the_adapter(
    server: SimServer,
    overrides: dict[str, Any],
    profile: str | None,
    secret: str | None,
    error: type[errors.ProviderError],
    code: str,
) -> None:
    request = make_request(MODEL, **{"external_id": f"err-{code}-{id(overrides)}", **overrides})

    async def action(adapter: Adapter) -> Any:
        return await adapter.submit(request)

    override = {"secret_key": secret} if secret else None
    with pytest.raises(error) as info:
        run_with(server, "kling", MODEL, action, profile=profile, secret_override=override)
    assert info.value.code == code and info.value.request_id


def test_rate_and_concurrency_limits(server: SimServer) -> None:
    async def twice(adapter: Adapter) -> Any:
        await adapter.submit(make_request(MODEL, external_id=f"lim-{id(adapter)}-1"))
        return await adapter.submit(make_request(MODEL, external_id=f"lim-{id(adapter)}-2"))

    for profile, code in (("rpm1", "1302"), ("parked", "1303")):
        with pytest.raises(errors.RateLimited) as info:
            run_with(server, "kling", MODEL, twice, profile=profile)
        assert info.value.code == code, profile


def test_unknown_task_is_1203(server: SimServer) -> None:
    async def action(adapter: Adapter) -> Any:
        return await adapter.poll("omni:123456789")

    with pytest.raises(errors.NotFound) as info:
        run_with(server, "kling", MODEL, action)
    assert info.value.code == "1203"


# --- the simulator's omni-video rules over raw HTTP --------------------------------------


@pytest.mark.parametrize(
    ("extra", "status_code"),
    [
        ({"model_name": "kling-v3"}, (404, 1203)),  # text2video's model is not an omni model
        ({"duration": "2"}, (400, 1201)),
        ({"duration": 5}, (400, 1201)),  # a number, not a string
        ({"mode": "8k"}, (400, 1201)),
        ({"sound": "yes"}, (400, 1201)),
        ({"aspect_ratio": "4:3"}, (400, 1201)),
        ({"prompt": ""}, (400, 1201)),
        ({"prompt": "x" * 2501}, (400, 1201)),
        ({"multi_shot": True, "shot_type": "auto"}, (400, 1201)),
        ({"multi_shot": True, "shot_type": "customize",
          "multi_prompt": [{"prompt": "a", "duration": "0"}, {"prompt": "b", "duration": "3"}]},
         (400, 1201)),  # a shot under a second
        ({"multi_shot": True, "shot_type": "customize", "duration": "7",
          "multi_prompt": [{"prompt": "a", "duration": "1"}] * 7}, (400, 1201)),
        ({"multi_shot": True, "shot_type": "customize", "duration": "5",
          "multi_prompt": [{"prompt": "a", "duration": "3"}, {"prompt": "b", "duration": "3"}]},
         (400, 1201)),
        ({"multi_shot": True, "shot_type": "customize",
          "multi_prompt": [{"prompt": "a" * 513, "duration": "3"}]}, (400, 1201)),
        ({"image_list": [{"image_url": "https://x.test/a.png"}] * 8}, (400, 1201)),
        ({"image_list": [{"image_url": "https://x.test/a.png"}] * 4,
          "element_list": [{"element_id": 1}] * 4}, (400, 1201)),
        ({"image_list": [{"image_url": "https://x.test/a.png", "type": "end_frame"}]},
         (400, 1201)),  # an end frame needs a first frame
        ({"image_list": [{"image_url": "data:image/png;base64,AAAA"}]}, (400, 1201)),
        ({"sound": "on", "video_list": [{"video_url": "https://x.test/v.mp4"}]}, (400, 1201)),
        ({"external_task_id": ""}, (400, 1201)),
    ],
)  # fmt: skip
def test_simulator_refuses_what_omni_video_refuses(
    server: SimServer, extra: dict[str, Any], status_code: tuple[int, int]
) -> None:
    answer = post(server, body(**extra))
    assert kling_code(answer) == status_code, answer.text
    assert answer.json()["message"] and "data" not in answer.json()


def test_simulator_frame_rules(server: SimServer) -> None:
    first = {"image_url": png_b64(), "type": "first_frame"}
    end = {"image_url": png_b64(), "type": "end_frame"}
    assert kling_code(post(server, body(image_list=[first]))) == (400, 1201)  # ratio + frame
    no_ratio = {k: v for k, v in body(image_list=[first, end]).items() if k != "aspect_ratio"}
    assert post(server, no_ratio).status_code == 200
    assert kling_code(post(server, body() | {"aspect_ratio": None})) == (400, 1201)  # required
    three = no_ratio | {"image_list": [first, end, {"image_url": png_b64()}]}
    assert kling_code(post(server, three)) == (400, 1201)  # an end frame with 3 images
    small = no_ratio | {"image_list": [{"image_url": png_b64(200, 200), "type": "first_frame"}]}
    assert kling_code(post(server, small)) == (400, 1201)  # < 300 px


def test_simulator_shot_counts_and_duplicate_external_id(server: SimServer) -> None:
    smart = post(server, body(prompt="a door. Shot 2: a hall. Shot 3: a window", multi_shot=True,
                              shot_type="intelligence")).json()["data"]  # fmt: skip
    assert server.context("kling").tasks[smart["task_id"]].spec.shots == 3
    custom = omni.shot_fields(make_request(MODEL, text=CAR, shots=2, duration_s=3))
    made = post(server, body(**custom, external_task_id="dup-omni")).json()["data"]
    assert server.context("kling").tasks[made["task_id"]].spec.shots == 2
    assert kling_code(post(server, body(external_task_id="dup-omni"))) == (400, 1201)
    by_external = httpx.get(server.base_url("kling") + f"{OMNI}/dup-omni", headers=auth())
    assert by_external.json()["data"]["task_id"] == made["task_id"]
    listed = httpx.get(server.base_url("kling") + OMNI, headers=auth()).json()["data"]
    assert made["task_id"] in {t["task_id"] for t in listed}
    t2v = httpx.get(server.base_url("kling") + f"/v1/videos/text2video/{made['task_id']}",
                    headers=auth())  # fmt: skip
    assert kling_code(t2v) == (404, 1203)  # a task is found under its own family only
