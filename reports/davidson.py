"""Davidson's (1970) model of ties: arena ratings that do not shrink when people vote "tie".

P(i beats j) = s_i / D, P(tie) = ν·√(s_i s_j) / D, D = s_i + s_j + ν·√(s_i s_j). Among
decisive votes it is Bradley–Terry (P(i beats j | not a tie) = s_i / (s_i + s_j)), so the
ratings keep the Elo-like scale of `reports.bradley_terry` (400 points = 10:1 odds); ν says
how readily people call a pair even: two equal models tie with probability ν / (2 + ν).
Counting a tie as half a win instead compresses the ratings of tie-prone voters (slope .79
against planted Davidson strengths, issue 24); that fit is kept as a comparison only.

Fitted by maximum likelihood with Davidson's fixed-point iterations for the strengths and
for ν, batched over bootstrap draws, with one virtual game per model (half won, half lost)
against an opponent of average strength, which keeps a model that won or lost every vote
finite (as the half-win fit's virtual tie does). Intervals: bootstrap percentiles over the
votes, for the ratings and for ν.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vidbench.reports.bradley_terry import (
    BOOTSTRAP_SAMPLES,
    MAX_ITERATIONS,
    PRIOR_TIES,
    TOLERANCE,
    Outcome,
    Ratings,
    to_elo,
)

MAX_NU = 1e6


@dataclass(frozen=True)
class DavidsonRatings:
    """Davidson ratings (the Elo-like scale), the fitted tie parameter ν and its interval."""

    ratings: Ratings
    nu: float
    nu_low: float
    nu_high: float
    ties: int

    @property
    def tie_between_equals(self) -> float:
        """P(tie) of two equally strong models: ν / (2 + ν)."""
        return self.nu / (2.0 + self.nu)


def _counts(models: list[str], outcomes: list[Outcome]) -> tuple[np.ndarray, ...]:
    """Per vote: games (flattened n×n, both orders), wins per model, ties (flattened n×n)."""
    index = {m: k for k, m in enumerate(models)}
    count = len(models)
    games = np.zeros((len(outcomes), count * count))
    wins = np.zeros((len(outcomes), count))
    ties = np.zeros((len(outcomes), count * count))
    for row, o in enumerate(outcomes):
        a, b = index[o.model_a], index[o.model_b]
        games[row, a * count + b] = games[row, b * count + a] = 1.0
        if o.score_a == 0.5:
            ties[row, a * count + b] = ties[row, b * count + a] = 1.0
        else:
            wins[row, a if o.score_a == 1.0 else b] = 1.0
    return games, wins, ties


def fit_davidson(
    games: np.ndarray,
    wins: np.ndarray,
    ties: np.ndarray,
    prior: float = PRIOR_TIES,
    start: tuple[np.ndarray, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(log-strengths with geometric mean 0, ν), batched over leading axes.

    `games` and `ties` are (..., n, n) counts (each vote in both orders), `wins` (..., n);
    `start`: (log-strengths, ν) to start from (bootstrap draws start from the point fit).
    """
    count = wins.shape[-1]
    off_diagonal = 1.0 - np.eye(count)
    games = games * off_diagonal
    ties = ties * off_diagonal
    tie_total = ties.sum(axis=(-1, -2)) / 2.0
    scores = wins + ties.sum(axis=-1) / 2.0 + prior / 2.0
    first_strength, first_nu = (np.zeros(count), 1.0) if start is None else start
    strength = np.broadcast_to(np.exp(first_strength), wins.shape).copy()
    nu = np.where(tie_total > 0, max(first_nu, 0.1), 0.0)
    for _ in range(MAX_ITERATIONS):
        half = np.sqrt(strength)
        nu_pair = nu[..., None, None]
        denominator = (
            strength[..., :, None] + strength[..., None, :]
            + nu_pair * half[..., :, None] * half[..., None, :]
        )  # fmt: skip
        share = games / denominator
        # d/ds_i of log D_ij is (1 + ν/2 · √(s_j / s_i)) / D_ij
        pull = share.sum(axis=-1) + nu[..., None] / 2 * (share @ half[..., None])[..., 0] / half
        virtual_denominator = strength + 1.0 + nu[..., None] * half
        virtual = (1.0 + nu[..., None] / 2.0 / half) / virtual_denominator
        updated = scores / (pull + prior * virtual)
        updated /= np.exp(np.mean(np.log(updated), axis=-1, keepdims=True))
        pairs = (half[..., None, :] @ share @ half[..., :, None])[..., 0, 0] / 2.0 + prior * (
            half / virtual_denominator
        ).sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            nu_next = np.where(tie_total > 0, np.minimum(tie_total / pairs, MAX_NU), 0.0)
        done = max(np.max(np.abs(updated - strength)), np.max(np.abs(nu_next - nu))) < TOLERANCE
        strength, nu = updated, nu_next
        if done:
            break
    return np.log(strength), nu


def fit_davidson_ratings(
    outcomes: list[Outcome],
    models: list[str] | None = None,
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> DavidsonRatings:
    """Davidson ratings and ν with bootstrap percentile intervals (votes resampled)."""
    names = sorted(models or {m for o in outcomes for m in (o.model_a, o.model_b)})
    count = len(names)
    games, wins, ties = _counts(names, outcomes)
    square = (count, count)
    log_strength, nu = fit_davidson(
        games.sum(0).reshape(square), wins.sum(0), ties.sum(0).reshape(square)
    )
    point = to_elo(log_strength)
    low, high, nu_low, nu_high = point, point, nu, nu
    if outcomes and samples > 0:
        rng = np.random.default_rng(seed)
        weights = rng.multinomial(len(outcomes), np.full(len(outcomes), 1 / len(outcomes)), samples)
        shape = (-1, count, count)
        draws, nus = fit_davidson(
            (weights @ games).reshape(shape),
            weights @ wins,
            (weights @ ties).reshape(shape),
            start=(log_strength, float(nu)),
        )
        tail = (1 - confidence) / 2 * 100
        low, high = np.percentile(to_elo(draws), [tail, 100 - tail], axis=0)
        nu_low, nu_high = np.percentile(nus, [tail, 100 - tail])
    ratings = Ratings(
        models=tuple(names),
        rating=dict(zip(names, point.tolist(), strict=True)),
        low=dict(zip(names, np.asarray(low).tolist(), strict=True)),
        high=dict(zip(names, np.asarray(high).tolist(), strict=True)),
        votes=len(outcomes),
        confidence=confidence,
    )
    tie_count = sum(o.score_a == 0.5 for o in outcomes)
    return DavidsonRatings(ratings, float(nu), float(nu_low), float(nu_high), tie_count)
