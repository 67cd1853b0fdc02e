"""The adapter contract, run against every registered adapter and its own simulator.

Every name `vidbench.adapters.registry` knows (built-ins, entry points, in-process
registrations) that declares a `SIMULATOR` is exercised the same way, with no table of
providers here: a new provider package gets these tests by being registered. What one
video needs is read from the adapter's own declarations (its first live model, that
model's capabilities); a package whose adapter needs more (Vertex needs a project) exports
a small `CONTRACT_EXAMPLE = {"provider_model": ..., "params": {...}}`.

The contract, from `vidbench.core.seam.adapter`: a create returns a task id; polling reaches
SUCCEEDED; `download_spec` gives what the runner's own download streams to an MP4; the
list price and the billed cost are finite USD figures; a refused key and a rate limit are
refused as `AuthError` and `RateLimited` with no task made; a create whose answer is lost
after the task was made raises a `TransientError` (outcome unknown, never a refusal), and
the task is then found where the adapter says it can look (`find_task` by the client's id,
or `list_recent_tasks` matched by `task_facts`, as reconciliation does), or both say they
cannot (the job stays `ambiguous_create`).
"""

from __future__ import annotations

import importlib
import math
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from provider_sim_helpers import poll_until_terminal, run_with

from vidbench.adapters import registry
from vidbench.core.common.video import probe
from vidbench.core.run.download import stream_to_file
from vidbench.core.run.reconcile import mismatches
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import Cost, GenerationRequest, TaskState, TaskStatus
from vidbench.core.sim.profiles import Faults, Profile
from vidbench.core.sim.server import SimServer

T = TypeVar("T")

TEXT = "a red ball bounces on green grass"
QUICK: dict[str, Any] = {"queue_s": (0.0, 0.0), "run_s": (0.2, 0.0), "input_moderation_words": ()}
PROFILES = {
    "contract": Profile("contract", "every task succeeds at once", **QUICK),
    "contract-storm": Profile(
        "contract-storm", "every create is rate limited", faults=Faults(rate_limit_storm_rate=1.0),
        **QUICK,
    ),
    "contract-lost": Profile(
        "contract-lost", "every create makes its task, then answers 500",
        faults=Faults(create_5xx_rate=1.0), **QUICK,
    ),
}  # fmt: skip
RENDER_SCALE = 0.1  # every simulator renders a tenth of the nominal size: quick, still an MP4
WRONG_KEY = "contract-wrong-key"


@dataclass(frozen=True)
class Example:
    """One minimal valid video for an adapter: a model it declares and what it needs."""

    adapter: str
    provider_model: str
    request: GenerationRequest
    params: dict[str, Any] = field(default_factory=dict)


def declared_example(cls: type[Adapter]) -> dict[str, Any]:
    """The `CONTRACT_EXAMPLE` the adapter's package exports, if any."""
    module_name = cls.__module__  # the package, or a module of it (`pkg.adapter`)
    for name in filter(None, (module_name, module_name.rpartition(".")[0])):
        module = importlib.import_module(name)
        if getattr(module, "ADAPTER", None) is cls and hasattr(module, "CONTRACT_EXAMPLE"):
            return dict(module.CONTRACT_EXAMPLE)
    return {}


def example_for(name: str, serial: str = "0") -> Example:
    """The adapter's first live model at its shortest duration, from its own declarations."""
    cls = registry.get(name)
    declared = declared_example(cls)
    live = [m for m, info in cls.known_models().items() if not info.lifecycle.retired]
    assert live or declared.get("provider_model"), f"{name} declares no live model"
    model = str(declared.get("provider_model") or live[0])
    params = dict(declared.get("params") or {})
    caps = cls.capabilities(model, params)
    request = GenerationRequest(
        job_id=f"contract-{name}-{serial}",
        external_id=f"run-contract-{name}-{serial}-{time.monotonic_ns()}",
        provider_model=model,
        text=TEXT,
        duration_s=min(caps.durations_s),
        ratio="16:9" if "16:9" in caps.ratios else caps.ratios[0],
        resolution=caps.default_resolution or caps.resolutions[0],
        params=dict(params),
    )
    return Example(name, model, request, params)


def simulated_adapters() -> list[str]:
    """Every registered adapter that brings a simulator."""
    return sorted(registry.simulators())


def test_every_registered_adapter_brings_its_simulator() -> None:
    missing = [name for name in registry.names() if registry.simulator(name) is None]
    assert not missing, f"provider packages without SIMULATOR: {missing}"
    assert set(simulated_adapters()) == set(registry.names())


