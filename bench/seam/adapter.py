"""The adapter seam: what every provider module implements.

The core never imports a concrete adapter; it asks `vidbench.adapters.registry` by name.
An adapter builds requests, parses responses and downloads nothing itself: it never
loops, sleeps, retries or limits concurrency — the runner owns the job lifecycle.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from vidbench.core.seam import errors
from vidbench.core.seam.http import check_reachable
from vidbench.core.seam.lifecycle import LIVE, Lifecycle, retired_problem
from vidbench.core.seam.prices import LivePrice
from vidbench.core.seam.secrets import Secret
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    RemoteTask,
    SubmitResult,
    TaskFacts,
    TaskState,
)

__all__ = ["Adapter", "AdapterContext", "ModelInfo", "Secret"]


async def endpoint_answers(read: Awaitable[object]) -> None:
    """Await an adapter's own cheap preflight read: a refused key (`AuthError`) and an
    endpoint that cannot be reached (`ConnectRefused`) stop the run; any other answer, an
    error included, means the endpoint is there (see `Adapter.preflight`)."""
    try:
        await read
    except (errors.AuthError, errors.ConnectRefused):
        raise
    except errors.ProviderError:
        return


@dataclass(frozen=True)
class ModelInfo:
    """A known provider model: id, capabilities and list price with its source."""

    provider_model: str
    capabilities: Capabilities
    price_note: str  # human-readable list price, e.g. "CNY 46 / M tokens (720p)"
    price_source: str  # where and when the price was read
    label: str = ""
    lifecycle: Lifecycle = LIVE  # live / preview / deprecated / retired, with its source
    # The model maker's id when this is one route of a model several providers serve (e.g.
    # "bytedance/seedance-2.0" on Ark, fal, Runway): reports group such routes as one model.
    same_as: str = ""


@dataclass(frozen=True)
class AdapterContext:
    """What an adapter instance needs: endpoint, credentials and the model's own params."""

    provider_model: str
    base_url: str
    secrets: dict[str, Secret] = field(default_factory=dict)  # role ("api_key", …) → secret
    params: dict[str, Any] = field(default_factory=dict)
    price_override: dict[str, float] = field(default_factory=dict)
    cny_per_usd: float = 7.1


class Adapter(abc.ABC):
    """One provider API. Subclasses set the class attributes and implement the methods."""

    name: ClassVar[str]
    default_base_url: ClassVar[str]
    # Roles of the secrets this adapter needs → config key naming the environment variable.
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    # The default environment variable for each secret role.
    default_env: ClassVar[dict[str, str]] = {}
    # Provider field names the config's `params` may set (validated before anything is sent).
    allowed_params: ClassVar[frozenset[str]] = frozenset()
    note: ClassVar[str] = ""
    # How many task ids one `poll_many` call may carry (0: the API has no batch status call).
    max_poll_batch: ClassVar[int] = 0
    # True when `find_task` always tells whether a create made a task (a lookup by the
    # client's own id, e.g. Kling's external_task_id): a lost answer is then resolved by that
    # lookup, not by matching the provider's task list, so creates need not go one at a time.
    finds_by_client_id: ClassVar[bool] = False

    def __init__(self, context: AdapterContext, client: httpx.AsyncClient | None):
        self.context = context
        self._client = client

    @property
    def client(self) -> httpx.AsyncClient:
        """The run's HTTP client (a planning adapter, built without one, cannot send)."""
        if self._client is None:
            raise RuntimeError(f"{self.name}: a planning adapter has no HTTP client")
        return self._client

    @classmethod
    @abc.abstractmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Every provider model id this adapter knows, with capabilities and prices."""

    @classmethod
    def capabilities(
        cls, provider_model: str, params: dict[str, Any] | None = None
    ) -> Capabilities:
        """Capabilities of a model; unknown ids (endpoint ids) fall back to the first model."""
        models = cls.known_models()
        info = models.get(provider_model) or next(iter(models.values()))
        return info.capabilities

    @classmethod
    def check_model_id(cls, provider_model: str) -> str | None:
        """A problem message if `provider_model` is not a model this adapter knows."""
        known = cls.known_models()
        if provider_model in known:
            lifecycle = known[provider_model].lifecycle
            if lifecycle.retired:
                return retired_problem(provider_model, cls.name, lifecycle)
            return None
        import difflib

        close = difflib.get_close_matches(provider_model, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown model {provider_model!r} for adapter {cls.name}; {hint}known: {', '.join(known)}"

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Problems with a model's provider `params` (empty when fine)."""
        unknown = sorted(set(params) - cls.allowed_params)
        return [
            f"unknown provider field {k!r} for adapter {cls.name}; known: "
            f"{', '.join(sorted(cls.allowed_params))}"
            for k in unknown
        ]

    @abc.abstractmethod
    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """The list-price cost of this request if it succeeds (for planning and budget)."""

    @abc.abstractmethod
    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The billed cost of a finished task (tokens or seconds as the provider reports)."""

    @abc.abstractmethod
    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Create the provider task. Raises a ProviderError on failure."""

    @abc.abstractmethod
    async def poll(self, task_id: str) -> TaskState:
        """Fetch the task's state once."""

    async def poll_many(self, task_ids: list[str]) -> dict[str, TaskState]:
        """Fetch several tasks' states in one request where the API allows it.

        Ids missing from the answer are polled one by one by the caller.
        """
        raise NotImplementedError

    @abc.abstractmethod
    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """Where to fetch the finished video (the runner streams it)."""

    async def find_task(self, request: GenerationRequest) -> str | None:
        """After an ambiguous create, the task id created for this job if the API can tell.

        Returns None when the API has no lookup (the job is then `ambiguous_create`).
        Raises NotImplementedError when lookup is impossible for this provider.
        """
        raise NotImplementedError

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """Tasks of `provider_model` created at or after `since_s` (Unix s), newest first.

        Optional: raises NotImplementedError (with the reason) where the API cannot list.
        """
        raise NotImplementedError(f"{self.name} cannot list its tasks")

    def task_facts(self, request: GenerationRequest) -> TaskFacts:
        """What a task made for `request` looks like in `list_recent_tasks` (for matching)."""
        return TaskFacts(request.provider_model, request.duration_s, request.ratio)

    async def preflight(self) -> None:
        """One cheap read before this endpoint's first create, so a dead endpoint stops the
        run before anything is sent. Raises `AuthError` when the key is refused (401/403) or
        `ConnectRefused` when the endpoint cannot be reached (DNS, refused, TLS, connect
        timeout); any other answer, an error included, means the endpoint is there.

        Default: the provider's task list where the adapter has one (it carries the key, so
        a refused key shows), else a connection to `base_url` (`http.check_reachable`). An
        adapter may override it with its own cheap call (a models or get call); never a create.
        """
        try:
            await self.list_recent_tasks(self.context.provider_model, time.time())
        except NotImplementedError:
            await check_reachable(self.client, self.context.base_url, provider=self.name)

    async def live_price(self) -> LivePrice | None:
        """This model's price from the provider's own pricing endpoint; None where it has
        none. Raises a `ProviderError` when the endpoint fails and `PriceRefused` for an
        answer that is not a plausible price: the planner then uses the bundled table."""
        return None

    async def cancel(self, task_id: str) -> None:  # noqa: B027 - optional
        """Cancel a task where the API allows it."""
