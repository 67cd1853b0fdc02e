"""The runner's lifecycle rules, against a scripted adapter and a MockTransport for downloads."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import factories
import httpx
import pytest

from vidbench.core.run import runner as runner_module
from vidbench.core.run.runner import Runner
from vidbench.core.run.runtime import ModelRuntime
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter, AdapterContext, ModelInfo
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    ErrorKind,
    GenerationRequest,
    RemoteTask,
    SubmitResult,
    TaskFacts,
    TaskState,
    TaskStatus,
)
from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RunDir

VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + b"x" * 1000


class ScriptedAdapter(Adapter):
    """An adapter whose create/poll answers come from per-job scripts."""

    name = "scripted"
    default_base_url = "http://provider.test"
    known: ClassVar[dict[str, ModelInfo]] = {
        "m": ModelInfo(
            "m",
            Capabilities(durations_s=(4,), ratios=("16:9",), resolutions=("720p",)),
            "$1/clip",
            "test",
        )
    }

    def __init__(
        self,
        client: httpx.AsyncClient,
        create_script: dict[str, list[Any]] | None = None,
        poll_script: dict[str, list[TaskState]] | None = None,
        lookup: dict[str, str] | None = None,
        listing: Callable[[], list[RemoteTask]] | None = None,
    ):
        super().__init__(AdapterContext("m", self.default_base_url), client)
        self.create_script = create_script or {}
        self.poll_script = poll_script or {}
        self.lookup = lookup
        self.listing = listing
        self.in_flight = 0
        self.max_in_flight = 0
        self.creates: list[str] = []
        self.polls: list[str] = []

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        return cls.known

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        return Cost(1.0, "USD", 1.0)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        usd = 1.0 if state.status == TaskStatus.SUCCEEDED else 0.0
        return Cost(usd, "USD", usd)

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        self.creates.append(request.job_id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1
        script = self.create_script.get(request.job_id, [])
        outcome = script.pop(0) if script else None
        if isinstance(outcome, BaseException):
            raise outcome
        return SubmitResult(f"task-{request.job_id}-{len(self.creates)}")

    async def poll(self, task_id: str) -> TaskState:
        self.polls.append(task_id)
        job_id = task_id.split("-", 1)[1].rsplit("-", 1)[0]
        script = self.poll_script.get(job_id)
        if script:
            item = script.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item
        return TaskState(TaskStatus.SUCCEEDED, video_url=f"http://files.test/{task_id}.mp4")

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        return DownloadSpec(state.video_url or "")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        if self.listing is None:
            raise NotImplementedError("this API cannot list its tasks")
        return [t for t in self.listing() if t.created_at_s >= since_s]

    async def find_task(self, request: GenerationRequest) -> str | None:
        if self.lookup is None:
            raise NotImplementedError
        return self.lookup.get(request.job_id)


def make_job(job_id: str, cost_usd: float = 1.0) -> Job:
    return factories.make_job(
        job_id=job_id, model_id="m1", adapter="scripted", provider_model="m", prompt_id=job_id,
        estimated_cost_usd=cost_usd,
    )  # fmt: skip


def make_run(tmp_path: Path, job_ids: list[str]) -> RunDir:
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_manifest({"name": "t"})
    for job_id in job_ids:
        run.journal.append("planned", job_id, job=make_job(job_id).to_dict())
    return run


def download_transport(
    body: Callable[[httpx.Request], httpx.Response] | None = None,
) -> httpx.MockTransport:
    return httpx.MockTransport(body or (lambda request: httpx.Response(200, content=VIDEO_BYTES)))


async def no_sleep(_: float) -> None:
    return None


def run_jobs(run: RunDir, adapter: ScriptedAdapter, **kwargs: Any) -> Runner:
    async def go() -> Runner:
        runtime = ModelRuntime(
            "m1", adapter, max_concurrency=4, requests_per_minute=6000, timeout_s=60
        )
        runner = Runner(run, {"m1": runtime}, sleep=no_sleep, **kwargs)
        await runner.run_all()
        return runner

    return asyncio.run(go())


def records(run: RunDir) -> list[dict[str, Any]]:
    return list(run.journal.read())


def finished(run: RunDir) -> dict[str, dict[str, Any]]:
    return {r["job_id"]: r for r in records(run) if r["event"] == "finished"}


def test_happy_path_writes_intent_then_task_id_then_video(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["a", "b"])
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        poll_script={
            "a": [
                TaskState(TaskStatus.QUEUED),
                TaskState(TaskStatus.RUNNING),
                TaskState(TaskStatus.SUCCEEDED, video_url="http://files.test/a.mp4"),
            ]
        },
    )
    run_jobs(run, adapter)
    events = [(r["event"], r.get("job_id")) for r in records(run) if r.get("job_id") == "a"]
    kinds = [e for e, _ in events]
    assert (
        kinds.index("intent")
        < kinds.index("submitted")
        < kinds.index("downloaded")
        < kinds.index("finished")
    )
    done = finished(run)
    assert {done["a"]["status"], done["b"]["status"]} == {"succeeded"}
    video = run.video_path("a")
    downloaded = next(r for r in records(run) if r["event"] == "downloaded" and r["job_id"] == "a")
    assert downloaded["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    assert not list(run.videos_dir.glob("*.part"))
    assert adapter.creates == ["a", "b"] or sorted(adapter.creates) == ["a", "b"]


def test_rate_limited_create_is_retried_but_ambiguous_create_is_not_resent(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["limited", "ambiguous"])
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        create_script={
            "limited": [errors.RateLimited("slow down", retry_after_s=0.01)],
            "ambiguous": [errors.TransientError("502 from gateway", status_code=502)],
        },
    )
    run_jobs(run, adapter)
    done = finished(run)
    assert done["limited"]["status"] == "succeeded"
    assert adapter.creates.count("limited") == 2
    assert done["ambiguous"]["status"] == "errored"
    assert done["ambiguous"]["error_kind"] == "ambiguous_create"
    assert adapter.creates.count("ambiguous") == 1


def test_ambiguous_create_is_looked_up_where_the_api_allows(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["k"])
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        create_script={"k": [errors.TransientError("timeout")]},
        lookup={"k": "task-k-9"},
    )
    run_jobs(run, adapter)
    assert finished(run)["k"]["status"] == "succeeded"
    assert adapter.creates == ["k"]
    adopted = [r for r in records(run) if r["event"] == "reconciled"]
    assert (adopted[0]["outcome"], adopted[0]["task_id"]) == ("adopt", "task-k-9")
    assert adopted[0]["evidence"]["lookup"] == "client id"


def test_refusals_and_failures_are_recorded_outcomes(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["mod_in", "mod_out", "boom", "late"])
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        create_script={"mod_in": [errors.ContentRejected("input moderation", status_code=400)]},
        poll_script={
            "mod_out": [
                TaskState(
                    TaskStatus.REJECTED,
                    ErrorKind.CONTENT_REJECTED,
                    "OutputVideoSensitiveContentDetected",
                )
            ],
            "boom": [TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED, "InternalServiceError")],
            "late": [TaskState(TaskStatus.EXPIRED)],
        },
    )
    run_jobs(run, adapter)
    done = finished(run)
    assert (done["mod_in"]["status"], done["mod_in"]["error_kind"]) == (
        "rejected",
        "content_rejected",
    )
    assert (done["mod_out"]["status"], done["mod_out"]["error_kind"]) == (
        "rejected",
        "content_rejected",
    )
    assert (done["boom"]["status"], done["boom"]["error_kind"]) == ("failed", "task_failed")
    assert (done["late"]["status"], done["late"]["error_kind"]) == ("failed", "expired")
    assert done["mod_out"]["cost_usd"] == 0.0


def test_auth_error_stops_sending_for_that_model(tmp_path: Path) -> None:
    run = make_run(tmp_path, [f"j{i}" for i in range(5)])
    script = {f"j{i}": [errors.AuthError("bad key", status_code=401)] for i in range(5)}
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()), create_script=script
    )

    async def go() -> None:
        runtime = ModelRuntime(
            "m1", adapter, max_concurrency=1, requests_per_minute=6000, timeout_s=60
        )
        await Runner(run, {"m1": runtime}, sleep=no_sleep).run_all()

    asyncio.run(go())
    assert len(adapter.creates) == 1
    assert {r["error_kind"] for r in finished(run).values()} == {"auth"}


def test_budget_stops_submitting_and_records_skipped(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["a", "b", "c"])
    adapter = ScriptedAdapter(httpx.AsyncClient(transport=download_transport()))

    async def go() -> None:
        runtime = ModelRuntime(
            "m1", adapter, max_concurrency=1, requests_per_minute=6000, timeout_s=60
        )
        await Runner(run, {"m1": runtime}, sleep=no_sleep, max_cost_usd=2.0).run_all()

    asyncio.run(go())
    statuses = sorted(r["status"] for r in finished(run).values())
    assert statuses == ["skipped", "succeeded", "succeeded"]
    assert len(adapter.creates) == 2
    skipped = next(r for r in finished(run).values() if r["status"] == "skipped")
    assert skipped["error_kind"] == "budget"


def test_resume_polls_known_tasks_and_never_creates_again(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["a", "b", "c"])
    run.journal.append("intent", "a", attempt=1)
    run.journal.append("submitted", "a", task_id="task-a-1")
    run.journal.append("intent", "b", attempt=1)  # killed between create and recording the id
    adapter = ScriptedAdapter(httpx.AsyncClient(transport=download_transport()))
    run_jobs(run, adapter)
    done = finished(run)
    assert done["a"]["status"] == "succeeded"
    assert "task-a-1" in adapter.polls
    assert done["b"]["error_kind"] == "ambiguous_create"
    assert adapter.creates == ["c"]


def test_truncated_download_is_retried_then_recorded_corrupt(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["v"])
    adapter = ScriptedAdapter(httpx.AsyncClient(transport=download_transport()))

    class Probe:
        def __init__(self, ok: bool):
            self.decodable, self.error = ok, None if ok else "moov atom not found"

    run_jobs(run, adapter, probe=lambda path: Probe(False))
    done = finished(run)["v"]
    assert (done["status"], done["error_kind"]) == ("failed", "corrupt_video")
    assert not run.video_path("v").exists()


def test_poll_retries_transient_errors_and_gives_up_on_not_found(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["flaky", "gone"])
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        poll_script={
            "flaky": [errors.TransientError("503"), errors.RateLimited("429", retry_after_s=0.0)],
            "gone": [errors.NotFound("no such task", status_code=404)],
        },
    )
    run_jobs(run, adapter)
    done = finished(run)
    assert done["flaky"]["status"] == "succeeded"
    assert done["gone"]["status"] == "errored"


def test_download_refuses_non_http_urls(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["f"])
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        poll_script={"f": [TaskState(TaskStatus.SUCCEEDED, video_url="file:///etc/passwd")]},
    )
    run_jobs(run, adapter)
    assert finished(run)["f"]["status"] == "failed"
    assert "scheme" in finished(run)["f"]["detail"]


def test_fold_skips_a_torn_last_line(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["a"])
    with open(run.journal.path, "a", encoding="utf-8") as handle:
        handle.write('{"event": "submitted", "job_id": "a", "task_')
    assert run.states()["a"].task_id is None


@pytest.mark.parametrize("status", [TaskStatus.CANCELLED])
def test_cancelled_task_is_failed(tmp_path: Path, status: TaskStatus) -> None:
    run = make_run(tmp_path, ["x"])
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()), poll_script={"x": [TaskState(status)]}
    )
    run_jobs(run, adapter)
    assert finished(run)["x"]["status"] == "failed"


def test_download_redirect_to_another_host_drops_credentials(tmp_path: Path) -> None:
    seen: list[tuple[str, dict[str, str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, dict(request.headers)))
        if request.url.host == "provider.test":
            return httpx.Response(302, headers={"location": "https://storage.test/v.mp4"})
        return httpx.Response(200, content=VIDEO_BYTES)

    class KeyedAdapter(ScriptedAdapter):
        def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
            return DownloadSpec("https://provider.test/files/v", {"x-goog-api-key": "secret-value"})

    run = make_run(tmp_path, ["r"])
    run_jobs(run, KeyedAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler))))
    assert finished(run)["r"]["status"] == "succeeded"
    assert seen[0][1].get("x-goog-api-key") == "secret-value"
    assert seen[1][0] == "storage.test" and "x-goog-api-key" not in seen[1][1]


def test_fold_leaves_only_an_intent_without_outcome_unresolved(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["refused", "open", "adopted", "resend", "reopened"])
    journal = run.journal
    journal.append("intent", "refused", attempt=1)
    journal.append("refused", "refused", attempt=1, status_code=429)
    journal.append("intent", "open", attempt=1)
    journal.append("refused", "open", attempt=1, status_code=429)
    journal.append("intent", "open", attempt=2)
    journal.append("intent", "adopted", attempt=1)
    journal.append("reconciled", "adopted", outcome="adopt", task_id="t-1", submitted_at=5.0)
    journal.append("intent", "resend", attempt=1)
    journal.append("reconciled", "resend", outcome="resend", reason="no candidate")
    journal.append("intent", "reopened", attempt=1)
    journal.append("finished", "reopened", status="errored", error_kind="ambiguous_create")
    journal.append("reconciled", "reopened", outcome="adopt", task_id="t-2")
    states = run.states()
    assert states["refused"].open_intent_at is None and states["refused"].refused == 1
    assert states["open"].open_intent_at is not None and states["open"].intents == 2
    assert (states["adopted"].task_id, states["adopted"].submitted_at) == ("t-1", 5.0)
    assert states["adopted"].open_intent_at is None
    assert states["resend"].open_intent_at is None and states["resend"].task_id is None
    assert not states["reopened"].done and states["reopened"].task_id == "t-2"


def remote(task_id: str, at: float, duration_s: int = 4) -> RemoteTask:
    return RemoteTask(task_id, at, TaskFacts("m", duration_s, "16:9"), TaskState(TaskStatus.QUEUED))


def test_refused_attempts_are_journaled_so_a_resume_resends_them(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["live", "killed"])
    run.journal.append("intent", "killed", attempt=1)  # killed while waiting after a 429
    run.journal.append("refused", "killed", attempt=1, kind="rate_limited", status_code=429)
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        create_script={"live": [errors.RateLimited("slow down", status_code=429)]},
    )
    run_jobs(run, adapter)
    done = finished(run)
    assert {done["live"]["status"], done["killed"]["status"]} == {"succeeded"}
    assert sorted(adapter.creates) == ["killed", "live", "live"]
    refused = [r for r in records(run) if r["event"] == "refused" and r["job_id"] == "live"]
    assert (refused[0]["status_code"], refused[0]["kind"]) == (429, "rate_limited")


def open_intent_run(tmp_path: Path) -> tuple[RunDir, float]:
    run = make_run(tmp_path, ["a", "b"])
    run.journal.append("submitted", "a", task_id="task-a-1")
    intent = run.journal.append("intent", "b", attempt=1)  # killed before the answer
    return run, intent["ts"]


def test_resume_adopts_the_one_matching_unclaimed_task(tmp_path: Path) -> None:
    run, at = open_intent_run(tmp_path)
    listing = [remote("task-a-1", at + 0.1), remote("task-b-7", at + 0.2), remote("x-5", at, 8)]
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()), listing=lambda: listing
    )
    run_jobs(run, adapter)
    assert finished(run)["b"]["status"] == "succeeded" and adapter.creates == []
    reconciled = next(r for r in records(run) if r["event"] == "reconciled")
    assert (reconciled["outcome"], reconciled["task_id"]) == ("adopt", "task-b-7")
    assert reconciled["evidence"]["matched"]["duration_s"] == 4
    assert run.states()["b"].task_id == "task-b-7"


def test_resume_resends_when_the_provider_lists_no_candidate(tmp_path: Path) -> None:
    run, at = open_intent_run(tmp_path)
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        listing=lambda: [remote("task-a-1", at + 0.1)],
    )
    run_jobs(run, adapter)
    assert finished(run)["b"]["status"] == "succeeded" and adapter.creates == ["b"]
    reconciled = next(r for r in records(run) if r["event"] == "reconciled")
    assert reconciled["outcome"] == "resend" and "made nothing" in reconciled["reason"]


def test_resume_with_several_candidates_is_ambiguous_and_names_them(tmp_path: Path) -> None:
    run, at = open_intent_run(tmp_path)
    listing = [remote("task-b-7", at + 0.2), remote("task-b-8", at + 0.3)]
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()), listing=lambda: listing
    )
    run_jobs(run, adapter)
    done = finished(run)["b"]
    assert (done["status"], done["error_kind"]) == ("errored", "ambiguous_create")
    assert "task-b-7" in done["detail"] and "task-b-8" in done["detail"]
    assert adapter.creates == []


def test_a_lost_create_answer_is_resolved_from_the_list_in_process(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["lost"])
    made: list[RemoteTask] = []

    class LosingAdapter(ScriptedAdapter):
        async def submit(self, request: GenerationRequest) -> SubmitResult:
            made.append(remote(f"task-{request.job_id}-3", time.time()))
            await super().submit(request)
            raise errors.TransientError("connection dropped after the request was sent")

    adapter = LosingAdapter(httpx.AsyncClient(transport=download_transport()), listing=lambda: made)
    run_jobs(run, adapter)
    assert finished(run)["lost"]["status"] == "succeeded"
    assert adapter.creates == ["lost"] and "task-lost-3" in adapter.polls


def test_creates_of_one_model_are_never_in_flight_together(tmp_path: Path) -> None:
    run = make_run(tmp_path, [f"j{i}" for i in range(6)])
    adapter = ScriptedAdapter(httpx.AsyncClient(transport=download_transport()))
    run_jobs(run, adapter)
    assert len(adapter.creates) == 6 and adapter.max_in_flight == 1


def test_a_local_download_fault_keeps_task_and_cost_for_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(tmp_path, ["full"])
    adapter = ScriptedAdapter(httpx.AsyncClient(transport=download_transport()))

    async def disk_full(*args: Any) -> tuple[str, int]:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(runner_module, "stream_to_file", disk_full)
        run_jobs(run, adapter)
    done = finished(run)["full"]
    assert (done["status"], done["error_kind"]) == ("errored", "download_failed")
    assert done["cost_usd"] == 1.0 and "No space left" in done["detail"]
    assert run.states()["full"].task_id == "task-full-1"
    run_jobs(run, adapter)  # the resume downloads the kept task; nothing is created again
    assert finished(run)["full"]["status"] == "succeeded"
    assert adapter.creates == ["full"] and run.states()["full"].video_path


def test_a_job_id_too_long_for_a_file_name_still_downloads(tmp_path: Path) -> None:
    long_id = "m1__" + "x" * 300 + "__s0"
    run = make_run(tmp_path, [long_id])
    run_jobs(run, ScriptedAdapter(httpx.AsyncClient(transport=download_transport())))
    assert finished(run)[long_id]["status"] == "succeeded"
    assert len(Path(run.states()[long_id].video_path or "").name) < 200


def test_a_flaky_lookup_is_retried_before_a_create_is_called_ambiguous(tmp_path: Path) -> None:
    """The lookup is a read: one 503 on it must not leave a billed task ambiguous."""
    run = make_run(tmp_path, ["k"])

    class FlakyLookup(ScriptedAdapter):
        lookups = 0

        async def find_task(self, request: GenerationRequest) -> str | None:
            FlakyLookup.lookups += 1
            if FlakyLookup.lookups == 1:
                raise errors.TransientError("lookup: 503", status_code=503)
            return await super().find_task(request)

    adapter = FlakyLookup(
        httpx.AsyncClient(transport=download_transport()),
        create_script={"k": [errors.TransientError("timeout")]},
        lookup={"k": "task-k-9"},
    )
    run_jobs(run, adapter)
    assert finished(run)["k"]["status"] == "succeeded"
    assert FlakyLookup.lookups == 2 and adapter.creates == ["k"]


class ClientIdAdapter(ScriptedAdapter):
    """An API that finds any task by the client's own id (as Kling's external_task_id)."""

    finds_by_client_id = True


def test_creates_go_out_together_where_a_lookup_by_client_id_resolves_any_loss(
    tmp_path: Path,
) -> None:
    run = make_run(tmp_path, [f"j{i}" for i in range(6)])
    adapter = ClientIdAdapter(httpx.AsyncClient(transport=download_transport()), lookup={})
    run_jobs(run, adapter)
    assert len(adapter.creates) == 6 and adapter.max_in_flight > 1
    assert all(r["status"] == "succeeded" for r in finished(run).values())


def test_a_lost_create_without_the_queue_is_resolved_by_its_own_lookup(tmp_path: Path) -> None:
    run = make_run(tmp_path, ["a", "b"])
    adapter = ClientIdAdapter(
        httpx.AsyncClient(transport=download_transport()),
        create_script={"a": [errors.TransientError("connection dropped")]},
        lookup={"a": "task-a-7"},
    )
    run_jobs(run, adapter)
    assert {k: r["status"] for k, r in finished(run).items()} == {
        "a": "succeeded",
        "b": "succeeded",
    }
    adopted = [r for r in records(run) if r["event"] == "reconciled"]
    assert [(r["job_id"], r["task_id"]) for r in adopted] == [("a", "task-a-7")]


def test_without_its_lookup_an_unqueued_create_is_ambiguous_not_matched_by_list(
    tmp_path: Path,
) -> None:
    """A provider that claims lookups but cannot do one: the list is never used to guess."""
    run = make_run(tmp_path, ["a"])
    adapter = ClientIdAdapter(
        httpx.AsyncClient(transport=download_transport()),
        create_script={"a": [errors.TransientError("connection dropped")]},
        listing=lambda: [remote("task-a-1", time.time())],
    )
    run_jobs(run, adapter)
    assert finished(run)["a"]["error_kind"] == "ambiguous_create"
    assert adapter.creates == ["a"]


def test_a_finished_task_frees_its_slot_before_its_download(tmp_path: Path) -> None:
    """max_concurrency counts tasks at the provider: with one slot, the next create goes out
    while the finished task's video is still downloading (held here until that create)."""
    run = make_run(tmp_path, ["a", "b"])
    created_b = asyncio.Event()

    async def video(request: httpx.Request) -> httpx.Response:
        if "-a-" in request.url.path:
            try:
                await asyncio.wait_for(created_b.wait(), 1.0)
            except TimeoutError:
                return httpx.Response(503)
        return httpx.Response(200, content=VIDEO_BYTES)

    class SignallingAdapter(ScriptedAdapter):
        async def submit(self, request: GenerationRequest) -> SubmitResult:
            result = await super().submit(request)
            if request.job_id == "b":
                created_b.set()
            return result

    adapter = SignallingAdapter(httpx.AsyncClient(transport=httpx.MockTransport(video)))

    async def go() -> None:
        runtime = ModelRuntime(
            "m1", adapter, max_concurrency=1, requests_per_minute=6000, timeout_s=60
        )
        await Runner(run, {"m1": runtime}, sleep=no_sleep).run_all()

    asyncio.run(go())
    done = finished(run)
    assert {done["a"]["status"], done["b"]["status"]} == {"succeeded"}
    kinds = [(r["event"], r["job_id"]) for r in records(run) if r["event"] != "planned"]
    assert kinds.index(("submitted", "b")) < kinds.index(("downloaded", "a"))


