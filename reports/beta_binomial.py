"""Per-prompt usable rates as a beta-binomial: how many draws a given prompt takes.

Each prompt i has its own usable probability pᵢ; its cᵢ usable clips of nᵢ draws are
Binomial(nᵢ, pᵢ) with pᵢ ~ Beta(α, β) across prompts. Fitted by maximum likelihood (the
beta-binomial likelihood, L-BFGS on log α, log β, analytic gradient). Then:

- expected draws to get one usable clip of a given prompt, E[1/p] = (α + β − 1)/(α − 1)
  (the mean of a geometric number of draws, averaged over prompts). It is infinite when
  α ≤ 1: prompts whose usable chance is near 0 are then common enough that the average
  prompt takes forever — said as such, with the median prompt's 1/median(p) beside it;
- draws per usable clip, 1 / pooled rate, is what a budget needs instead; by Jensen it is
  never more than E[1/p] (Beta(2, 2): 2.0 against 3.0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special
from scipy import stats as scipy_stats

GRID_MEANS = 161
GRID_CONCENTRATIONS = 97
LOG_BOUNDS = (-8.0, 14.0)  # α and β between 3e-4 and 1.2e6 (homogeneous prompts: both large)


@dataclass(frozen=True)
class BetaBinomialFit:
    """Fitted Beta(α, β) of per-prompt usable probabilities."""

    alpha: float
    beta: float
    prompts: int
    log_likelihood: float

    @property
    def mean_rate(self) -> float:
        """α / (α + β): the mean per-prompt usable probability."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def overdispersion(self) -> float:
        """ρ = 1 / (α + β + 1): 0 when every prompt has the same rate, 1 when each is 0 or 1."""
        return 1.0 / (self.alpha + self.beta + 1.0)


def _negative_log_likelihood(
    log_params: np.ndarray, n: np.ndarray, c: np.ndarray, weight: np.ndarray
) -> tuple[float, np.ndarray]:
    a, b = np.exp(log_params)
    value = weight @ (special.betaln(c + a, n - c + b) - special.betaln(a, b))
    both = special.digamma(n + a + b) - special.digamma(a + b)
    grad_a = weight @ (special.digamma(c + a) - special.digamma(a) - both)
    grad_b = weight @ (special.digamma(n - c + b) - special.digamma(b) - both)
    return float(-value), -np.array([grad_a * a, grad_b * b])


def fit_beta_binomial(
    n: np.ndarray, c: np.ndarray, start: tuple[float, float] | None = None
) -> BetaBinomialFit:
    """Maximum-likelihood Beta(α, β) from per-prompt draws n and usable counts c."""
    n, c = np.asarray(n, dtype=np.float64), np.asarray(c, dtype=np.float64)
    if start is None:
        pooled = float(np.clip(c.sum() / max(n.sum(), 1.0), 0.02, 0.98))
        start = (pooled * 4.0, (1.0 - pooled) * 4.0)
    pairs, weight = np.unique(np.stack([n, c], axis=1), axis=0, return_counts=True)
    found = optimize.minimize(
        _negative_log_likelihood,
        np.log(np.asarray(start)),
        args=(pairs[:, 0], pairs[:, 1], weight.astype(np.float64)),
        jac=True,
        method="L-BFGS-B",
        bounds=[LOG_BOUNDS, LOG_BOUNDS],
    )
    a, b = np.exp(found.x)
    return BetaBinomialFit(float(a), float(b), int(n.size), float(-found.fun))


def expected_inverse_rate(alpha: float, beta: float) -> float:
    """E[1/p] for p ~ Beta(α, β): (α + β − 1)/(α − 1), infinite when α ≤ 1."""
    return (alpha + beta - 1.0) / (alpha - 1.0) if alpha > 1.0 else math.inf


def median_prompt_draws(alpha: float, beta: float) -> float:
    """1 / the median usable probability: draws per usable clip of the median prompt."""
    median = float(scipy_stats.beta.median(alpha, beta))
    return 1.0 / median if median > 0 else math.inf


def _grid() -> tuple[np.ndarray, np.ndarray]:
    """(α, β) on a grid of mean rate (logit-spaced) × concentration α + β (log-spaced)."""
    mean = special.expit(np.linspace(-6.0, 6.0, GRID_MEANS))
    concentration = np.exp(np.linspace(math.log(0.05), math.log(1e5), GRID_CONCENTRATIONS))
    a = np.outer(mean, concentration).ravel()
    return a, np.outer(1.0 - mean, concentration).ravel()


def prompt_draws_interval(
    n: np.ndarray, c: np.ndarray, resamples: int, confidence: float, seed: int
) -> tuple[float, float]:
    """Percentile bootstrap over prompts of E[1/p], each resample refitted by maximum
    likelihood on a fixed (mean, concentration) grid: a resample is a weight vector over the
    distinct (n, c) pairs, so all resamples' likelihoods are one matrix product."""
    rng = np.random.default_rng(seed)
    pairs, which = np.unique(np.stack([n, c], axis=1), axis=0, return_inverse=True)
    a, b = _grid()
    table = special.betaln(pairs[:, 1:2] + a, pairs[:, 0:1] - pairs[:, 1:2] + b) - special.betaln(
        a, b
    )
    picks = which.ravel()[rng.integers(0, n.size, (resamples, n.size))]
    offsets = picks + pairs.shape[0] * np.arange(resamples)[:, None]
    weights = np.bincount(offsets.ravel(), minlength=resamples * pairs.shape[0])
    weights = weights.reshape(resamples, pairs.shape[0]).astype(np.float64)
    best = np.argmax(weights @ table, axis=1)
    values = np.where(a[best] > 1.0, (a[best] + b[best] - 1.0) / (a[best] - 1.0), np.inf)
    # A resample whose every draw is usable has its likelihood's maximum at p = 1 for every
    # prompt (E[1/p] = 1), beyond the grid's largest mean; the grid's argmax there is a
    # U-shaped Beta with α < 1, whose E[1/p] is infinite.
    every_draw_usable = weights @ (pairs[:, 0] != pairs[:, 1]).astype(np.float64) == 0
    values = np.where(every_draw_usable, 1.0, values)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [tail, 1 - tail], method="lower")
    return float(low), float(high)
