"""Money and usage bounds: NaN, infinities, negatives and absurd provider figures are refused."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from vidbench.core.config.config import load_config
from vidbench.core.seam import money
from vidbench.core.seam.errors import ValidationFailed
from vidbench.core.seam.types import Cost, GenerationRequest, TaskState, TaskStatus

REQUEST = GenerationRequest("j", "j", "m", "a red ball", 5, "16:9")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (math.nan, "finite"),
        (math.inf, "finite"),
        (-math.inf, "finite"),
        (-0.01, "negative"),
        ("12", "not a number"),
        (True, "not a number"),
        (None, "not a number"),
        (10**400, "finite"),  # beyond float range
        (2000.0, "sane bound"),
    ],
)
def test_amount_problem_names_what_is_wrong(value: Any, fragment: str) -> None:
    problem = money.amount_problem(value, "price", maximum=1000)
    assert problem is not None and fragment in problem and problem.startswith("price")


@pytest.mark.parametrize("value", [0, 0.0, 1, 999.99, 1000])
def test_amount_problem_accepts_plain_amounts(value: float) -> None:
    assert money.amount_problem(value, "price", maximum=1000) is None


@pytest.mark.parametrize("value", [math.nan, math.inf, -5.0, 0.0])
def test_budget_problem_refuses_nan_inf_zero_and_negative(value: float) -> None:
    problem = money.budget_problem(value)
    assert problem is not None and "--max-cost" in problem


@pytest.mark.parametrize("value", [None, 0.01, 40.0])
def test_budget_problem_accepts_a_positive_budget_or_none(value: float | None) -> None:
    assert money.budget_problem(value) is None


@pytest.mark.parametrize(
    ("tokens", "cost_usd", "fragment"),
    [
        (10**30, None, "token count"),
        (-5, None, "token count"),
        (float("nan"), None, "token count"),
        (1000, -0.5, "cost_usd"),
        (1000, 1e9, "cost_usd"),
        (1000, math.inf, "cost_usd"),
    ],
)
def test_usage_problem_flags_absurd_usage(tokens: Any, cost_usd: Any, fragment: str) -> None:
    problem = money.usage_problem(tokens, cost_usd)
    assert problem is not None and fragment in problem


def test_usage_problem_passes_plausible_and_missing_usage() -> None:
    assert money.usage_problem(None, None, None) is None
    assert money.usage_problem(108_900, 0.71, 5.01) is None
    assert money.usage_problem(0, 0.0, 0.0) is None


class PricedAdapter:
    """Stands in for an adapter: prices tokens at CNY 46 per million (Seedance 2.0)."""

    def __init__(self) -> None:
        self.priced = 0

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        self.priced += 1
        native = (state.tokens or 0) * 46 / 1e6
        return Cost(native, "CNY", native / 7.1, tokens=state.tokens)


def test_plausible_usage_is_priced_as_before() -> None:
    adapter = PricedAdapter()
    state = TaskState(TaskStatus.SUCCEEDED, tokens=108_900)
    fields, problem = money.checked_cost_fields(adapter, REQUEST, state, 0.8)  # type: ignore[arg-type]
    assert problem is None
    assert fields == {
        "tokens": 108_900,
        "cost_usd": round(108_900 * 46 / 1e6 / 7.1, 6),
        "cost_native": round(108_900 * 46 / 1e6, 6),
        "currency": "CNY",
    }


@pytest.mark.parametrize("tokens", [10**30, 10**400, -108_900])
def test_absurd_tokens_are_refused_before_pricing_and_recorded_at_the_estimate(
    tokens: int,
) -> None:
    adapter = PricedAdapter()
    state = TaskState(TaskStatus.SUCCEEDED, tokens=tokens)
    fields, problem = money.checked_cost_fields(adapter, REQUEST, state, 0.8)  # type: ignore[arg-type]
    assert problem is not None and "implausible usage" in problem and "token count" in problem
    assert adapter.priced == 0  # 10**400 would overflow the price arithmetic
    assert fields["tokens"] is None and fields["cost_usd"] == 0.8
    assert fields["cost_is_estimate"] is True


def test_an_absurd_priced_cost_is_refused() -> None:
    class Dear(PricedAdapter):
        def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
            return Cost(-3.0, "USD", -3.0, tokens=state.tokens)

    fields, problem = money.checked_cost_fields(
        Dear(),  # type: ignore[arg-type]
        REQUEST,
        TaskState(TaskStatus.SUCCEEDED, tokens=10),
        0.5,
    )
    assert problem is not None and "negative" in problem and fields["cost_usd"] == 0.5


# ----- config validation ------------------------------------------------------------------


def write_config(tmp_path: Path, extra: str, model_extra: str = "") -> Path:
    (tmp_path / "suite.yaml").write_text(
        "suite: t\nprompts:\n  - {id: p1, category: motion, text: a red ball rolls}\n",
        encoding="utf-8",
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        "name: t\nsuite: suite.yaml\n"
        + extra
        + "models:\n  - id: a\n    adapter: ark\n    model: doubao-seedance-2-0-260128\n"
        + "    simulate: default\n"
        + model_extra,
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("extra", "model_extra", "where"),
    [
        ("budget: {max_cost_usd: .nan}\n", "", "budget.max_cost_usd"),
        ("budget: {max_cost_usd: .inf}\n", "", "budget.max_cost_usd"),
        ("budget: {max_cost_usd: -3}\n", "", "budget.max_cost_usd"),
        ("currency: {cny_per_usd: .inf}\n", "", "currency.cny_per_usd"),
        ("currency: {cny_per_usd: .nan}\n", "", "currency.cny_per_usd"),
        ("", "    price: {cny_per_million_tokens: -46}\n", "models[0].price"),
        ("", "    price: {cny_per_million_tokens: .nan}\n", "models[0].price"),
        ("", "    price: {cny_per_million_tokens: .inf}\n", "models[0].price"),
        ("", "    requests_per_minute: .inf\n", "models[0].requests_per_minute"),
        ("", "    timeout_s: .nan\n", "models[0].timeout_s"),
    ],
)
def test_nan_inf_and_negative_money_is_refused_at_validation(
    tmp_path: Path, extra: str, model_extra: str, where: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        load_config(write_config(tmp_path, extra, model_extra))
    assert f": {where}" in str(info.value)


def test_ordinary_money_settings_still_validate(tmp_path: Path) -> None:
    loaded = load_config(
        write_config(
            tmp_path,
            "budget: {max_cost_usd: 40}\ncurrency: {cny_per_usd: 7.1}\n",
            "    price: {cny_per_million_tokens: 0}\n",
        )
    )
    assert loaded.config.budget.max_cost_usd == 40
    assert loaded.config.models[0].price == {"cny_per_million_tokens": 0}


def test_drop_implausible_usage_blanks_only_the_absurd_fields() -> None:
    row = {"tokens": 10**30, "cost_usd": 0.5, "cost_native": -1.0, "detail": None}
    reason = money.drop_implausible_usage(row)
    assert row == {"tokens": None, "cost_usd": 0.5, "cost_native": None, "detail": None}
    assert reason is not None and "token count" in reason and "negative" in reason
    assert money.drop_implausible_usage({"tokens": 5, "cost_usd": 0.1}) is None