def test_an_unreachable_endpoint_ends_jobs_after_one_retry_and_a_resume_picks_them_up(
    tmp_path: Path,
) -> None:
    """DNS failure or a refused port is retried once, not eight times; the job is left
    resumable: its create is sent again (nothing was made), its known task polled again."""
    run = make_run(tmp_path, ["create", "poll"])
    down = [errors.ConnectRefused("ConnectError: [Errno -2] Name or service not known")] * 2
    adapter = ScriptedAdapter(
        httpx.AsyncClient(transport=download_transport()),
        create_script={"create": list(down)},
        poll_script={"poll": list(down)},
    )
    run_jobs(run, adapter)
    done = finished(run)
    assert {job: (r["status"], r.get("resumable")) for job, r in done.items()} == {
        "create": ("errored", True),
        "poll": ("errored", True),
    }
    assert adapter.creates.count("create") == 2  # the first try and one retry
    assert len(adapter.polls) == 2
    assert (run.states()["poll"].task_id or "").startswith("task-poll-")
    run_jobs(run, adapter)  # the network is back
    assert {job: r["status"] for job, r in finished(run).items()} == {
        "create": "succeeded",
        "poll": "succeeded",
    }
    assert adapter.creates.count("poll") == 1  # its task was polled again, not recreated
