"""Which price each model is planned at: the config's, the provider's live one, or bundled.

A model's `price:` in the config wins (`config`). Otherwise, when the model is not
simulated, its adapter has a pricing endpoint (`Adapter.live_price`) and every key it needs
is set in the environment, the endpoint is read once before planning (all models at once,
each within a deadline) and its rates price the estimate and the budget (`live`). Anything
else is the adapter's bundled table (`bundled`): no key, a simulated model,
`VIDBENCH_PRICES=bundled`, or a pricing answer that failed or was refused, which is said in
one line on stderr and recorded in the manifest's entry (`live_refused`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from vidbench.adapters.registry import load_adapter
from vidbench.core.config.config import LoadedConfig, ModelConfig
from vidbench.core.plan.adapter_factory import planning_context, required_secrets, run_adapter
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.http import build_client
from vidbench.core.seam.prices import LivePrice, PriceRefused

PRICES_ENV = "VIDBENCH_PRICES"  # "bundled": never ask a pricing endpoint
FETCH_DEADLINE_S = 15.0  # per model, the whole read; the adapter's own request deadline is lower


@dataclass(frozen=True)
class PriceChoice:
    """The price one model is planned at, and the manifest's `price` entry for it."""

    source: str  # "config", "live" or "bundled"
    rates: dict[str, float]  # what the planning adapter is priced with (empty: its table)
    entry: dict[str, Any]


def _has_pricing_endpoint(model: ModelConfig) -> bool:
    return load_adapter(model.adapter).live_price is not Adapter.live_price


def wants_live(model: ModelConfig) -> bool:
    """True when this model's price should be read from its provider before planning."""
    if os.environ.get(PRICES_ENV, "").strip().lower() == "bundled":
        return False
    if model.simulate is not None or model.price or not _has_pricing_endpoint(model):
        return False
    env_vars = required_secrets(model).values()
    return bool(env_vars) and all(v and os.environ.get(v) for v in env_vars)


async def _read_one(model: ModelConfig, config: LoadedConfig, client: httpx.AsyncClient) -> Any:
    """The model's LivePrice, or the exception that stopped it (never raised)."""
    adapter = run_adapter(model, config.config, None, client)
    try:
        async with asyncio.timeout(FETCH_DEADLINE_S):
            return await adapter.live_price()
    except TimeoutError:
        return errors.TransientError(f"no answer within {FETCH_DEADLINE_S:g} s")
    except (errors.ProviderError, PriceRefused) as exc:
        return exc


async def _read_all(models: list[ModelConfig], config: LoadedConfig) -> list[Any]:
    async with build_client() as client:
        return await asyncio.gather(*(_read_one(m, config, client) for m in models))


def read_live_prices(models: list[ModelConfig], config: LoadedConfig) -> dict[str, Any]:
    """Model id → LivePrice, None (no endpoint) or the error; in a thread of its own, so a
    caller already inside an event loop (a notebook) can plan too."""
    if not models:
        return {}
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        answers = pool.submit(asyncio.run, _read_all(models, config)).result()
    return {m.id: answer for m, answer in zip(models, answers, strict=True)}


def _why(error: Exception) -> str:
    text = error.message if isinstance(error, errors.ProviderError) else str(error)
    status = getattr(error, "status_code", None)
    return (f"HTTP {status}: " if status else "") + errors.truncate(text, 200)


def _stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")


def choose_prices(
    config: LoadedConfig, say: Callable[[str], None] = _stderr_line
) -> dict[str, PriceChoice]:
    """Model id → the price it is planned at (see the module docstring)."""
    live = read_live_prices([m for m in config.config.models if wants_live(m)], config)
    choices: dict[str, PriceChoice] = {}
    for model in config.config.models:
        answer = live.get(model.id)
        if model.price:
            rates = dict(model.price)
            choices[model.id] = PriceChoice("config", rates, {"source": "config", **rates})
        elif isinstance(answer, LivePrice):
            choices[model.id] = PriceChoice("live", dict(answer.rates), answer.entry())
        else:
            entry: dict[str, Any] = {"source": "bundled"}
            if isinstance(answer, Exception):
                entry["live_refused"] = _why(answer)
                say(
                    f"price: {model.id}: the live price was not used ({entry['live_refused']}); "
                    "the bundled price is used"
                )
            choices[model.id] = PriceChoice("bundled", {}, entry)
    return choices


def priced_adapter(model: ModelConfig, cny_per_usd: float, choice: PriceChoice | None) -> Adapter:
    """A planning adapter priced at the chosen rates (a live price stands in for `price:`)."""
    context = planning_context(model, cny_per_usd)
    if choice is not None and choice.source == "live":
        context = replace(context, price_override=dict(choice.rates))
    return load_adapter(model.adapter)(context, None)
