"""Expected draws for a given prompt (E[1/p], beta-binomial) against redrawing prompts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vidbench.reports.beta_binomial import (
    expected_inverse_rate,
    fit_beta_binomial,
    median_prompt_draws,
    prompt_draws_interval,
)
from vidbench.reports.draws import draw_stats


def redraw_prompts(alpha: float, beta: float, prompts: int, rng: np.random.Generator) -> float:
    """Monte Carlo: pick a prompt of the population, draw it until a clip is usable, average."""
    usable_chance = rng.beta(alpha, beta, prompts)
    return float(np.mean(rng.geometric(usable_chance)))


@pytest.mark.parametrize(("alpha", "beta"), [(20.0, 20.0), (4.0, 2.0), (2.0, 2.0)])
def test_fitted_expected_draws_match_redrawing_prompts_within_5_percent(
    alpha: float, beta: float
) -> None:
    rng = np.random.default_rng(int(alpha * 10 + beta))
    draws = np.full(8000, 20)
    usable = rng.binomial(draws, rng.beta(alpha, beta, draws.size))
    fit = fit_beta_binomial(draws, usable)
    monte_carlo = redraw_prompts(alpha, beta, 400_000, rng)
    assert expected_inverse_rate(fit.alpha, fit.beta) == pytest.approx(monte_carlo, rel=0.05)
    pooled = usable.sum() / draws.sum()
    assert 1 / pooled <= monte_carlo  # draws per usable clip understate a given prompt's


def test_beta_two_two_takes_three_draws_not_two() -> None:
    assert expected_inverse_rate(2.0, 2.0) == pytest.approx(3.0)
    assert median_prompt_draws(2.0, 2.0) == pytest.approx(2.0)
    assert math.isinf(expected_inverse_rate(1.0, 3.0))  # rates near 0 common enough: infinite


def test_draw_stats_reports_the_fit_and_an_interval_around_it() -> None:
    rng = np.random.default_rng(7)
    rates = rng.beta(2.0, 2.0, 300)
    rows = [
        {"model": "m", "prompt_id": f"p{i}", "sample": s, "status": "succeeded",
         "usable": bool(rng.random() < r), "cost_usd": 0.5}
        for i, r in enumerate(rates) for s in range(6)
    ]  # fmt: skip
    (s,) = draw_stats(pd.DataFrame(rows))
    assert s.prompt_draws == pytest.approx(3.0, rel=0.2)
    assert s.prompt_draws_low < s.prompt_draws < s.prompt_draws_high
    assert s.draws_per_usable == pytest.approx(s.draws / s.usable)
    assert s.draws_per_usable < s.prompt_draws
    assert s.beta_alpha == pytest.approx(2.0, rel=0.35) and s.beta_beta == pytest.approx(
        2.0, rel=0.35
    )
    assert s.cost_per_usable_usd == pytest.approx(0.5 * s.draws_per_usable)


def test_bootstrap_interval_of_a_tiny_suite_can_be_unbounded() -> None:
    # 10 prompts of 4 draws cannot rule out rates near 0: the upper end is honest infinity.
    draws = np.full(10, 4)
    usable = np.array([0, 1, 2, 4, 3, 1, 2, 0, 3, 2])
    low, high = prompt_draws_interval(draws, usable, 400, 0.95, 0)
    assert 1.0 < low < 3.0 and math.isinf(high)


def test_every_draw_usable_takes_one_draw_and_its_interval_says_so() -> None:
    # 9 prompts, 4 draws each, all usable: E[1/p] = 1; the grid's argmax read it as infinite.
    draws = np.full(9, 4)
    low, high = prompt_draws_interval(draws, draws, 400, 0.95, 0)
    assert (low, high) == (1.0, 1.0)
    fit = fit_beta_binomial(draws, draws)
    assert expected_inverse_rate(fit.alpha, fit.beta) == pytest.approx(1.0, abs=0.01)
    mixed = np.array([4, 4, 4, 4, 4, 4, 4, 4, 3])  # one missed draw: resamples differ
    low, high = prompt_draws_interval(draws, mixed, 400, 0.95, 0)
    assert low == 1.0 and high > 1.0
