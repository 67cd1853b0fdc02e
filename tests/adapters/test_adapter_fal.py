"""The fal.ai queue adapter: wire functions on plain data, the contract against its simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from provider_sim_helpers import (
    download_bytes,
    make_request,
    poll_until_terminal,
    run_with,
)

from vidbench.adapters import registry
from vidbench.adapters.fal import ADAPTER, wire
from vidbench.core.config.keyhosts import own_hosts
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter, AdapterContext, Secret
from vidbench.core.seam.types import ErrorKind, TaskStatus
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

FAST = "bytedance/seedance-2.0/fast/text-to-video"
BASE = "https://queue.fal.run"
DONE = {"queue_s": (0.0, 0.0), "run_s": (0.0, 0.0)}
PROFILES = {
    "quick": Profile("quick", "queued briefly, then runs", queue_s=(0.3, 0.0), run_s=(0.3, 0.0)),
    "parked": Profile("parked", "stays queued", queue_s=(10_000.0, 0.0)),
    "censor": Profile("censor", "outputs moderated", output_moderation_rate=1.0, **DONE),  # type: ignore[arg-type]
    "failing": Profile("failing", "every run fails", failure_rate=1.0, **DONE),  # type: ignore[arg-type]
    "lost": Profile("lost", "create answer cut", faults=Faults(create_drop_rate=1.0), **DONE),  # type: ignore[arg-type]
    "rpm1": Profile("rpm1", "one submit a minute", rpm_limit=1, queue_s=(1000.0, 0.0)),
}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="quick", profiles=PROFILES, seed=3) as srv:
        yield srv


# -- wire ------------------------------------------------------------------------------------


def test_input_json_sends_duration_as_fal_string_and_params_override() -> None:
    body = wire.input_json("a fox", 6, "9:16", "480p", True, 7, {})
    assert body == {
        "prompt": "a fox", "duration": "6", "resolution": "480p", "aspect_ratio": "9:16",
        "generate_audio": True, "seed": 7,
    }  # fmt: skip
    body = wire.input_json("a fox", 6, "2:1", "1080p", False, None, {"duration": 9})
    assert (body["duration"], body["aspect_ratio"], body["resolution"]) == ("9", "auto", "720p")


def test_task_id_is_the_returned_response_url_and_foreign_urls_are_refused() -> None:
    good = {
        "request_id": "r1",
        "response_url": f"{BASE}/bytedance/seedance-2.0/requests/r1",
        "status_url": f"{BASE}/bytedance/seedance-2.0/requests/r1/status",
        "cancel_url": f"{BASE}/bytedance/seedance-2.0/requests/r1/cancel",
    }
    assert wire.task_id_of(BASE, good) == "bytedance/seedance-2.0/requests/r1"
    for bad in (
        {**good, "response_url": "https://evil.example/bytedance/seedance-2.0/requests/r1"},
        {**good, "status_url": f"{BASE}/bytedance/seedance-2.0/fast/requests/r1/status"},
        {"request_id": "r1"},
    ):
        with pytest.raises(errors.TransientError):
            wire.task_id_of(BASE, bad)


def test_status_and_result_parsing() -> None:
    queued = wire.parse_status({"status": "IN_QUEUE", "queue_position": 3})
    assert (queued.status, queued.queue_position) == (TaskStatus.QUEUED, 3)
    assert wire.parse_status({"status": "IN_PROGRESS", "logs": None}).status is TaskStatus.RUNNING
    failed = wire.parse_status(
        {"status": "COMPLETED", "error": "gone", "error_type": "runner_disconnected"}
    )
    assert (failed.status, failed.error_kind) == (TaskStatus.FAILED, ErrorKind.TASK_FAILED)
    with pytest.raises(errors.TransientError):
        wire.parse_status({"status": "WAITING"})
    moderated = httpx.Response(
        422,
        json={"detail": [{"loc": ["body", "prompt"], "msg": "flagged", "type": "content_policy_violation"}]},
    )  # fmt: skip
    state = wire.parse_result(moderated)
    assert state is not None and state.status is TaskStatus.REJECTED
    assert wire.parse_result(httpx.Response(503, text="busy")) is None  # a plain 5xx: retried
    typed = httpx.Response(
        504, headers={"X-Fal-Error-Type": "request_timeout"}, json={"detail": "late"}
    )
    state = wire.parse_result(typed)
    assert state is not None and (state.status, state.error_kind) == (
        TaskStatus.FAILED,
        ErrorKind.TIMEOUT,
    )


def test_price_is_fal_token_formula_and_unknown_models_need_a_price() -> None:
    context = AdapterContext(
        provider_model=FAST, base_url=BASE, secrets={"api_key": Secret("k", "FAL_KEY")}
    )
    adapter = ADAPTER(context, None)
    cost = adapter.estimate_cost(make_request(FAST, duration_s=10))
    assert cost.usd == pytest.approx(2.4192) and cost.tokens == 216000  # $0.2419 / s at 720p
    other = ADAPTER(AdapterContext(provider_model="fal-ai/other", base_url=BASE), None)
    with pytest.raises(errors.UnsupportedRequest, match="usd_per_second"):
        other.estimate_cost(make_request("fal-ai/other"))
    assert ADAPTER.validate_params(FAST, {"duration": "auto", "aspect_ratio": "21:9"}) == []
    assert len(ADAPTER.validate_params(FAST, {"duration": "3", "fps": 30})) == 2


def test_registered_with_its_key_and_host() -> None:
    assert registry.get("fal") is ADAPTER and registry.simulator("fal") is not None
    assert ADAPTER.default_env == {"api_key": "FAL_KEY"}
    assert own_hosts("FAL_KEY") == {"https://queue.fal.run"}


# -- contract against the simulator ----------------------------------------------------------


def test_create_queue_position_poll_download_and_cost(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        request = make_request(FAST, duration_s=4, resolution="480p")
        submitted = await adapter.submit(request)
        assert submitted.task_id.startswith("bytedance/seedance-2.0/requests/")  # no subpath
        assert submitted.request_id and submitted.task_id.endswith(submitted.request_id)
        first = await adapter.poll(submitted.task_id)
        assert (first.status, first.queue_position) == (TaskStatus.QUEUED, 0)
        state = await poll_until_terminal(adapter, submitted.task_id)
        assert (
            state.status is TaskStatus.SUCCEEDED
            and state.provider_generation_s is not None
            and state.provider_generation_s > 0
        )
        video = await download_bytes(adapter, submitted.task_id, state)
        assert video[4:8] == b"ftyp"
        assert adapter.download_spec(submitted.task_id, state).headers == {}  # no key to the CDN
        cost = adapter.actual_cost(request, state)
        assert cost.usd == pytest.approx(adapter.estimate_cost(request).usd) and cost.usd > 0

    run_with(server, "fal", FAST, action)


def test_queue_positions_count_the_requests_ahead(server: SimServer) -> None:
    async def action(adapter: Adapter) -> list[int | None]:
        ids = [(await adapter.submit(make_request(FAST))).task_id for _ in range(3)]
        return [(await adapter.poll(task_id)).queue_position for task_id in ids]

    assert run_with(server, "fal", FAST, action, profile="parked") == [0, 1, 2]


@pytest.mark.parametrize(
    ("profile", "status", "kind"),
    [
        ("censor", TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
        ("failing", TaskStatus.FAILED, ErrorKind.TASK_FAILED),
    ],
)
def test_failed_requests_are_states_and_not_billed(
    server: SimServer, profile: str, status: TaskStatus, kind: ErrorKind
) -> None:
    async def action(adapter: Adapter) -> None:
        request = make_request(FAST)
        task_id = (await adapter.submit(request)).task_id
        state = await poll_until_terminal(adapter, task_id)
        assert (state.status, state.error_kind) == (status, kind)
        assert adapter.actual_cost(request, state).usd == 0.0

    run_with(server, "fal", FAST, action, profile=profile)


def test_refused_creates(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        with pytest.raises(errors.InvalidRequest, match="duration"):
            await adapter.submit(make_request(FAST, params={"duration": "3"}))
        with pytest.raises(errors.NotFound, match="not found"):
            await adapter.submit(make_request("fal-ai/no-such-model"))

    run_with(server, "fal", FAST, action)
    with pytest.raises(errors.AuthError):
        run_with(server, "fal", FAST, lambda a: a.submit(make_request(FAST)), secret_override={"api_key": "wrong"})  # fmt: skip

    async def twice(adapter: Adapter) -> None:
        await adapter.submit(make_request(FAST))
        with pytest.raises(errors.RateLimited):
            await adapter.submit(make_request(FAST))

    run_with(server, "fal", FAST, twice, profile="rpm1")


def test_lost_answer_cannot_be_reconciled(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        with pytest.raises(errors.TransientError):  # made (and to be billed); the answer cut
            await adapter.submit(make_request(FAST))
        with pytest.raises(NotImplementedError):
            await adapter.find_task(make_request(FAST))
        with pytest.raises(NotImplementedError, match="cannot list"):
            await adapter.list_recent_tasks(FAST, 0.0)
        await adapter.preflight()  # no list: a connection to base_url tells the endpoint is up

    run_with(server, "fal", FAST, action, profile="lost")
    assert server.context("fal", "lost").tasks  # the simulator did make the request


def test_cancel_removes_a_queued_request(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        task_id = (await adapter.submit(make_request(FAST))).task_id
        await adapter.cancel(task_id)
        state = await adapter.poll(task_id)
        assert state.status is TaskStatus.CANCELLED

    run_with(server, "fal", FAST, action, profile="parked")


def test_result_is_read_when_another_models_key_shares_text_with_its_url(
    server: SimServer,
) -> None:
    # A run with Veo on Vertex holds the simulator's service account as a key; its token_uri
    # is this server's URL, so redaction masks that URL in any text. The demo's fal jobs
    # read their result from a redacted copy and ended "result has no video URL".
    Secret(server.secret("vertex_veo", "service_account"), "GOOGLE_APPLICATION_CREDENTIALS")

    async def action(adapter: Adapter) -> None:
        task_id = (await adapter.submit(make_request(FAST, duration_s=4))).task_id
        state = await poll_until_terminal(adapter, task_id)
        assert state.status is TaskStatus.SUCCEEDED, state.detail
        assert state.video_url and state.video_url.startswith(server.url)
        assert (await download_bytes(adapter, task_id, state))[4:8] == b"ftyp"

    run_with(server, "fal", FAST, action)


def test_a_failed_result_echoing_the_key_is_redacted() -> None:
    key = "fal-test-key-0123456789abcdef"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json={"status": "COMPLETED"})
        return httpx.Response(500, json={"detail": f"bad key {key}"})

    async def poll() -> None:
        context = AdapterContext(
            provider_model=FAST, base_url=BASE, secrets={"api_key": Secret(key, "FAL_KEY")}
        )
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            with pytest.raises(errors.ProviderError) as caught:
                await ADAPTER(context, client).poll("bytedance/seedance-2.0/requests/r1")
        assert key not in str(caught.value) and key not in caught.value.body

    asyncio.run(poll())
