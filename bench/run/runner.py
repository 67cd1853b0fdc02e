"""The generation stage: submit → poll → download for every job, journaled, resumable.

The runner owns the job lifecycle: concurrency and RPM limits per model, retries, polling
backoff, budget, timeouts and interruption. Adapters only build and parse requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidbench.core.run.creates import RECONCILE_SETTLE_S, Creator, Finish, Sleep
from vidbench.core.run.download import DOWNLOAD_DEADLINE_S as DEADLINE_S
from vidbench.core.run.download import sim_render_overrun_s, stream_to_file
from vidbench.core.run.poll_timing import until_next_poll
from vidbench.core.run.preflight import check_endpoints, endpoint_label
from vidbench.core.run.runtime import Counters, ModelRuntime
from vidbench.core.seam import errors, money, retry
from vidbench.core.seam.types import ErrorKind, JobStatus, TaskState, TaskStatus
from vidbench.core.sim import SIMULATOR_HEADER
from vidbench.core.store.jobs import Job
from vidbench.core.store.store import JobState, RunDir


def _model_version(extra: dict[str, Any]) -> str | None:
    """The provider's own model id from a task response, bounded; None when absent."""
    value = extra.get("model")
    return value[:200] if isinstance(value, str) and value else None


def _bounded_s(value: float | None) -> float | None:
    """A provider's figure in seconds, kept only when plausible (0 to 30 days)."""
    return round(value, 3) if value is not None and 0 <= value < 30 * 86400 else None


