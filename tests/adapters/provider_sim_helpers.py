"""Helpers for running a provider package's adapter against its simulator over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from vidbench.adapters import registry
from vidbench.core.seam.adapter import Adapter, AdapterContext, Secret
from vidbench.core.seam.http import build_client
from vidbench.core.seam.types import GenerationRequest, TaskState
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

T = TypeVar("T")

PROFILES = {
    "quick": Profile("quick", "done at once", queue_s=(0.0, 0.0), run_s=(0.2, 0.0)),
    "parked": Profile("parked", "stays queued", queue_s=(10_000.0, 0.0)),
    "censor": Profile(
        "censor", "every output moderated", queue_s=(0.0, 0.0), run_s=(0.0, 0.0),
        output_moderation_rate=1.0,
    ),
    "failing": Profile(
        "failing", "every task fails", queue_s=(0.0, 0.0), run_s=(0.0, 0.0), failure_rate=1.0
    ),
    "rpm1": Profile("rpm1", "one create per minute", queue_s=(1000.0, 0.0), rpm_limit=1),
    "broken": Profile(
        "broken", "poll 5xx", queue_s=(0.0, 0.0), faults=Faults(poll_5xx_rate=1.0)
    ),
}  # fmt: skip


def sim_server() -> SimServer:
    """A simulator with the profiles above (default: quick)."""
    return SimServer(default_profile="quick", profiles=PROFILES, seed=5)


def make_request(model: str, **overrides: Any) -> GenerationRequest:
    """A 5 s 16:9 720p text-to-video request (overridable)."""
    fields: dict[str, Any] = {
        "job_id": "job-1", "external_id": "run-job-1", "provider_model": model,
        "text": "a red ball bounces on green grass", "duration_s": 5, "ratio": "16:9",
        "resolution": "720p",
    }  # fmt: skip
    fields.update(overrides)
    return GenerationRequest(**fields)


def run_with(
    server: SimServer,
    adapter_name: str,
    model: str,
    action: Callable[[Adapter], Awaitable[T]],
    *,
    profile: str | None = None,
    params: dict[str, Any] | None = None,
    secret_override: dict[str, str] | None = None,
) -> T:
    """Build the adapter pointed at the simulator (its own credentials) and run `action`."""
    cls = registry.get(adapter_name)
    secrets = {
        role: Secret(
            (secret_override or {}).get(role) or server.secret(adapter_name, role, profile), "(sim)"
        )
        for role in cls.secret_roles
    }
    context = AdapterContext(
        provider_model=model, base_url=server.base_url(adapter_name, profile),
        secrets=secrets, params=dict(params or {}),
    )  # fmt: skip

    async def main() -> T:
        async with build_client() as client:
            return await action(cls(context, client))

    return asyncio.run(main())


async def poll_until_terminal(adapter: Adapter, task_id: str, timeout_s: float = 30.0) -> TaskState:
    """Poll every 0.1 s until the task is terminal."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = await adapter.poll(task_id)
        if state.status.terminal or time.monotonic() > deadline:
            return state
        await asyncio.sleep(0.1)


async def download_bytes(adapter: Adapter, task_id: str, state: TaskState) -> bytes:
    """The finished video's bytes through the adapter's DownloadSpec."""
    spec = adapter.download_spec(task_id, state)
    if spec.url.startswith("data:video/"):  # inline in the provider's answer
        return base64.b64decode(spec.url.partition(",")[2])
    response = await adapter.client.get(spec.url, headers=spec.headers)
    response.raise_for_status()
    return response.content
