"""Lost create answers against the Ark simulator: adopted from its LIST, never paid twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from factories import make_job

from vidbench.adapters.ark.adapter import ArkAdapter
from vidbench.adapters.openai_videos.adapter import OpenAIVideosAdapter
from vidbench.core.run.reconcile import mismatches
from vidbench.core.run.runner import Runner
from vidbench.core.run.runtime import ModelRuntime
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import AdapterContext
from vidbench.core.seam.secrets import Secret
from vidbench.core.seam.types import RemoteTask, TaskFacts
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Faults, Profile, Quality
from vidbench.core.sim.server import SimServer
from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RunDir

MODEL = "doubao-seedance-2-0-fast-260128"
DROPS = Profile(
    "drops",
    "half the create answers are cut after the task was made; some 429s",
    queue_s=(0.0, 0.0),
    run_s=(0.05, 0.0),
    input_moderation_words=(),
    quality=Quality(),
    faults=Faults(create_drop_rate=0.5, rate_limit_storm_rate=0.2),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimServer]:
    settings = {"ark": {"render_scale": 0.125}}
    cache = tmp_path_factory.mktemp("renders")
    with SimServer(default_profile="drops", profiles={"drops": DROPS}, settings=settings,
                   cache_dir=cache) as sim:  # fmt: skip
        yield sim


def job(index: int, duration_s: int = 4) -> Job:
    return make_job(
        job_id=f"seedance__p{index}__s0", model_id="seedance", provider_model=MODEL,
        prompt_id=f"p{index}", text=f"A blue ball number {index} rolls across a lawn",
        clip_text="a blue ball", duration_requested_s=duration_s, duration_sent_s=duration_s,
        resolution="480p", estimated_cost_usd=0.1,
    )  # fmt: skip


def adapter(server: SimServer, client: httpx.AsyncClient) -> ArkAdapter:
    secret = {"api_key": Secret(SIM_API_KEY, "(simulator)")}
    return ArkAdapter(AdapterContext(MODEL, server.base_url("ark"), secret), client)


async def quick_sleep(delay_s: float) -> None:
    await asyncio.sleep(min(delay_s, 0.02))


def run_jobs(server: SimServer, run: RunDir) -> Runner:
    async def go() -> Runner:
        async with httpx.AsyncClient() as client:
            runtime = ModelRuntime("seedance", adapter(server, client), 4, 6000, 60)
            runner = Runner(run, {"seedance": runtime}, sleep=quick_sleep)
            await runner.run_all()
            return runner

    return asyncio.run(go())


def test_lost_answers_are_adopted_and_nothing_is_created_twice(
    server: SimServer, tmp_path: Path
) -> None:
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_manifest({"name": "drops"})
    for index in range(8):
        run.journal.append("planned", job(index).job_id, job=job(index).to_dict())
    created_before = server.counters.created("ark", "drops")
    run_jobs(server, run)
    states = run.states()
    assert {s.final_status for s in states.values()} == {"succeeded"}
    task_ids = {s.task_id for s in states.values()}
    assert len(task_ids) == 8
    assert server.counters.created("ark", "drops") - created_before == 8  # none paid twice
    records = list(run.journal.read())
    adopted = [r for r in records if r["event"] == "reconciled" and r["outcome"] == "adopt"]
    refused = [r for r in records if r["event"] == "refused"]
    assert adopted and refused  # the faults fired and were resolved, not just avoided
    assert all(r["evidence"]["matched"]["resolution"] == "480p" for r in adopted)


def test_a_dropped_answer_is_a_transient_error_and_the_task_is_listed(tmp_path: Path) -> None:
    always = Profile(
        "always-drops", "every create answer is cut", faults=Faults(create_drop_rate=1.0)
    )
    sim = SimServer(default_profile="always-drops", profiles={"always-drops": always},
                    settings={"ark": {"render_scale": 0.125}}, cache_dir=tmp_path)  # fmt: skip

    async def go() -> tuple[BaseException | None, list[RemoteTask], TaskFacts]:
        async with httpx.AsyncClient() as client:
            ark = adapter(sim, client)
            request = job(1, duration_s=5).request
            try:
                await ark.submit(request)
            except errors.ProviderError as exc:
                raised: BaseException | None = exc
            else:
                raised = None
            return raised, await ark.list_recent_tasks(MODEL, 0.0), ark.task_facts(request)

    with sim:
        raised, listed, facts = asyncio.run(go())
        assert sim.counters.created("ark") == 1
    assert isinstance(raised, errors.TransientError)
    assert not isinstance(raised, errors.ConnectRefused)  # the request did leave
    assert len(listed) == 1 and mismatches(facts, listed[0].facts) == []
    assert (listed[0].facts.duration_s, listed[0].facts.resolution) == (5, "480p")


def test_openai_videos_lost_answers_are_adopted_by_model_seconds_size_and_prompt(
    tmp_path: Path,
) -> None:
    sim = SimServer(default_profile="drops", profiles={"drops": DROPS},
                    settings={"openai": {"render_scale": 0.1}}, cache_dir=tmp_path / "c")  # fmt: skip
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_manifest({"name": "drops"})
    jobs = [replace(job(i), provider_model="sora-2", adapter="openai_videos") for i in range(5)]
    for item in jobs:
        run.journal.append("planned", item.job_id, job=item.to_dict())

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            secret = {"api_key": Secret(SIM_API_KEY, "(simulator)")}
            context = AdapterContext("sora-2", sim.base_url("openai_videos"), secret)
            runtime = ModelRuntime("seedance", OpenAIVideosAdapter(context, client), 3, 6000, 60)
            await Runner(run, {"seedance": runtime}, sleep=quick_sleep).run_all()

    with sim:
        asyncio.run(go())
        made = sim.counters.created("openai", "drops")
    states = run.states()
    assert {s.final_status for s in states.values()} == {"succeeded"}
    assert made == len({s.task_id for s in states.values()}) == 5
    adopted = [r for r in run.journal.read() if r["event"] == "reconciled"]
    assert adopted and all(r["evidence"]["matched"]["prompt"] == "same text" for r in adopted)


def test_kling_creates_go_out_together_and_lost_answers_are_found_by_client_id(
    tmp_path: Path,
) -> None:
    """Kling finds a task by its external_task_id, so its creates are not queued one at a
    time; half the answers are cut after the task was made, and each is found by its own
    lookup: every job succeeds, one task each, none made twice."""
    from vidbench.adapters.kling.adapter import KlingAdapter
    from vidbench.core.sim import SIM_ACCESS_KEY, SIM_SECRET_KEY

    settings = {"kling": {"render_scale": 0.125}}
    with SimServer(default_profile="drops", profiles={"drops": DROPS}, settings=settings,
                   cache_dir=tmp_path / "renders") as sim:  # fmt: skip
        run = RunDir(tmp_path / "run")
        run.path.mkdir()
        run.write_manifest({"name": "kling-drops"})
        jobs = [
            replace(
                job(i, duration_s=5),
                job_id=f"kling__p{i}__s0",
                model_id="kling",
                adapter="kling",
                provider_model="kling-v2-6",
                resolution=None,
            )
            for i in range(8)
        ]
        for planned in jobs:
            run.journal.append("planned", planned.job_id, job=planned.to_dict())
        in_flight = {"now": 0, "most": 0}

        class Counting(KlingAdapter):
            async def submit(self, request: Any) -> Any:
                in_flight["now"] += 1
                in_flight["most"] = max(in_flight["most"], in_flight["now"])
                try:
                    return await super().submit(request)
                finally:
                    in_flight["now"] -= 1

        async def go() -> None:
            async with httpx.AsyncClient() as client:
                secrets = {"access_key": Secret(SIM_ACCESS_KEY, "(simulator)"),
                           "secret_key": Secret(SIM_SECRET_KEY, "(simulator)")}  # fmt: skip
                context = AdapterContext("kling-v2-6", sim.base_url("kling"), secrets)
                runtime = ModelRuntime("kling", Counting(context, client), 4, 6000, 60)
                await Runner(run, {"kling": runtime}, sleep=quick_sleep).run_all()

        asyncio.run(go())
        states = run.states()
        assert {s.final_status for s in states.values()} == {"succeeded"}
        assert len({s.task_id for s in states.values()}) == 8
        assert sim.counters.created("kling", "drops") == 8  # none paid twice
        records = list(run.journal.read())
        adopted = [r for r in records if r["event"] == "reconciled" and r["outcome"] == "adopt"]
        assert adopted and all(r["evidence"]["lookup"] == "client id" for r in adopted)
        assert in_flight["most"] > 1  # creates overlapped