class Runner:
    """Drives every unfinished job of a run directory to a final status."""

    def __init__(
        self,
        run: RunDir,
        runtimes: dict[str, ModelRuntime],
        *,
        max_cost_usd: float | None = None,
        sleep: Sleep = asyncio.sleep,
        progress: Callable[[Counters], None] | None = None,
        rng: random.Random | None = None,
        probe: Callable[[Path], Any] | None = None,
        poll_min_s: float | None = None,
        settle_s: float = RECONCILE_SETTLE_S,
    ):
        self.run = run
        self.runtimes = runtimes
        self.max_cost_usd = max_cost_usd
        self.sleep = sleep
        self.progress = progress
        self.rng = rng or random.Random()
        self.counters = Counters()
        self.committed_usd = 0.0  # estimates of in-flight jobs + actual cost of finished ones
        self.probe = probe
        self.poll_min_s = poll_min_s
        self._stopping = False
        self._committed: dict[str, float] = {}
        self._simulator_noted: set[str] = set()  # models a simulator answered (manifest)
        self.creator = Creator(
            run, self.counters, sleep=sleep, rng=self.rng, held_task_ids=set(), settle_s=settle_s
        )

    # ----- public -------------------------------------------------------------------------

    async def run_all(self) -> Counters:
        """Run every unfinished job; returns the counters. Raises CancelledError on interrupt."""
        states = self.run.states()
        self.counters.total = len(states)
        pending = []
        self.creator.held.update(s.task_id for s in states.values() if s.task_id)
        for state in states.values():
            if state.done and not state.resumable:
                self.counters.done += 1
                if state.final_status != JobStatus.SUCCEEDED.value:
                    self.counters.failed += 1
                if state.cost_usd:
                    self.committed_usd += state.cost_usd
                continue
            if state.task_id is not None:
                self.counters.submitted += 1
                self._commit(state.job)
            pending.append(state)
        # Every endpoint still needed answers once before anything is sent (PreflightFailed).
        needed = {s.job.model_id for s in pending if not s.job.unsupported_reason}
        await check_endpoints(r for model_id, r in self.runtimes.items() if model_id in needed)
        self._notify()
        tasks = [asyncio.create_task(self._run_job(s), name=s.job.job_id) for s in pending]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            self._stopping = True
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return self.counters

    # ----- one job ------------------------------------------------------------------------

    async def _run_job(self, state: JobState) -> None:
        job = state.job
        try:
            finish = await self._drive(state)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a harness fault must not take the other jobs down
            finish = Finish(
                JobStatus.ERRORED,
                ErrorKind.INTERNAL,
                f"{type(exc).__name__}: {errors.truncate(str(exc), 300)}",
            )
        await self._finish(job, finish)

    async def _drive(self, state: JobState) -> Finish:
        job = state.job
        if job.unsupported_reason:
            return Finish(JobStatus.UNSUPPORTED, ErrorKind.UNSUPPORTED, job.unsupported_reason)
        runtime = self.runtimes[job.model_id]
        async with runtime.semaphore:  # a slot per task the provider is working on
            started = await self._start(runtime, state)
            if isinstance(started, Finish):
                return started
            task_id, submitted_at = started
            outcome = await self._poll_until_terminal(runtime, job, task_id, submitted_at)
        if isinstance(outcome, Finish):
            return outcome
        # The provider is done with it: the slot goes to the next create while this downloads.
        async with runtime.downloads:
            return await self._settle(runtime, job, task_id, outcome)

    async def _start(self, runtime: ModelRuntime, state: JobState) -> tuple[str, float] | Finish:
        """The job's task id and submission time: known, found after an interruption, or
        created now; or how the job ended without one."""
        job = state.job
        task_id = state.task_id
        if task_id is None:
            if runtime.fatal is not None:
                err = runtime.fatal
                return Finish(
                    JobStatus.ERRORED, err.kind, f"not sent: an earlier request failed: {err}"
                )
            if state.open_intent_at is not None:
                # A create was sent before an interruption and its outcome is unknown.
                resolved = await self.creator.resolve(runtime, job, state.open_intent_at)
                if isinstance(resolved, Finish):
                    return resolved
                task_id = resolved
                if task_id is not None:
                    self._commit(job)
            if task_id is None:
                if (
                    self.max_cost_usd is not None
                    and self.committed_usd + job.estimated_cost_usd > self.max_cost_usd + 1e-9
                ):
                    return Finish(
                        JobStatus.SKIPPED,
                        ErrorKind.BUDGET,
                        f"budget: ${self.committed_usd:.2f} committed + ${job.estimated_cost_usd:.2f} "
                        f"> max ${self.max_cost_usd:.2f}",
                    )
                if self._stopping:
                    raise asyncio.CancelledError
                self._commit(job)
                outcome = await self.creator.submit(runtime, job)
                if isinstance(outcome, Finish):
                    return outcome
                self._notify()
                task_id = outcome
        return task_id, state.submitted_at or time.time()

    async def _poll_until_terminal(
        self, runtime: ModelRuntime, job: Job, task_id: str, submitted_at: float
    ) -> TaskState | Finish:
        """The task's terminal state, or how polling ended without one."""
        last_status: TaskStatus | None = None
        error_attempt = 0
        deadline = submitted_at + runtime.timeout_s
        running_at_s = 0.0  # the last time since submission the task was seen unfinished
        try:
            while True:
                if time.time() > deadline:
                    message = f"no result after {runtime.timeout_s:.0f} s"
                    return Finish(JobStatus.FAILED, ErrorKind.TIMEOUT, message)
                try:
                    self.counters.polls += 1
                    state = await runtime.poller.poll(task_id)
                    error_attempt = 0
                except errors.ProviderError as exc:
                    error_attempt += 1
                    decision = retry.decide_poll(exc, error_attempt, self.rng)
                    if not decision.retry:
                        kind = ErrorKind.EXPIRED if isinstance(exc, errors.NotFound) else exc.kind
                        # Unreachable (DNS, refused): the task is kept, a resume polls it.
                        kept = {"resumable": True} if isinstance(exc, errors.ConnectRefused) else {}
                        return Finish(JobStatus.ERRORED, kind, f"polling failed: {exc}", kept)
                    await self.sleep(decision.delay_s)
                    continue
                if state.status != last_status:
                    self._record_status(job, state, last_status)
                    last_status = state.status
                if state.status.terminal:
                    if state.status == TaskStatus.SUCCEEDED:
                        runtime.durations.add(running_at_s)
                    return state
                running_at_s = time.time() - submitted_at
                await until_next_poll(
                    runtime.durations,
                    runtime.poller.max_batch > 1,
                    state,
                    running_at_s,
                    self.poll_min_s,
                    self.sleep,
                )
        finally:
            if last_status == TaskStatus.RUNNING:  # stopped polling a running task
                self.counters.running -= 1

    def _record_status(self, job: Job, state: TaskState, last: TaskStatus | None) -> None:
        """Journal a status change and keep the running count."""
        self.run.journal.append(
            "status",
            job.job_id,
            sync=False,
            status=state.status.value,
            raw_status=state.raw_status,
            terminal=state.status.terminal,
            tokens=state.tokens,
            # The model the provider says ran the task (a dated version on Ark):
            # `vidbench history` reports when it changes between runs.
            model_version=_model_version(state.extra),
            # The provider's own queue seconds (its timestamps), preferred over polling's.
            provider_queue_s=_bounded_s(state.provider_queue_s),
            provider_generation_s=_bounded_s(state.provider_generation_s),
        )
        if state.status == TaskStatus.RUNNING:
            self.counters.running += 1
        if last == TaskStatus.RUNNING:
            self.counters.running -= 1
        self._notify()

    async def _settle(
        self, runtime: ModelRuntime, job: Job, task_id: str, state: TaskState
    ) -> Finish:
        """A terminal task's cost checked, then its video downloaded or its failure recorded."""
        cost_fields, implausible = money.checked_cost_fields(
            runtime.adapter, job.request, state, job.estimated_cost_usd
        )
        if implausible is not None:
            return Finish(JobStatus.ERRORED, ErrorKind.IMPLAUSIBLE_USAGE, implausible, cost_fields)
        if state.status == TaskStatus.SUCCEEDED:
            finish = await self._download(runtime, job, task_id, state)
            finish.fields.update(cost_fields)
            return finish
        status = {TaskStatus.REJECTED: JobStatus.REJECTED}.get(state.status, JobStatus.FAILED)
        kind = state.error_kind or {
            TaskStatus.EXPIRED: ErrorKind.EXPIRED,
            TaskStatus.CANCELLED: ErrorKind.TASK_FAILED,
        }.get(state.status, ErrorKind.TASK_FAILED)
        return Finish(status, kind, state.detail or state.raw_status, dict(cost_fields))

    async def _download(
        self, runtime: ModelRuntime, job: Job, task_id: str, state: TaskState
    ) -> Finish:
        """Fetch the video to videos/<job>.mp4 via a temp name; sha256; check it decodes."""
        target = self.run.video_path(job.job_id)
        started = time.time()
        last_error = "no attempt"
        kind = ErrorKind.DOWNLOAD_FAILED
        for attempt in range(1, retry.DOWNLOAD_MAX_ATTEMPTS + 1):
            spec = runtime.adapter.download_spec(task_id, state)
            answer: dict[str, str] = {}
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = await stream_to_file(
                    runtime.adapter.client, spec.url, spec.headers, target, DEADLINE_S, answer
                )
            except OSError as exc:  # disk full, read-only folder…: the paid task is kept
                return Finish(
                    JobStatus.ERRORED,
                    ErrorKind.DOWNLOAD_FAILED,
                    f"download: local fault {errors.truncate(str(exc), 200)}; the task is "
                    "kept: `vidbench run --resume` downloads it again",
                    {"resumable": True},
                )
            except errors.ProviderError as exc:
                last_error = str(exc)
                kind = ErrorKind.DOWNLOAD_FAILED
                if isinstance(exc, errors.AuthError | errors.NotFound):
                    # Signed URLs expire: ask the provider again for a fresh one, once.
                    with contextlib.suppress(errors.ProviderError):
                        state = await runtime.adapter.poll(task_id)
                    if attempt >= 2:
                        kind = ErrorKind.EXPIRED
                        break
                    continue
                decision = retry.decide_poll(exc, attempt, self.rng, retry.DOWNLOAD_MAX_ATTEMPTS)
                if not decision.retry:
                    break
                await self.sleep(decision.delay_s)
                continue
            # Decoding must not block the event loop.
            problem = await asyncio.to_thread(self._check_video, target)
            if problem is None:
                await self.run.journal.append_async(
                    "downloaded",
                    job.job_id,
                    path=str(target.relative_to(self.run.path)),
                    sha256=digest,
                    bytes=size,
                    download_started_at=started,
                    sim_render_overrun_s=sim_render_overrun_s(answer),
                    simulator=self._note_simulator(job, answer),
                )
                return Finish(JobStatus.SUCCEEDED)
            last_error = problem
            kind = ErrorKind.CORRUPT_VIDEO
            target.unlink(missing_ok=True)
            await self.sleep(retry.backoff_s(attempt, rng=self.rng))
        return Finish(JobStatus.FAILED, kind, f"download: {errors.truncate(last_error, 300)}")

    def _check_video(self, path: Path) -> str | None:
        if self.probe is None:
            return None
        result = self.probe(path)
        if not getattr(result, "decodable", False):
            return f"corrupt or truncated video: {getattr(result, 'error', 'not decodable')}"
        return None

    # ----- bookkeeping --------------------------------------------------------------------

    async def _finish(self, job: Job, finish: Finish) -> None:
        fields = dict(finish.fields)
        if "cost_usd" not in fields:
            fields.update(cost_usd=0.0, cost_native=0.0)
        runtime = self.runtimes.get(job.model_id)
        if finish.status != JobStatus.SUCCEEDED and runtime is not None:
            fields.setdefault("endpoint", endpoint_label(runtime.adapter))  # failure causes
        self._uncommit(job)
        self.committed_usd += fields.get("cost_usd") or 0.0
        await self.run.journal.append_async(
            "finished",
            job.job_id,
            status=finish.status.value,
            error_kind=finish.error_kind.value if finish.error_kind else None,
            detail=finish.detail,
            **fields,
        )
        self.counters.done += 1
        if finish.status != JobStatus.SUCCEEDED:
            self.counters.failed += 1
        self._notify()

    def _note_simulator(self, job: Job, headers: dict[str, str]) -> bool | None:
        """True when a vidbench simulator answered the download (a `base_url` pointing at
        `vidbench sim`); the manifest then lists the model as simulated, as `simulate:` does."""
        if headers.get(SIMULATOR_HEADER) != "1":
            return None
        if job.model_id in self._simulator_noted:
            return True
        self._simulator_noted.add(job.model_id)
        manifest = self.run.manifest() if self.run.exists() else None
        listed = (manifest or {}).get("simulated_models")
        if manifest is not None and isinstance(listed, dict) and job.model_id not in listed:
            listed[job.model_id] = "vidbench simulator at base_url"
            self.run.write_manifest(manifest)
        return True

    def _commit(self, job: Job) -> None:
        """Count a submitted job's estimate against the budget until its real cost is known."""
        if job.job_id not in self._committed:
            self._committed[job.job_id] = job.estimated_cost_usd
            self.committed_usd += job.estimated_cost_usd

    def _uncommit(self, job: Job) -> None:
        self.committed_usd -= self._committed.pop(job.job_id, 0.0)

    def _notify(self) -> None:
        if self.progress is not None:
            self.progress(self.counters)
