"""Bradley–Terry ratings from pairwise votes, with bootstrap intervals, on an Elo-like scale.

P(i beats j) = s_i / (s_i + s_j). A tie counts half a win to each side (the usual
treatment, as in the LMSYS and Artificial Analysis arenas); "both unusable" says nothing
about the order and is counted apart. Fitted by Hunter's MM algorithm (2004) with one
virtual tie per model against an average opponent, which keeps a model that won (or lost)
every vote finite. Ratings: 1000 + 400·log10(s_i) with the geometric mean strength at 1000,
so a 400-point gap means 10:1 odds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ELO_BASE = 1000.0
ELO_SCALE = 400.0
PRIOR_TIES = 1.0  # virtual ties per model against an opponent of average strength
BOOTSTRAP_SAMPLES = 400
MAX_ITERATIONS = 500
TOLERANCE = 1e-7


@dataclass(frozen=True)
class Outcome:
    """One decisive or tied vote between two models: score_a 1 (a won), 0.5 (tie), 0 (b won)."""

    model_a: str
    model_b: str
    score_a: float


@dataclass(frozen=True)
class Ratings:
    """Fitted ratings with bootstrap percentile intervals."""

    models: tuple[str, ...]
    rating: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    votes: int
    confidence: float


def _design(models: list[str], outcomes: list[Outcome]) -> tuple[np.ndarray, np.ndarray]:
    """Per vote: its games (flattened n×n, both orders) and its wins per model (ties half)."""
    index = {m: k for k, m in enumerate(models)}
    count = len(models)
    games = np.zeros((len(outcomes), count * count))
    wins = np.zeros((len(outcomes), count))
    for row, o in enumerate(outcomes):
        a, b = index[o.model_a], index[o.model_b]
        games[row, a * count + b] = games[row, b * count + a] = 1.0
        wins[row, a], wins[row, b] = o.score_a, 1.0 - o.score_a
    return games, wins


def fit_strengths(games: np.ndarray, wins: np.ndarray, prior: float = PRIOR_TIES) -> np.ndarray:
    """log-strengths (geometric mean 0) by MM iterations; batched over leading axes.

    `games` is (..., n, n) game counts, `wins` (..., n) wins with ties counted half.
    """
    strength = np.ones(wins.shape)
    off_diagonal = 1.0 - np.eye(wins.shape[-1])
    for _ in range(MAX_ITERATIONS):
        pair = games * off_diagonal / (strength[..., :, None] + strength[..., None, :])
        denominator = pair.sum(axis=-1) + prior / (strength + 1.0)
        updated = (wins + prior / 2) / denominator
        updated /= np.exp(np.mean(np.log(updated), axis=-1, keepdims=True))
        done = np.max(np.abs(updated - strength)) < TOLERANCE
        strength = updated
        if done:
            break
    return np.log(strength)


def to_elo(log_strength: np.ndarray) -> np.ndarray:
    """Log-strengths → Elo-like points around ELO_BASE (batched over leading axes)."""
    centred = log_strength - np.mean(log_strength, axis=-1, keepdims=True)
    return ELO_BASE + ELO_SCALE * centred / math.log(10)


def fit_ratings(
    outcomes: list[Outcome],
    models: list[str] | None = None,
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> Ratings:
    """Ratings and bootstrap percentile intervals (votes resampled with replacement)."""
    names = sorted(models or {m for o in outcomes for m in (o.model_a, o.model_b)})
    count = len(names)
    games, wins = _design(names, outcomes)
    point = to_elo(fit_strengths(games.sum(0).reshape(count, count), wins.sum(0)))
    low, high = point, point
    if outcomes and samples > 0:
        rng = np.random.default_rng(seed)
        weights = rng.multinomial(len(outcomes), np.full(len(outcomes), 1 / len(outcomes)), samples)
        draws = to_elo(fit_strengths((weights @ games).reshape(-1, count, count), weights @ wins))
        tail = (1 - confidence) / 2 * 100
        low, high = np.percentile(draws, [tail, 100 - tail], axis=0)
    return Ratings(
        models=tuple(names),
        rating=dict(zip(names, point.tolist(), strict=True)),
        low=dict(zip(names, np.asarray(low).tolist(), strict=True)),
        high=dict(zip(names, np.asarray(high).tolist(), strict=True)),
        votes=len(outcomes),
        confidence=confidence,
    )


def win_probability(rating_a: float, rating_b: float) -> float:
    """P(a beats b) implied by two ratings."""
    return 1.0 / (1.0 + 10 ** ((rating_b - rating_a) / ELO_SCALE))
