"""Where adapters are built: planning adapters (no keys, no client), run adapters (the
simulator's endpoint and keys, or the environment's), and the typed job request they share."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest
from factories import make_job

from vidbench.core.config.config import ModelConfig, RunConfig
from vidbench.core.plan.adapter_factory import planning_adapter, run_adapter, run_adapters
from vidbench.core.seam import errors
from vidbench.core.store.jobs import Job, JobInputs


class FakeSimulator:
    """What `run_context` asks a simulator for: a URL and a key per (adapter, role, profile)."""

    def base_url(self, adapter: str, profile: str) -> str:
        return f"http://127.0.0.1:9/{adapter}/{profile}/"

    def secret(self, adapter: str, role: str, profile: str) -> str:
        return f"sim-{adapter}-{role}-{profile}-0123456789"


def config(*models: ModelConfig) -> RunConfig:
    return RunConfig(name="r", suite="s.yaml", models=list(models))


ARK = "doubao-seedance-2-0-fast-260128"


def test_a_planning_adapter_has_no_client_and_says_so() -> None:
    adapter = planning_adapter(ModelConfig(id="a", adapter="ark", model=ARK), 7.1)
    assert adapter.context.secrets == {}
    with pytest.raises(RuntimeError, match="planning adapter has no HTTP client"):
        _ = adapter.client


def test_a_simulated_model_gets_the_simulators_endpoint_and_keys() -> None:
    model = ModelConfig(id="a", adapter="ark", model=ARK, simulate="fast-default", price={"x": 1})

    async def build() -> Any:
        async with httpx.AsyncClient() as client:
            adapter = run_adapter(model, config(model), FakeSimulator(), client)
            assert adapter.client is client
            return adapter.context

    context = asyncio.run(build())
    assert context.base_url == "http://127.0.0.1:9/ark/fast-default"
    assert context.secrets["api_key"].reveal() == "sim-ark-api_key-fast-default-0123456789"
    assert context.price_override == {"x": 1}
    assert context.provider_model == ARK


def test_a_real_model_reads_its_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    model = ModelConfig(id="a", adapter="ark", model=ARK, base_url="https://ark.example/api/")
    monkeypatch.setenv("ARK_API_KEY", "ark-key-from-env-0123456789")

    async def build() -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            return {k: a.context for k, a in run_adapters(config(model), None, client).items()}

    context = asyncio.run(build())["a"]
    assert context.base_url == "https://ark.example/api"
    assert context.secrets["api_key"].reveal() == "ark-key-from-env-0123456789"
    assert context.secrets["api_key"].env_var == "ARK_API_KEY"


def test_a_real_model_without_its_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    model = ModelConfig(id="a", adapter="ark", model=ARK)
    monkeypatch.delenv("ARK_API_KEY", raising=False)

    async def build() -> None:
        async with httpx.AsyncClient() as client:
            run_adapters(config(model), None, client)

    with pytest.raises(errors.MissingSecret, match="ARK_API_KEY"):
        asyncio.run(build())


def job(**inputs: Any) -> Job:
    return make_job(
        provider_model=ARK, text="a cat", duration_requested_s=5, duration_sent_s=5,
        inputs=JobInputs(**inputs),
    )  # fmt: skip


def test_the_request_is_built_once_per_job() -> None:
    planned = job(first_frame="/suite/a.png", reference_images=("/suite/r.png",))
    assert planned.request is planned.request
    assert str(planned.request.inputs.first_frame) == "/suite/a.png"
    assert [str(p) for p in planned.request.inputs.reference_images] == ["/suite/r.png"]
    assert planned.request.external_id == "m__p__s0"
    priced = replace(planned, estimated_cost_usd=1.0)
    assert priced.request == planned.request


def test_job_inputs_keep_the_records_shape_and_read_old_records() -> None:
    planned = job(reference_videos=("/v.mp4",), external_id="vb-1")
    data = planned.to_dict()
    assert data["inputs"] == {
        "first_frame": None,
        "last_frame": None,
        "reference_images": [],
        "reference_videos": ["/v.mp4"],
        "reference_audios": [],
        "external_id": "vb-1",
    }
    assert Job.from_dict(data) == planned
    # An older record: some fields absent, a list where a tuple is kept, an unknown key.
    old = dict(data, inputs={"reference_images": ["/a.png", ""], "later_field": 1})
    read = Job.from_dict(old).inputs
    assert read == JobInputs(reference_images=("/a.png",))
    assert read.files()["reference_images"] == ["/a.png"]
    assert "external_id" not in read.files()
    assert Job.from_dict(dict(data, inputs=None)).inputs == JobInputs()
