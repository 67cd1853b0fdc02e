"""Sanity bounds on money and usage: what users type (budgets, prices, rates) and what
providers report (token counts, costs). Values outside them are refused with a reason."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from vidbench.core.seam.types import TaskState

if TYPE_CHECKING:
    from vidbench.core.seam.adapter import Adapter
    from vidbench.core.seam.types import GenerationRequest

# A 4k, 60 s, 60 fps clip is ~30 M Seedance tokens; a thousand times that is not a clip.
MAX_TOKENS_PER_JOB = 10**9
# The dearest clip on any price list is ~$15 (Sora 2 Pro, 1080p, 20 s); $1000 is not a clip.
MAX_COST_PER_JOB_USD = 1_000.0
# Native currencies (CNY, USD, …) are within a factor 1000 of USD for any price we know.
MAX_COST_PER_JOB_NATIVE = MAX_COST_PER_JOB_USD * 1_000


def _number(value: Any) -> float | None:
    """The value as a float when it is a real number (not bool, not a string), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond float range
        return math.inf


def amount_problem(value: Any, what: str, *, maximum: float | None = None) -> str | None:
    """Why `value` is not a finite, non-negative amount (at most `maximum`), or None."""
    number = _number(value)
    if number is None:
        return f"{what} is not a number: {value!r}"
    if math.isnan(number) or math.isinf(number):
        return f"{what} must be a finite number, not {value!r}"
    if number < 0:
        return f"{what} must not be negative ({value!r})"
    if maximum is not None and number > maximum:
        return f"{what} {value!r} is beyond the sane bound {maximum:g}"
    return None


def budget_problem(max_cost_usd: float | None) -> str | None:
    """Why a budget (e.g. `--max-cost`) is unusable: NaN, infinite, zero or negative."""
    if max_cost_usd is None:
        return None
    problem = amount_problem(max_cost_usd, "--max-cost")
    if problem is None and max_cost_usd == 0:
        return "--max-cost must be greater than 0"
    return problem


def usage_problem(tokens: Any = None, cost_usd: Any = None, cost_native: Any = None) -> str | None:
    """Why a job's reported tokens or cost are not plausible, or None (None values pass)."""
    checks = (
        (tokens, "token count", float(MAX_TOKENS_PER_JOB)),
        (cost_usd, "cost_usd", MAX_COST_PER_JOB_USD),
        (cost_native, "cost in the provider's currency", MAX_COST_PER_JOB_NATIVE),
    )
    for value, what, maximum in checks:
        if value is not None:
            problem = amount_problem(value, what, maximum=maximum)
            if problem is not None:
                return problem
    return None


def drop_implausible_usage(row: dict[str, Any]) -> str | None:
    """Set a results row's implausible `tokens`/`cost_usd`/`cost_native` to None; say why."""
    reasons = []
    for column in ("tokens", "cost_usd", "cost_native"):
        problem = usage_problem(**{column: row.get(column)})
        if problem is not None:
            row[column] = None
            reasons.append(problem)
    return "; ".join(reasons) or None


def estimate_fields(estimate_usd: float) -> dict[str, Any]:
    """Cost fields for a job whose reported usage was refused: the plan's estimate, marked."""
    return {
        "tokens": None,
        "cost_usd": round(estimate_usd, 6),
        "cost_native": None,
        "currency": "USD",
        "cost_is_estimate": True,
    }


def checked_cost_fields(
    adapter: Adapter, request: GenerationRequest, state: TaskState, estimate_usd: float
) -> tuple[dict[str, Any], str | None]:
    """The finished job's cost fields and, when the provider's usage is absurd, the reason.

    Tokens are checked before pricing (10^400 tokens would overflow the price arithmetic);
    the priced cost after. A refused usage is recorded at the plan's estimate.
    """
    problem = usage_problem(tokens=state.tokens)
    if problem is None:
        cost = adapter.actual_cost(request, state)
        tokens = cost.tokens if cost.tokens is not None else state.tokens
        problem = usage_problem(tokens, cost.usd, cost.native)
        if problem is None:
            return {
                "tokens": tokens,
                "cost_usd": round(cost.usd, 6),
                "cost_native": round(cost.native, 6),
                "currency": cost.currency,
            }, None
    reason = (
        f"provider reported implausible usage: {problem}; "
        f"cost recorded as the plan's estimate (${estimate_usd:.2f})"
    )
    return estimate_fields(estimate_usd), reason
