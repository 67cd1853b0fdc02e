"""Creating provider tasks without losing or paying for one twice.

Every attempt is journaled: an `intent` before the request, then exactly one of
`submitted` (the task id), `refused` (429, refused connection, 4xx: nothing was made) or,
when the answer was lost, `reconciled` after asking the provider what it made
(`bench.reconcile`). Creates of one (endpoint, model) are serialized from intent to
outcome, so at most one create per model is ever unresolved and a match in the provider's
task list is unique — except where the API finds a task by the client's own id
(`Adapter.finds_by_client_id`): each lost answer is then resolved by its own lookup, and
creates go out in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from vidbench.core.run.reconcile import CLOCK_SKEW_S, Outcome, Verdict, candidates, decide
from vidbench.core.run.runtime import Counters, ModelRuntime
from vidbench.core.seam import errors, retry
from vidbench.core.seam.types import ErrorKind, GenerationRequest, JobStatus
from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RunDir

if TYPE_CHECKING:
    from vidbench.core.run.runtime import Counters, ModelRuntime

SUBMIT_GRACE_S = 15.0  # on interrupt, how long an in-flight create may finish to record its id
RECONCILE_SETTLE_S = 1.0  # after a lost answer, give the provider's list a moment to show it

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


@dataclass
class Finish:
    """How a job ended."""

    status: JobStatus
    error_kind: ErrorKind | None = None
    detail: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Retry:
    """Send the create again after `delay_s`."""

    delay_s: float


def nothing_was_made(exc: errors.ProviderError) -> bool:
    """True when the answer proves no task exists (429, refused connection, 4xx refusals)."""
    if isinstance(exc, errors.ConnectRefused):
        return True
    return not isinstance(exc, errors.TransientError) and type(exc) is not errors.ProviderError


class Creator:
    """Sends creates under the journal rules above; resolves unknown creates on resume."""

    def __init__(
        self,
        run: RunDir,
        counters: Counters,
        *,
        sleep: Sleep,
        rng: random.Random,
        held_task_ids: set[str],
        settle_s: float = RECONCILE_SETTLE_S,
    ):
        self.run = run
        self.counters = counters
        self.sleep = sleep
        self.rng = rng
        self.held = held_task_ids  # every task id some job of the run holds
        self.settle_s = settle_s
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def _lock(self, runtime: ModelRuntime) -> AbstractAsyncContextManager[Any]:
        """The model's create lock; none needed where a lookup by client id resolves any
        lost answer on its own."""
        if runtime.adapter.finds_by_client_id:
            return contextlib.nullcontext()
        context = runtime.adapter.context
        key = (context.base_url, context.provider_model)
        return self._locks.setdefault(key, asyncio.Lock())

    async def resolve(
        self, runtime: ModelRuntime, job: Job, intent_at_s: float
    ) -> str | Finish | None:
        """An earlier create's outcome: the adopted task id, a Finish, or None (resend)."""
        async with self._lock(runtime):
            return await self._reconcile(runtime, job, intent_at_s, settle=False)

    async def submit(self, runtime: ModelRuntime, job: Job) -> str | Finish:
        """Create the task; returns its id or a Finish (refused, ambiguous, rejected…)."""
        request = job.request
        attempt = 0
        while True:
            attempt += 1
            await runtime.limiter.acquire()
            async with self._lock(runtime):
                outcome = await self._attempt(runtime, job, request, attempt)
            if isinstance(outcome, tuple):
                # The task id was written and flushed under the queue; the next create's
                # intent fsync covers it as well, so its own fsync is awaited out here.
                task_id, line = outcome
                await self.run.journal.durable(line)
                return task_id
            if not isinstance(outcome, _Retry):
                return outcome
            await self.sleep(outcome.delay_s)

    async def _attempt(
        self, runtime: ModelRuntime, job: Job, request: GenerationRequest, attempt: int
    ) -> tuple[str, int] | str | Finish | _Retry:
        """One create under the model's queue: the new task id with the journal line that
        holds it (not yet fsynced), an adopted task id, a Finish, or a retry."""
        intent = await self.run.journal.append_async("intent", job.job_id, attempt=attempt)
        self.counters.creates += 1
        create = asyncio.ensure_future(runtime.adapter.submit(request))
        try:
            result = await asyncio.shield(create)
        except asyncio.CancelledError:
            await self._grace(job, create)
            raise
        except errors.ProviderError as exc:
            if nothing_was_made(exc):
                await self._refused(job, attempt, exc)
                decision = retry.decide_create(exc, attempt, self.rng)
                return _Retry(decision.delay_s) if decision.retry else self._failed(runtime, exc)
            resolved = await self._reconcile(runtime, job, intent["ts"], settle=True, cause=exc)
            if resolved is not None:
                return resolved
            if attempt >= retry.CREATE_MAX_ATTEMPTS:
                return Finish(JobStatus.ERRORED, exc.kind, f"create failed {attempt} times: {exc}")
            return _Retry(retry.backoff_s(attempt, rng=self.rng))
        return result.task_id, self._submitted(job, result.task_id, result.request_id, sync=False)

    async def _grace(self, job: Job, create: asyncio.Future[Any]) -> None:
        """Interrupted mid-create: let the request finish so that its outcome is recorded."""
        try:
            result = await asyncio.wait_for(create, SUBMIT_GRACE_S)
        except errors.ProviderError as exc:
            if nothing_was_made(exc):
                self.run.journal.append("refused", job.job_id, **_refusal(exc))
            return
        except BaseException:
            return
        self._submitted(job, result.task_id, result.request_id)

    def _submitted(
        self, job: Job, task_id: str, request_id: str | None, *, sync: bool = True
    ) -> int:
        """Write the task id (fsynced when `sync`: blocking, as while cancelling), then count
        it; returns its journal line."""
        fields: dict[str, Any] = {
            "task_id": task_id,
            "request_id": request_id,
            "submitted_at": time.time(),
        }
        if sync:
            self.run.journal.append("submitted", job.job_id, **fields)
            line = 0
        else:
            _, line = self.run.journal.append_deferred("submitted", job.job_id, **fields)
        self.held.add(task_id)
        self.counters.submitted += 1
        return line

    async def _refused(self, job: Job, attempt: int, exc: errors.ProviderError) -> None:
        await self.run.journal.append_async("refused", job.job_id, attempt=attempt, **_refusal(exc))

    def _failed(self, runtime: ModelRuntime, exc: errors.ProviderError) -> Finish:
        """A create refused for good: a result (moderation) or an error."""
        if isinstance(exc, errors.ContentRejected):
            return Finish(JobStatus.REJECTED, ErrorKind.CONTENT_REJECTED, str(exc))
        if isinstance(
            exc, errors.AuthError | errors.BillingError | errors.ModelGone | errors.NotFound
        ):
            runtime.fatal = exc  # every later create for this model would fail the same way
        if isinstance(exc, errors.ConnectRefused):  # nothing was made: a resume sends it again
            return Finish(JobStatus.ERRORED, exc.kind, str(exc), {"resumable": True})
        return Finish(JobStatus.ERRORED, exc.kind, str(exc))

    # ----- reconciliation -----------------------------------------------------------------

    async def _reconcile(
        self,
        runtime: ModelRuntime,
        job: Job,
        intent_at_s: float,
        *,
        settle: bool,
        cause: errors.ProviderError | None = None,
    ) -> str | Finish | None:
        """Ask the provider what the unknown create made (caller holds the model's lock)."""
        if settle:
            await self.sleep(self.settle_s)
        request = job.request
        verdict = await self._verdict(runtime, request, intent_at_s)
        if isinstance(verdict, str):
            why = f"create outcome unknown ({cause}); " if cause else "create outcome unknown; "
            return Finish(
                JobStatus.ERRORED,
                ErrorKind.AMBIGUOUS_CREATE,
                why + verdict + "; not resent to avoid paying twice",
            )
        fields: dict[str, Any] = {
            "outcome": verdict.outcome.value,
            "reason": verdict.reason,
            "intent_at": intent_at_s,
            "candidates": list(verdict.candidates),
        }
        if verdict.outcome is Outcome.ADOPT:
            created = verdict.evidence.get("created_at_s")
            fields.update(task_id=verdict.task_id, evidence=verdict.evidence)
            fields["submitted_at"] = created if isinstance(created, int | float) else time.time()
        await self.run.journal.append_async("reconciled", job.job_id, **fields)
        if verdict.outcome is Outcome.ADOPT and verdict.task_id is not None:
            self.held.add(verdict.task_id)
            self.counters.submitted += 1
            return verdict.task_id
        if verdict.outcome is Outcome.AMBIGUOUS:
            return Finish(JobStatus.ERRORED, ErrorKind.AMBIGUOUS_CREATE, verdict.reason)
        return None

    async def _verdict(
        self, runtime: ModelRuntime, request: GenerationRequest, intent_at_s: float
    ) -> Verdict | str:
        """The provider's answer as a Verdict, or why it cannot be asked (a message)."""
        adapter = runtime.adapter
        try:
            found = await self._read(lambda: adapter.find_task(request))
        except NotImplementedError:
            if adapter.finds_by_client_id:  # creates were not serialized: a list match is unsafe
                return f"{adapter.name} could not look this create up by its client id"
        except errors.ProviderError as exc:
            return f"the lookup by client id failed: {exc}"
        else:
            if found is None:
                return Verdict(Outcome.RESEND, "the lookup by client id finds no task: resent")
            evidence: dict[str, object] = {
                "lookup": "client id",
                "external_id": request.external_id,
            }
            return Verdict(Outcome.ADOPT, "found by client id", found, (found,), evidence)
        try:
            since_s = intent_at_s - CLOCK_SKEW_S
            listed = await self._read(
                lambda: adapter.list_recent_tasks(request.provider_model, since_s)
            )
        except NotImplementedError as exc:
            return str(exc) or f"{adapter.name} cannot list its tasks"
        except errors.ProviderError as exc:
            return f"the provider's task list could not be read: {exc}"
        wanted = adapter.task_facts(request)
        found_tasks = candidates(wanted, listed, intent_at_s=intent_at_s, held_task_ids=self.held)
        return decide(wanted, found_tasks, intent_at_s=intent_at_s)

    async def _read(self, call: Callable[[], Awaitable[T]]) -> T:
        """A lookup (a read: safe to repeat) retried on 429/5xx/transport faults like a poll,
        so one flaky answer does not leave a create ambiguous."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except errors.ProviderError as exc:
                decision = retry.decide_poll(exc, attempt, self.rng)
                if not decision.retry:
                    raise
                await self.sleep(decision.delay_s)


def _refusal(exc: errors.ProviderError) -> dict[str, Any]:
    return {
        "kind": exc.kind.value,
        "status_code": exc.status_code,
        "code": exc.code,
        "detail": errors.truncate(str(exc), 300),
    }
