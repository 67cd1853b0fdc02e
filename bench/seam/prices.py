"""Live prices: a model's price as its provider's own pricing endpoint answered it.

An adapter whose provider publishes prices (fal's pricing API, OpenRouter's model list)
answers `Adapter.live_price` with a `LivePrice`; planning uses it for the estimate and the
budget when a key is set, and the run's manifest records it with the time it was read. An
answer that is not a plausible price is refused here (`PriceRefused`), so the caller falls
back to the bundled table with a visible line instead of planning on a hostile figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# The dearest per-second list price we know is about USD 0.75 (a 1080p Veo SKU); fifty
# dollars a second is not a video price, and zero would let any budget pass.
MAX_USD_PER_SECOND = 50.0


class PriceRefused(ValueError):
    """A pricing answer that is not a plausible price (shape, unit, currency or value)."""


@dataclass(frozen=True)
class LivePrice:
    """One model's price read from its provider: rates in the config's `price:` vocabulary."""

    rates: dict[str, float]  # e.g. {"usd_per_second": 0.2419}, as a config's `price:` names it
    endpoint: str  # the URL that was read (never a key)
    unit: str  # the provider's own unit name, e.g. "video_second"
    fetched_at: str = field(default_factory=lambda: utc_now())  # ISO 8601, UTC

    def entry(self) -> dict[str, Any]:
        """The manifest's `price` entry for this model."""
        return {"source": "live", **self.rates, "unit": self.unit,
                "fetched_at": self.fetched_at, "endpoint": self.endpoint}  # fmt: skip


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def per_second_rate(value: Any, what: str) -> float:
    """`value` as a USD-per-second price, or `PriceRefused` with the reason: not a number
    (numeric strings, as some lists send, are read), negative, zero or absurd."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PriceRefused(f"{what} is not a number: {str(value)[:40]!r}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise PriceRefused(f"{what} is not a number: {str(value)[:40]!r}") from None
    if math.isnan(number) or math.isinf(number):
        raise PriceRefused(f"{what} must be a finite number, not {str(value)[:40]!r}")
    if number <= 0:
        raise PriceRefused(f"{what} must be more than 0 (got {number:g})")
    if number > MAX_USD_PER_SECOND:
        raise PriceRefused(f"{what} {number:g} is beyond the sane bound {MAX_USD_PER_SECOND:g}")
    return number


def recorded_live_rates(prices: Any) -> dict[str, dict[str, float]]:
    """Model id → the live rates a run's manifest recorded (`prices[id].price`, source live),
    each checked again as a price: the run bills at the price it was planned and budgeted at,
    on resume too, without asking the endpoint again. A malformed or implausible entry is
    left out (that model bills at its bundled table)."""
    out: dict[str, dict[str, float]] = {}
    if not isinstance(prices, dict):
        return out
    for model_id, row in prices.items():
        entry = row.get("price") if isinstance(row, dict) else None
        if not isinstance(entry, dict) or entry.get("source") != "live":
            continue
        try:
            rates = {
                key: per_second_rate(value, key)
                for key, value in entry.items()
                if isinstance(key, str) and key.startswith("usd_per_")
            }
        except PriceRefused:
            continue
        if rates:
            out[str(model_id)] = rates
    return out
