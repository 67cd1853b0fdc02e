"""What the generation stage keeps per model while it runs: the adapter, its limits and its
pollers, and the live counts the progress display shows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

from vidbench.core.run.poller import BatchPoller, DurationEstimate
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter


@dataclass
class ModelRuntime:
    """Per-model execution settings: the adapter and its limits."""

    model_id: str
    adapter: Adapter
    max_concurrency: int
    requests_per_minute: float
    timeout_s: float
    semaphore: asyncio.Semaphore = field(init=False)  # tasks at the provider
    downloads: asyncio.Semaphore = field(init=False)  # finished tasks downloading
    limiter: AsyncLimiter = field(init=False)
    poller: BatchPoller = field(init=False)
    durations: DurationEstimate = field(init=False)  # when this model's tasks tend to end
    fatal: errors.ProviderError | None = None  # auth/billing: stop sending for this model
    preflight: bool = False  # check the endpoint before its first request (real endpoints)

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.max_concurrency)
        self.downloads = asyncio.Semaphore(self.max_concurrency)
        # A bucket of one minute's requests, refilled continuously.
        self.limiter = AsyncLimiter(max(1.0, self.requests_per_minute), 60.0)
        self.poller = BatchPoller(self.adapter)
        self.durations = DurationEstimate()


@dataclass
class Counters:
    """Live counts for progress display."""

    total: int = 0
    submitted: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    polls: int = 0
    creates: int = 0
