"""Preflight: one cheap request per endpoint before any create; a dead one stops the run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from factories import make_job

from vidbench.core.run.preflight import PreflightFailed, check_endpoints, endpoint_label
from vidbench.core.run.runner import Runner
from vidbench.core.run.runtime import ModelRuntime
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter, AdapterContext, ModelInfo, Secret
from vidbench.core.seam.http import send
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    RemoteTask,
    SubmitResult,
    TaskState,
)
from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RunDir

Handler = Any


class Probe(Adapter):
    """An adapter whose only traffic is its preflight; a create is recorded and fails."""

    name = "probe"
    default_base_url = "https://api.probe.test/v1"
    known: ClassVar[dict[str, ModelInfo]] = {
        "m": ModelInfo(
            "m",
            Capabilities(durations_s=(4,), ratios=("16:9",), resolutions=("720p",)),
            "$1",
            "test",
        )
    }
    lists = True

    def __init__(self, handler: Handler, base_url: str = default_base_url, env: str = "PROBE_KEY"):
        secrets = {"api_key": Secret("probe-key-0123456789", env)}
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        super().__init__(AdapterContext("m", base_url, secrets), client)
        self.creates: list[str] = []

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        return cls.known

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        return Cost(1.0, "USD", 1.0)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        return Cost(1.0, "USD", 1.0)

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        self.creates.append(request.job_id)
        raise errors.InvalidRequest("no creates in this test")

    async def poll(self, task_id: str) -> TaskState:
        raise AssertionError("never polled")

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        return DownloadSpec("")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        if not self.lists:
            raise NotImplementedError("cannot list")
        request = self.client.build_request("GET", f"{self.context.base_url}/tasks")
        await send(self.client, request, provider=self.name)
        return []


class ConnectOnly(Probe):
    lists = False


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def unknown_host(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)


def answer(status: int, seen: list[str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(f"{request.method} {request.url}")
        return httpx.Response(status, json={"error": {"message": f"status {status}"}})

    return handler


def runtime(model_id: str, adapter: Adapter, preflight: bool = True) -> ModelRuntime:
    return ModelRuntime(model_id, adapter, 2, 600, 60, preflight=preflight)


def test_the_default_preflight_reads_the_task_list_so_a_refused_key_shows() -> None:
    seen: list[str] = []
    with pytest.raises(errors.AuthError):
        asyncio.run(Probe(answer(401, seen)).preflight())
    assert seen == ["GET https://api.probe.test/v1/tasks"]
    with pytest.raises(errors.NotFound):  # raised as is: check_endpoints decides it is there
        asyncio.run(Probe(answer(404)).preflight())


def test_without_a_list_the_default_preflight_connects_to_base_url_without_the_key() -> None:
    seen: list[str] = []
    keys: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers.get("authorization"))
        return answer(405, seen)(request)

    asyncio.run(ConnectOnly(handler).preflight())
    assert seen == ["HEAD https://api.probe.test/v1"] and keys == [None]
    with pytest.raises(errors.ConnectRefused, match="Name or service not known"):
        asyncio.run(ConnectOnly(unknown_host).preflight())


def test_dead_endpoints_are_named_once_each_with_their_models_and_key_variable() -> None:
    dead = Probe(refused, "http://127.0.0.1:9/v1")
    locked = Probe(answer(403), "https://api.probe.test/v1", env="OTHER_KEY")
    fine = Probe(answer(200))
    with pytest.raises(PreflightFailed) as info:
        asyncio.run(
            check_endpoints(
                [
                    runtime("a", dead),
                    runtime("b", Probe(refused, "http://127.0.0.1:9/v1")),  # same endpoint
                    runtime("c", locked),
                    runtime("d", fine),
                    runtime("e", Probe(refused), preflight=False),  # a simulated model
                ]
            )
        )
    assert [(d.endpoint, d.model_ids) for d in info.value.dead] == [
        ("probe at 127.0.0.1:9", ("a", "b")),
        ("probe at api.probe.test", ("c",)),
    ]
    message = str(info.value)
    assert message.splitlines()[0] == (
        "preflight: 2 endpoint(s) cannot serve this run; nothing was sent"
    )
    assert "probe at 127.0.0.1:9 (model a, b): cannot connect (probe: ConnectError" in message
    assert "the key in OTHER_KEY was refused" in message
    assert "probe-key-0123456789" not in message


def test_an_endpoint_that_answers_anything_else_is_there() -> None:
    for status in (200, 400, 404, 429, 500, 503):
        asyncio.run(check_endpoints([runtime("a", Probe(answer(status)))]))


def _job(job_id: str) -> Job:
    return make_job(
        job_id=job_id, model_id="a", adapter="probe", provider_model="m", simulated=False,
        prompt_id=job_id, resolution=None,
    )  # fmt: skip


def test_a_run_against_a_dead_endpoint_sends_no_create_and_journals_no_intent(
    tmp_path: Path,
) -> None:
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_manifest({"name": "t"})
    for job_id in ("j1", "j2", "j3"):
        run.journal.append("planned", job_id, job=_job(job_id).to_dict())
    adapter = Probe(unknown_host)
    with pytest.raises(PreflightFailed):
        asyncio.run(Runner(run, {"a": runtime("a", adapter)}).run_all())
    assert adapter.creates == []
    assert {r["event"] for r in run.journal.read()} == {"planned"}
    assert all(not s.done for s in run.states().values())  # a resume picks every job up


def test_endpoint_labels_name_the_adapter_and_host() -> None:
    assert endpoint_label(Probe(refused, "https://ark.cn-beijing.volces.com/api/v3")) == (
        "probe at ark.cn-beijing.volces.com"
    )
