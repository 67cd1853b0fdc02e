"""The Replicate predictions adapter: wire functions, and the contract against its simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from provider_sim_helpers import download_bytes, make_request, poll_until_terminal, run_with

from vidbench.adapters.replicate import ADAPTER, wire
from vidbench.core.config.keyhosts import own_hosts
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter, AdapterContext
from vidbench.core.seam.types import ErrorKind, TaskStatus
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

MODEL = "bytedance/seedance-2.0"
PRICE = {"usd_per_second": 0.1}  # a test's own rate: no list price is bundled
DONE = {"queue_s": (0.0, 0.0), "run_s": (0.0, 0.0)}
PROFILES = {
    "quick": Profile("quick", "queued, then runs", queue_s=(0.3, 0.0), run_s=(0.3, 0.0)),
    "parked": Profile("parked", "stays queued", queue_s=(10_000.0, 0.0)),
    "censor": Profile("censor", "outputs moderated", output_moderation_rate=1.0, **DONE),  # type: ignore[arg-type]
    "lost": Profile("lost", "create answer cut", faults=Faults(create_drop_rate=1.0), **DONE),  # type: ignore[arg-type]
}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="quick", profiles=PROFILES, seed=4) as srv:
        yield srv


def priced(adapter: Adapter) -> Adapter:
    adapter.context.price_override.update(PRICE)
    return adapter


def test_wire_statuses_times_and_deadline() -> None:
    body = {"status": "succeeded", "output": "https://replicate.delivery/x.mp4",
            "created_at": "2026-12-01T10:00:00.000Z", "started_at": "2026-12-01T10:00:12.5Z",
            "metrics": {"predict_time": 40.0}}  # fmt: skip
    state = wire.parse_prediction(body)
    assert (state.status, state.provider_queue_s, state.extra["predict_time_s"]) == (TaskStatus.SUCCEEDED, 12.5, 40.0)  # fmt: skip
    aborted = wire.parse_prediction({"status": "aborted"})
    assert (aborted.status, aborted.error_kind) == (TaskStatus.EXPIRED, ErrorKind.TIMEOUT)
    gone = wire.parse_prediction({"status": "succeeded", "output": None, "data_removed": True})
    assert gone.status is TaskStatus.EXPIRED and "hour" in (gone.detail or "")
    flagged = wire.parse_prediction({"status": "failed", "error": "flagged as sensitive (E005)"})
    assert flagged.status is TaskStatus.REJECTED
    assert wire.create_headers("t", {})["Cancel-After"] == "30m"
    assert wire.create_headers("t", {"cancel_after": "5m"})["Cancel-After"] == "5m"


def test_price_must_be_configured_and_canceled_after_start_is_billed() -> None:
    adapter = ADAPTER(AdapterContext(provider_model=MODEL, base_url=wire.DEFAULT_BASE_URL), None)
    with pytest.raises(errors.UnsupportedRequest, match="usd_per_second"):
        adapter.estimate_cost(make_request(MODEL))
    priced(adapter)
    assert adapter.estimate_cost(make_request(MODEL, duration_s=8)).usd == pytest.approx(0.8)
    canceled = wire.parse_prediction({"status": "canceled", "started_at": "2026-12-01T10:00:00Z"})
    assert adapter.actual_cost(make_request(MODEL), canceled).usd == pytest.approx(0.5)
    assert adapter.actual_cost(make_request(MODEL), wire.parse_prediction({"status": "aborted"})).usd == 0  # fmt: skip
    assert own_hosts("REPLICATE_API_TOKEN") == {"https://api.replicate.com"}


def test_create_poll_queue_time_download_and_list(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        request = make_request(MODEL, duration_s=4, resolution="480p")
        task_id = (await priced(adapter).submit(request)).task_id
        first = await adapter.poll(task_id)
        assert first.status is TaskStatus.QUEUED and first.raw_status == "starting"
        state = await poll_until_terminal(adapter, task_id)
        assert state.status is TaskStatus.SUCCEEDED
        assert state.provider_queue_s == pytest.approx(0.3, abs=0.01)
        assert (await download_bytes(adapter, task_id, state))[4:8] == b"ftyp"
        assert adapter.actual_cost(request, state).usd == pytest.approx(0.4)
        listed = await adapter.list_recent_tasks(MODEL, 0.0)
        assert task_id in {t.task_id for t in listed}
        assert next(t for t in listed if t.task_id == task_id).facts == adapter.task_facts(request)

    run_with(server, "replicate", MODEL, action)


def test_deadline_aborts_a_prediction_that_never_started(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        task_id = (await adapter.submit(make_request(MODEL, params={"cancel_after": "1s"}))).task_id
        assert (await adapter.poll(task_id)).status is TaskStatus.QUEUED
        server.context("replicate", "parked").clock = lambda: 4e9  # far past the deadline
        state = await adapter.poll(task_id)
        assert (state.status, state.raw_status) == (TaskStatus.EXPIRED, "aborted")
        assert adapter.actual_cost(make_request(MODEL), state).usd == 0

    try:
        run_with(server, "replicate", MODEL, lambda a: action(priced(a)), profile="parked")
    finally:
        server.context("replicate", "parked").clock = time.time


def test_refusals_moderation_and_lost_answer(server: SimServer) -> None:
    async def refused(adapter: Adapter) -> None:
        with pytest.raises(errors.InvalidRequest, match="duration"):
            await adapter.submit(make_request(MODEL, params={"duration": 3}))
        with pytest.raises(errors.NotFound):
            await adapter.submit(make_request("openai/no-such-model"))

    run_with(server, "replicate", MODEL, refused)
    with pytest.raises(errors.AuthError):
        run_with(server, "replicate", MODEL, lambda a: a.submit(make_request(MODEL)), secret_override={"api_key": "x"})  # fmt: skip

    async def moderated(adapter: Adapter) -> None:
        state = await poll_until_terminal(
            adapter, (await adapter.submit(make_request(MODEL))).task_id
        )
        assert (state.status, state.error_kind) == (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED)

    run_with(server, "replicate", MODEL, moderated, profile="censor")

    async def lost(adapter: Adapter) -> None:
        request = make_request(MODEL, text="a lost answer")
        with pytest.raises(errors.TransientError):
            await adapter.submit(request)
        found = await adapter.list_recent_tasks(MODEL, 0.0)  # reconciliation finds it
        assert [t.facts for t in found] == [adapter.task_facts(request)]

    run_with(server, "replicate", MODEL, lost, profile="lost")
