"""抽卡 statistics against closed-form cases."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from vidbench.reports.draws import (
    _rate_interval,
    draw_stats,
    draws_curve_svg,
    draws_needed,
    pass_at_k,
    samples_advice,
    several_samples,
)
from vidbench.reports.intervals import wilson_ci


def frame(pattern: dict[str, list[bool]], model: str = "m", cost_usd: float = 0.5) -> pd.DataFrame:
    """One row per draw: prompt → usable flags of its samples."""
    rows = [
        {
            "model": model,
            "prompt_id": p,
            "sample": i,
            "status": "succeeded",
            "usable": u,
            "cost_usd": cost_usd,
        }
        for p, flags in pattern.items()
        for i, u in enumerate(flags)
    ]
    return pd.DataFrame(rows)


def brute_pass_at_k(n: int, c: int, k: int) -> float:
    """Share of k-subsets of the n draws with at least one usable (the estimator's definition)."""
    draws = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    return sum(any(draws[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize(
    ("n", "c", "k"), [(4, 2, 1), (4, 2, 2), (4, 2, 3), (5, 1, 2), (6, 0, 3), (3, 3, 1), (7, 2, 4)]
)
def test_pass_at_k_matches_enumeration(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(brute_pass_at_k(n, c, k))


def test_closed_form_half_usable() -> None:
    # Every prompt: 4 draws, 2 usable. pass@1 = 1/2, pass@2 = 1 − C(2,2)/C(4,2) = 5/6,
    # pass@3 = 1, expected draws = 1/p = 2, cost of a usable clip = 0.5 / 0.5 = 1.0 USD.
    stats = draw_stats(frame({f"p{i}": [True, False, True, False] for i in range(10)}))
    (s,) = stats
    assert s.pass_at == pytest.approx([0.5, 5 / 6, 1.0, 1.0])
    assert s.expected_draws == pytest.approx(2.0)
    assert s.cost_per_usable_usd == pytest.approx(1.0)
    # The inverted Wilson interval of 20 usable of 40 (a bootstrap over identical prompts
    # collapsed to [2, 2], as if 40 draws settled the rate).
    low, high = wilson_ci(20, 40)
    assert (s.draws_per_usable_low, s.draws_per_usable_high) == pytest.approx((1 / high, 1 / low))
    assert (s.expected_draws_low, s.expected_draws_high) == pytest.approx((1 / high, 1 / low))
    assert (s.cost_per_usable_low_usd, s.cost_per_usable_high_usd) == pytest.approx(
        (0.5 / high, 0.5 / low)
    )
    # Identical prompts: a given prompt takes as many draws as the pool (no heterogeneity).
    assert s.prompt_draws == pytest.approx(2.0, rel=0.01) and s.prompts_never_usable == 0
    assert s.max_samples == 4 and s.draws == 40 and s.usable == 10 * 2


def test_ci_widens_with_heterogeneous_prompts_and_never_usable_is_infinite() -> None:
    mixed = frame({f"p{i}": [i % 2 == 0] * 3 for i in range(10)})  # half the prompts never usable
    (s,) = draw_stats(mixed)
    assert s.expected_draws == pytest.approx(2.0)
    assert s.expected_draws_low < 2.0 < s.expected_draws_high
    assert s.pass_at == pytest.approx([0.5, 0.5, 0.5])  # a prompt is either always or never usable
    # Half the prompts never give a usable clip: a given prompt's expected draws are infinite.
    assert math.isinf(s.prompt_draws) and s.prompts_never_usable == 5 and s.beta_alpha < 1
    (never,) = draw_stats(frame({"p0": [False, False], "p1": [False, False]}))
    assert math.isinf(never.expected_draws) and math.isinf(never.cost_per_usable_usd)


def test_unattempted_draws_do_not_count() -> None:
    df = frame({"p0": [True, False]})
    df.loc[len(df)] = {
        "model": "m",
        "prompt_id": "p0",
        "sample": 2,
        "status": "skipped",
        "usable": False,
        "cost_usd": 0.0,
    }
    (s,) = draw_stats(df)
    assert s.draws == 2 and s.pass_at == pytest.approx([0.5, 1.0])


def test_one_sample_advice() -> None:
    df = frame({f"p{i}": [i < 5] for i in range(10)})
    assert not several_samples(df) and several_samples(frame({"p0": [True, False]}))
    (advice,) = samples_advice(df, ci_width=0.10)
    # n = (2·1.96)² · ½ · ½ / 0.1² = 384.1 → 385 draws; 39 samples for each of 10 prompts.
    assert advice.draws_needed == 385 == draws_needed(0.5, 0.10)
    assert advice.samples_per_prompt == 39
    assert draws_needed(0.9, 0.10) == 139  # (3.92)² · 0.09 / 0.01 = 138.3
    assert draws_needed(1.0, 0.2) == draws_needed(0.5, 0.2)  # no information: the worst case


def test_curve_svg() -> None:
    svg = draws_curve_svg(draw_stats(frame({"p0": [True, False, False]})), {"m": "#000000"})
    assert svg.lstrip().startswith("<?xml") and "pass@k" in svg


def test_draws_per_usable_clip_covers_prompts_of_the_same_kind_when_prompts_differ() -> None:
    """Prompts with Beta(2, 2) usable rates, 20 prompts × 3 draws: the inverted Wilson interval
    held 1 / E[p] in .90 of suites (it counts clips as independent; benchmarks/
    draws_coverage.py); widened over prompts it holds it ≥ .93, and still the suite's own."""
    rng = np.random.default_rng(11)
    reps, held_population, held_suite = 1000, 0, 0
    for _ in range(reps):
        p = rng.beta(2.0, 2.0, 20)
        n = np.full(20, 3)
        c = rng.binomial(3, p)
        low, high = _rate_interval(n, c)
        held_population += low <= 0.5 <= high
        held_suite += low <= p.mean() <= high
    assert held_population / reps >= 0.93
    assert held_suite / reps >= 0.93


def test_the_rate_interval_is_wilsons_where_prompts_do_not_differ() -> None:
    n, c = np.full(10, 4), np.full(10, 2)
    assert _rate_interval(n, c) == pytest.approx([float(v) for v in wilson_ci(20, 40)])
    assert _rate_interval(np.array([5]), np.array([5])) == pytest.approx(
        [float(v) for v in wilson_ci(5, 5)]
    )
    low, high = _rate_interval(np.full(10, 3), np.array([3, 0] * 5))
    wilson_low, wilson_high = wilson_ci(15, 30)
    assert low < wilson_low and high > wilson_high and low >= 0.0 and high <= 1.0