def contract_server() -> SimServer:
    """All registered simulators with the contract's profiles, rendering small, each with the
    settings its package's `CONTRACT_EXAMPLE` asks for."""
    settings = {
        mount.segment: {
            "render_scale": RENDER_SCALE,
            **declared_example(registry.get(name)).get("sim_settings", {}),
        }
        for name, mount in registry.simulators().items()
    }
    return SimServer(default_profile="contract", profiles=PROFILES, settings=settings, seed=3)


def run_against(
    server: SimServer,
    example: Example,
    action: Callable[[Adapter], Awaitable[T]],
    *,
    profile: str | None = None,
    wrong_key: bool = False,
) -> T:
    """Build the adapter on its simulator (its own credentials, or refused ones) and run `action`."""
    roles = registry.get(example.adapter).secret_roles
    refused = dict.fromkeys(roles, WRONG_KEY) if wrong_key else None
    return run_with(
        server, example.adapter, example.provider_model, action, profile=profile,
        params=example.params, secret_override=refused,
    )  # fmt: skip


def tasks_made(server: SimServer, example: Example, profile: str) -> int:
    """Tasks the adapter's simulator made under `profile` (its state is kept by segment)."""
    segment = server.mounts[example.adapter].segment
    return len(server.context(segment, profile).tasks)


def assert_priced(cost: Cost, cny_per_usd: float = 7.1) -> None:
    """A finite, non-negative figure whose USD value agrees with its own currency."""
    assert math.isfinite(cost.usd) and cost.usd >= 0, cost
    assert math.isfinite(cost.native) and cost.native >= 0, cost
    if cost.currency == "USD":
        assert cost.usd == pytest.approx(cost.native)
    elif cost.currency == "CNY":
        assert cost.usd == pytest.approx(cost.native / cny_per_usd)


def check_generation(server: SimServer, example: Example, video: Path) -> None:
    """Create, poll to done, download with the runner's own download, price it."""

    async def action(adapter: Adapter) -> tuple[TaskState, Cost | str, Cost | str]:
        await adapter.preflight()  # the right key on a live endpoint passes
        submitted = await adapter.submit(example.request)
        assert submitted.task_id, "a create returns the task's id"
        state = await poll_until_terminal(adapter, submitted.task_id)
        assert state.status is TaskStatus.SUCCEEDED, state
        spec = adapter.download_spec(submitted.task_id, state)
        await stream_to_file(adapter.client, spec.url, dict(spec.headers), video)
        estimate = price(lambda: adapter.estimate_cost(example.request))
        return state, estimate, price(lambda: adapter.actual_cost(example.request, state))

    state, estimate, billed = run_against(server, example, action)
    assert state.error_kind is None
    found = probe(video)
    assert found.width and found.height, found
    if isinstance(estimate, str):  # no bundled price: refused before anything is sent
        assert "price" in estimate and billed == estimate, (estimate, billed)
        return
    assert isinstance(billed, Cost), billed
    assert_priced(estimate)
    assert_priced(billed)
    assert billed.currency == estimate.currency
    if estimate.usd > 0:  # a list price known: a success is billed something
        assert billed.usd > 0


def price(compute: Callable[[], Cost]) -> Cost | str:
    """The cost, or the message of the refusal of a model the adapter has no price for."""
    try:
        return compute()
    except errors.UnsupportedRequest as refused:
        return str(refused)


def check_refusals(server: SimServer, example: Example) -> None:
    """A refused key → AuthError, a rate limit → RateLimited; neither makes a task."""
    with pytest.raises(errors.AuthError) as refused:
        run_against(
            server, example, lambda a: a.submit(example.request), profile="contract",
            wrong_key=True,
        )  # fmt: skip
    assert WRONG_KEY not in str(refused.value)
    with pytest.raises(errors.RateLimited):
        run_against(server, example, lambda a: a.submit(example.request), profile="contract-storm")
    assert tasks_made(server, example, "contract-storm") == 0


def check_lost_answer(server: SimServer, example: Example) -> None:
    """A 5xx after the task was made: outcome unknown, then found where the adapter looks."""
    since_s = time.time() - 1.0

    async def action(adapter: Adapter) -> dict[str, Any]:
        with pytest.raises(errors.TransientError) as lost:
            await adapter.submit(example.request)
        assert not isinstance(lost.value, errors.ConnectRefused), "the request was sent"
        seen: dict[str, Any] = {}
        try:
            seen["found"] = await adapter.find_task(example.request)
        except NotImplementedError:
            seen["found"] = NotImplemented
        try:
            listed = await adapter.list_recent_tasks(example.provider_model, since_s)
        except NotImplementedError:
            seen["listed"] = NotImplemented
        else:
            wanted = adapter.task_facts(example.request)
            seen["listed"] = [t.task_id for t in listed if not mismatches(wanted, t.facts)]
        if seen["found"] not in (None, NotImplemented):
            seen["state"] = await adapter.poll(seen["found"])
        return seen

    seen = run_against(server, example, action, profile="contract-lost")
    assert tasks_made(server, example, "contract-lost") == 1  # the task was made
    cls = registry.get(example.adapter)
    if cls.finds_by_client_id:
        assert seen["found"] not in (None, NotImplemented), seen
    if seen["found"] not in (None, NotImplemented):
        assert seen["state"].status is not TaskStatus.EXPIRED, seen
    if seen["listed"] is not NotImplemented:
        assert len(seen["listed"]) == 1, seen  # exactly one candidate: reconciliation adopts it
        if seen["found"] not in (None, NotImplemented):
            assert seen["listed"] == [seen["found"]]
    # else: no lookup and no list — the job stays ambiguous_create, as the adapter declares


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with contract_server() as srv:
        yield srv


