"""Davidson's tie model: the maximum-likelihood fit, ν, and coverage of planted strengths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from vidbench.reports.bradley_terry import ELO_SCALE, Outcome, fit_ratings
from vidbench.reports.davidson import _counts, fit_davidson, fit_davidson_ratings

PLANTED = {"alpha": 250.0, "bravo": 100.0, "charlie": 0.0, "delta": -120.0, "echo": -230.0}
NU = 0.8  # two equal models tie 29% of the time


def davidson_votes(rng: np.random.Generator, count: int, nu: float = NU) -> list[Outcome]:
    """Votes drawn from Davidson's model with the planted ratings."""
    names = list(PLANTED)
    log_s = np.array([PLANTED[m] for m in names]) * math.log(10) / ELO_SCALE
    pairs = np.array([rng.choice(len(names), 2, replace=False) for _ in range(count)])
    s_a, s_b = np.exp(log_s[pairs[:, 0]]), np.exp(log_s[pairs[:, 1]])
    tie = nu * np.sqrt(s_a * s_b)
    draw = rng.random(count) * (s_a + s_b + tie)
    scores = np.where(draw < s_a, 1.0, np.where(draw < s_a + tie, 0.5, 0.0))
    return [
        Outcome(names[a], names[b], float(score))
        for (a, b), score in zip(pairs, scores, strict=True)
    ]


def centred(values: dict[str, float]) -> dict[str, float]:
    mean = float(np.mean(list(values.values())))
    return {k: v - mean for k, v in values.items()}


def test_the_fit_is_the_maximum_likelihood() -> None:
    votes = davidson_votes(np.random.default_rng(3), 600)
    names = sorted(PLANTED)
    games, wins, ties = _counts(names, votes)
    log_s, nu = fit_davidson(
        games.sum(0).reshape(5, 5), wins.sum(0), ties.sum(0).reshape(5, 5), prior=0.0
    )
    index = {m: k for k, m in enumerate(names)}
    a = np.array([index[v.model_a] for v in votes])
    b = np.array([index[v.model_b] for v in votes])
    score = np.array([v.score_a for v in votes])

    def negative_log_likelihood(x: np.ndarray) -> float:
        theta = np.append(x[:4], -x[:4].sum())
        tie = np.exp(x[4] + (theta[a] + theta[b]) / 2)
        chosen = np.where(score == 1, theta[a], np.where(score == 0, theta[b], np.log(tie)))
        return -float(np.sum(chosen - np.log(np.exp(theta[a]) + np.exp(theta[b]) + tie)))

    best = optimize.minimize(negative_log_likelihood, np.zeros(5), method="BFGS").x
    assert log_s - log_s.mean() == pytest.approx(np.append(best[:4], -best[:4].sum()), abs=1e-4)
    assert nu == pytest.approx(math.exp(best[4]), rel=1e-4)


def test_intervals_cover_planted_davidson_strengths() -> None:
    """95% intervals over 40 arenas of 400 votes with ties (ν = 0.8), 5 models each.

    benchmarks/davidson.py measures the same on more arenas (figures in docs/scorers.md)."""
    rng = np.random.default_rng(8)
    want = centred({m: 1000 + v for m, v in PLANTED.items()})
    covered = total = nu_covered = 0
    for trial in range(40):
        found = fit_davidson_ratings(davidson_votes(rng, 400), seed=trial)
        nu_covered += found.nu_low <= NU <= found.nu_high
        for model, value in want.items():
            total += 1
            covered += found.ratings.low[model] <= 1000 + value <= found.ratings.high[model]
    assert covered / total >= 0.93, covered / total
    assert nu_covered >= 35, nu_covered


def test_half_wins_compress_the_ratings_davidson_does_not() -> None:
    votes = davidson_votes(np.random.default_rng(9), 6000)
    planted = np.array([PLANTED[m] for m in sorted(PLANTED)])
    davidson = fit_davidson_ratings(votes, samples=0).ratings.rating
    half = fit_ratings(votes, samples=0).rating
    slope = {
        name: float(np.polyfit(planted, [fit[m] for m in sorted(PLANTED)], 1)[0])
        for name, fit in (("davidson", davidson), ("half", half))
    }
    assert slope["davidson"] == pytest.approx(1.0, abs=0.05)
    assert slope["half"] < 0.85, slope  # issue 24 measured .79


def test_no_ties_is_bradley_terry_and_sweeps_stay_finite() -> None:
    votes = [v for v in davidson_votes(np.random.default_rng(4), 500) if v.score_a != 0.5]
    found = fit_davidson_ratings(votes, samples=0)
    assert found.nu == 0.0 and found.ties == 0
    plain = fit_ratings(votes, samples=0)
    for model in PLANTED:
        assert found.ratings.rating[model] == pytest.approx(plain.rating[model], abs=0.5)
    sweep = fit_davidson_ratings([Outcome("a", "b", 1.0)] * 20 + [Outcome("a", "b", 0.5)] * 5)
    assert math.isfinite(sweep.ratings.rating["a"]) and sweep.nu > 0
    assert sweep.ratings.rating["a"] > sweep.ratings.rating["b"]
    assert sweep.tie_between_equals == pytest.approx(sweep.nu / (2 + sweep.nu))


def test_the_arena_report_shows_nu_and_the_half_win_comparison() -> None:
    from vidbench.reports.arena import preference, preference_markdown, preference_view

    def vote(a: str, b: str, choice: str) -> dict[str, object]:
        return {"a": {"run": "r", "job_id": a + "1", "model": a},
                "b": {"run": "r", "job_id": b + "1", "model": b}, "choice": choice}  # fmt: skip

    votes = [vote("x", "y", "a")] * 12 + [vote("x", "y", "tie")] * 8 + [vote("x", "y", "b")] * 4
    pref = preference(votes, samples=50)
    assert pref is not None and pref.davidson is not None
    markdown = "\n".join(preference_markdown(pref))
    assert f"8 ties, by Davidson's model: ν = {pref.davidson.nu:.2f}" in markdown
    assert "| Half-win |" in markdown
    gap = pref.ratings.rating["x"] - pref.ratings.rating["y"]
    assert 0 < pref.half_win["x"] - pref.half_win["y"] < gap  # half wins pull them together
    view = preference_view(pref)
    assert view is not None and "ν =" in view["ties_note"]
    assert "no ties cast" in preference_markdown(preference([vote("x", "y", "a")], samples=5))[2]
