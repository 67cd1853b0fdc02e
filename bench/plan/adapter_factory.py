"""Where adapter instances and their contexts are built: one place for every stage.

Two kinds of instance exist. A *planning* adapter has the model's context without keys or
an HTTP client (capabilities, prices, cost estimates). A *run* adapter has the endpoint
(the simulator's when the model is simulated), the keys from the environment and the run's
shared client. Planning, the manifest, `vidbench plan`, generation and reconciliation all
build theirs here.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import httpx

from vidbench.adapters.registry import load_adapter
from vidbench.core.config.config import LoadedConfig, ModelConfig, RunConfig
from vidbench.core.config.keyhosts import ForeignKeyHost, host_of, judge_key_host
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter, AdapterContext, Secret


def planning_context(model: ModelConfig, cny_per_usd: float) -> AdapterContext:
    """The model's context without keys: for capabilities and cost estimates."""
    cls = load_adapter(model.adapter)
    return AdapterContext(
        provider_model=model.model,
        base_url=(model.base_url or cls.default_base_url).rstrip("/"),
        params=dict(model.params),
        price_override=dict(model.price),
        cny_per_usd=cny_per_usd,
    )


def planning_adapter(model: ModelConfig, cny_per_usd: float) -> Adapter:
    """An adapter instance without a client or keys, for capabilities and cost estimates."""
    return load_adapter(model.adapter)(planning_context(model, cny_per_usd), None)


def required_secrets(model: ModelConfig) -> dict[str, str]:
    """Secret role → environment variable name for a model (empty when simulated)."""
    if model.simulate is not None:
        return {}
    cls = load_adapter(model.adapter)
    out = {}
    for role, config_key in cls.secret_roles.items():
        out[role] = getattr(model, config_key, None) or cls.default_env.get(role, "")
    return out


def _secrets(model: ModelConfig, simulator: Any) -> dict[str, Secret]:
    """The model's keys: the simulator's when simulated, else from the environment."""
    if model.simulate:
        cls = load_adapter(model.adapter)
        return {
            role: Secret(simulator.secret(model.adapter, role, model.simulate), "(simulator)")
            for role in cls.secret_roles
        }
    secrets = {}
    for role, env_var in required_secrets(model).items():
        value = os.environ.get(env_var)
        if not value:
            raise errors.MissingSecret(model.id, env_var)
        secrets[role] = Secret(value, env_var)
    return secrets


def run_context(
    model: ModelConfig,
    config: RunConfig,
    simulator: Any,
    live_rates: dict[str, float] | None = None,
) -> AdapterContext:
    """Endpoint and keys for one model (the simulator's when the model is simulated), priced
    at the live rates the plan recorded where the config names no `price:`."""
    planned = planning_context(model, config.currency.cny_per_usd)
    base_url = planned.base_url
    if model.simulate:
        base_url = simulator.base_url(model.adapter, model.simulate).rstrip("/")
    if live_rates and not model.price:
        planned = replace(planned, price_override=dict(live_rates))
    return replace(planned, base_url=base_url, secrets=_secrets(model, simulator))


def run_adapter(
    model: ModelConfig,
    config: RunConfig,
    simulator: Any,
    client: httpx.AsyncClient,
    live_rates: dict[str, float] | None = None,
) -> Adapter:
    """One model's adapter for a run: its endpoint, keys and the run's client."""
    context = run_context(model, config, simulator, live_rates)
    return load_adapter(model.adapter)(context, client)


def run_adapters(
    config: RunConfig,
    simulator: Any,
    client: httpx.AsyncClient,
    live_rates: dict[str, dict[str, float]] | None = None,
) -> dict[str, Adapter]:
    """Model id → run adapter, for every model of the config (`live_rates`: model id → the
    live price the run's manifest recorded)."""
    rates = live_rates or {}
    return {m.id: run_adapter(m, config, simulator, client, rates.get(m.id)) for m in config.models}


def foreign_key_hosts(config: LoadedConfig) -> list[ForeignKeyHost]:
    """Every non-simulated model (and the judge) whose keys go to a host other than the
    provider's default."""
    judge = judge_key_host(getattr(config.config, "judge", None))
    out = [judge] if judge is not None else []
    for model in config.config.models:
        if model.simulate is not None or not model.base_url:
            continue
        default = load_adapter(model.adapter).default_base_url
        if host_of(model.base_url) == host_of(default):
            continue
        env_vars = tuple(v for v in required_secrets(model).values() if v)
        if env_vars:
            out.append(
                ForeignKeyHost(model.id, env_vars, host_of(model.base_url), host_of(default))
            )
    return out