@pytest.mark.parametrize("name", simulated_adapters())
def test_create_poll_download_and_cost(server: SimServer, name: str, tmp_path: Path) -> None:
    check_generation(server, example_for(name), tmp_path / "video.mp4")


@pytest.mark.parametrize("name", simulated_adapters())
def test_a_refused_create_makes_no_task(server: SimServer, name: str) -> None:
    check_refusals(server, example_for(name, "refused"))


@pytest.mark.parametrize("name", simulated_adapters())
def test_a_lost_answer_is_unknown_then_found_where_the_adapter_looks(
    server: SimServer, name: str
) -> None:
    check_lost_answer(server, example_for(name, "lost"))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


@pytest.mark.parametrize("name", simulated_adapters())
def test_preflight_on_a_dead_endpoint_is_connect_refused(server: SimServer, name: str) -> None:
    """A run against a dead endpoint must stop before its first create: the adapter's
    preflight raises ConnectRefused there (an own preflight that treats every provider error
    as 'the endpoint answered' passed a closed port)."""
    example = example_for(name, "dead")
    dead = f"http://127.0.0.1:{closed_port()}"

    async def action(adapter: Adapter) -> None:
        adapter.context = replace(adapter.context, base_url=dead)
        await adapter.preflight()

    with pytest.raises(errors.ConnectRefused):
        run_against(server, example, action)


@pytest.mark.parametrize("name", simulated_adapters())
def test_the_example_is_valid_by_the_adapters_own_checks(name: str) -> None:
    example = example_for(name)
    cls = registry.get(name)
    problem = cls.check_model_id(example.provider_model)
    if cls.known_models()[example.provider_model].lifecycle.retired:
        # only a package's own CONTRACT_EXAMPLE picks a retired model (to rehearse the old
        # contract); a config naming it is refused before anything is sent
        assert problem is not None and "retired" in problem
        assert declared_example(cls).get("provider_model") == example.provider_model
    else:
        assert problem is None
    assert cls.validate_params(example.provider_model, example.params) == []
    caps = cls.capabilities(example.provider_model, example.params)
    assert example.request.duration_s in caps.durations_s
    assert example.request.ratio in caps.ratios


# -- a new provider gets the contract for free ---------------------------------------------

TOY = "contract_toy"


@pytest.fixture
def toy_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`tests/adapters/contract_provider` installed as a plugin is: an entry point in the
    `vidbench.adapters` group of a distribution on sys.path (no edit to vidbench)."""
    dist_info = tmp_path / "vidbench_contract_toy-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: vidbench-contract-toy\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\n{TOY} = contract_provider\n", encoding="utf-8"
    )
    with monkeypatch.context() as patch:
        patch.syspath_prepend(str(tmp_path))
        registry.refresh()
        yield
    registry.refresh()  # the plugin is gone again for every later test


@pytest.mark.usefixtures("toy_plugin")
def test_a_provider_registered_by_entry_point_passes_the_contract(tmp_path: Path) -> None:
    assert TOY in registry.names() and TOY in simulated_adapters()
    with contract_server() as toy_server:
        check_generation(toy_server, example_for(TOY), tmp_path / "toy.mp4")
        check_refusals(toy_server, example_for(TOY, "refused"))
        check_lost_answer(toy_server, example_for(TOY, "lost"))


@pytest.mark.usefixtures("toy_plugin")
def test_the_contract_fails_a_provider_that_breaks_its_promise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The toy says it finds a lost create by its client id; one that does not is caught."""

    async def finds_nothing(self: Adapter, request: GenerationRequest) -> str | None:
        return None

    monkeypatch.setattr(registry.get(TOY), "find_task", finds_nothing)
    with contract_server() as toy_server, pytest.raises(AssertionError, match="found"):
        check_lost_answer(toy_server, example_for(TOY, "lost"))
