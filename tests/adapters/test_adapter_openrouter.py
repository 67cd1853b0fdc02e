"""The OpenRouter videos adapter: wire functions, and the contract against its simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from provider_sim_helpers import download_bytes, make_request, poll_until_terminal, run_with

from vidbench.adapters.openrouter import ADAPTER, wire
from vidbench.core.config.keyhosts import own_hosts
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter, AdapterContext
from vidbench.core.seam.types import ErrorKind, TaskStatus
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

MODEL = "bytedance/seedance-2.0"
DONE = {"queue_s": (0.0, 0.0), "run_s": (0.0, 0.0)}
PROFILES = {
    "quick": Profile("quick", "queued, then runs", queue_s=(0.3, 0.0), run_s=(0.3, 0.0)),
    "censor": Profile("censor", "outputs moderated", output_moderation_rate=1.0, **DONE),  # type: ignore[arg-type]
    "lost": Profile("lost", "create answer cut", faults=Faults(create_drop_rate=1.0), **DONE),  # type: ignore[arg-type]
}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="quick", profiles=PROFILES, seed=9) as srv:
        yield srv


def test_wire_statuses_cost_and_skus() -> None:
    done = wire.parse_job({"id": "j", "status": "completed", "usage": {"cost": 1.25}})
    assert (done.status, done.extra["billed_usd"]) == (TaskStatus.SUCCEEDED, 1.25)
    assert wire.parse_job({"status": "pending"}).status is TaskStatus.QUEUED
    assert wire.parse_job({"status": "in_progress"}).status is TaskStatus.RUNNING
    flagged = wire.parse_job({"status": "failed", "error": "Output flagged by moderation"})
    assert (flagged.status, flagged.error_kind) == (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED)  # fmt: skip
    assert wire.parse_job({"status": "expired"}).error_kind is ErrorKind.EXPIRED
    assert wire.parse_job({"status": "cancelled"}).status is TaskStatus.CANCELLED
    with pytest.raises(errors.TransientError, match="unknown"):
        wire.parse_job({"status": "queued"})
    skus = wire.price_skus({"pricing_skus": {"per-video-second": "0.50", "per-video-second-1080p": "0.75", "bad": "x"}})  # fmt: skip
    assert skus == {"per-video-second": 0.5, "per-video-second-1080p": 0.75}
    assert (wire.usd_per_second(skus, "1080p"), wire.usd_per_second(skus, "720p")) == (0.75, 0.5)
    body = wire.create_body(MODEL, "x", 5, "16:9", "720p", True, 3, {"size": "1280x720"})
    assert body["size"] == "1280x720" and "resolution" not in body and body["seed"] == 3


def test_no_bundled_price_config_price_and_billed_cost() -> None:
    adapter = ADAPTER(AdapterContext(provider_model=MODEL, base_url=wire.DEFAULT_BASE_URL), None)
    with pytest.raises(errors.UnsupportedRequest, match="usd_per_second"):
        adapter.estimate_cost(make_request(MODEL))
    adapter.context.price_override["usd_per_second"] = 0.2
    assert adapter.estimate_cost(make_request(MODEL, duration_s=5)).usd == pytest.approx(1.0)
    billed = wire.parse_job({"status": "completed", "usage": {"cost": 0.9}})
    assert adapter.actual_cost(make_request(MODEL), billed).usd == 0.9
    assert adapter.actual_cost(make_request(MODEL), wire.parse_job({"status": "failed"})).usd == 0
    assert own_hosts("OPENROUTER_API_KEY") == {"https://openrouter.ai"}
    assert MODEL in ADAPTER.known_models()


def test_preflight_reads_prices_then_create_poll_download(server: SimServer) -> None:
    async def action(adapter: Adapter) -> None:
        await adapter.preflight()
        request = make_request(MODEL, duration_s=4, resolution="480p")
        assert adapter.estimate_cost(request).usd == pytest.approx(4 * 0.3034)  # the sim's SKU
        task_id = (await adapter.submit(request)).task_id
        assert task_id.startswith("gen-vid-")
        first = await adapter.poll(task_id)
        assert (first.status, first.raw_status) == (TaskStatus.QUEUED, "pending")
        state = await poll_until_terminal(adapter, task_id)
        assert state.status is TaskStatus.SUCCEEDED
        assert adapter.actual_cost(request, state).usd == pytest.approx(4 * 0.3034)
        assert (await download_bytes(adapter, task_id, state))[4:8] == b"ftyp"
        with pytest.raises(NotImplementedError):
            await adapter.list_recent_tasks(MODEL, 0.0)

    run_with(server, "openrouter", MODEL, action)


def test_refusals_moderation_and_lost_answer(server: SimServer) -> None:
    async def refused(adapter: Adapter) -> None:
        with pytest.raises(errors.InvalidRequest, match="duration"):
            await adapter.submit(make_request(MODEL, params={"duration": 3}))
        with pytest.raises(errors.InvalidRequest, match="not a valid video model"):
            await adapter.submit(make_request("acme/none"))

    run_with(server, "openrouter", MODEL, refused)
    with pytest.raises(errors.AuthError):
        run_with(server, "openrouter", MODEL, lambda a: a.preflight(), secret_override={"api_key": "x"})  # fmt: skip

    async def moderated(adapter: Adapter) -> None:
        state = await poll_until_terminal(adapter, (await adapter.submit(make_request(MODEL))).task_id)  # fmt: skip
        assert (state.status, state.error_kind) == (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED)
        assert adapter.actual_cost(make_request(MODEL), state).usd == 0

    run_with(server, "openrouter", MODEL, moderated, profile="censor")

    async def lost(adapter: Adapter) -> None:
        with pytest.raises(errors.TransientError):
            await adapter.submit(make_request(MODEL, text="a lost answer"))

    run_with(server, "openrouter", MODEL, lost, profile="lost")
