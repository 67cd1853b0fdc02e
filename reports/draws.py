"""抽卡 (draw) statistics: how many draws until a clip is usable, and what a usable clip costs.

With several samples per prompt, per model:
- pass@k: the chance that at least one of k draws of a prompt is usable, by the unbiased
  estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code"):
  per prompt with n draws of which c usable, 1 − C(n−c, k)/C(n, k); averaged over prompts
  with at least k draws.
- draws per usable clip: 1/p for the model's pooled per-draw usable rate p — what a budget
  needs (draws bought per usable clip delivered) — with the inverted interval [1/high,
  1/low] of that rate: Wilson's, widened to the cluster-robust one (over prompts) where
  prompts differ (`expected_draws` is the same figure, under its old name);
- expected draws to get one usable clip of a given prompt: E[1/pᵢ] over prompts, from a
  beta-binomial fit of the per-prompt usable counts (`reports.beta_binomial`, the fit
  reported), with a percentile bootstrap over prompts. Prompts differ, so this is larger
  than draws per usable clip (Beta(2, 2) rates: 3.0 against 2.0), and infinite when the fit
  says rates near 0 are common (α ≤ 1); the median prompt's draws and the prompts with no
  usable draw are given beside it;
- cost of one usable clip: cost per draw (list price; refused or failed draws cost what the
  provider charged for them) × draws per usable clip, with the same bounds.
With one sample per prompt, the number of draws (and samples per prompt) that would give the
usable rate a 95% CI of a stated width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from vidbench.reports.beta_binomial import (
    expected_inverse_rate,
    fit_beta_binomial,
    median_prompt_draws,
    prompt_draws_interval,
)
from vidbench.reports.data import NOT_ATTEMPTED
from vidbench.reports.intervals import wilson_ci

N_RESAMPLES = 1000
SEED = 0
CONFIDENCE = 0.95
DEFAULT_CI_WIDTH = 0.10


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 − C(n−c, k)/C(n, k), stable product form."""
    if not 0 < k <= n:
        raise ValueError(f"pass@k needs 0 < k <= n (k={k}, n={n})")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


@dataclass(frozen=True)
class DrawStats:
    """One model's draw statistics."""

    model: str
    prompts: int
    draws: int
    usable: int
    max_samples: int
    pass_at: list[float]  # index k−1 → pass@k
    expected_draws: float
    expected_draws_low: float
    expected_draws_high: float
    cost_per_draw_usd: float
    cost_per_usable_usd: float
    cost_per_usable_low_usd: float
    cost_per_usable_high_usd: float
    # draws per usable clip (1 / pooled rate, inverted rate interval); expected_draws* the same
    draws_per_usable: float = math.nan
    draws_per_usable_low: float = math.nan
    draws_per_usable_high: float = math.nan
    # expected draws to get one usable clip of a given prompt, E[1/p] (beta-binomial fit)
    prompt_draws: float = math.nan
    prompt_draws_low: float = math.nan
    prompt_draws_high: float = math.nan
    prompt_draws_median: float = math.nan  # 1 / median p: the median prompt's draws
    beta_alpha: float = math.nan  # the fitted Beta(α, β) of per-prompt usable rates
    beta_beta: float = math.nan
    prompts_never_usable: int = 0  # prompts with no usable draw


def _per_prompt(df: pd.DataFrame) -> pd.DataFrame:
    attempted = df[~df["status"].astype(str).isin(NOT_ATTEMPTED)].copy()
    usable = (
        attempted["usable"]
        if "usable" in attempted.columns
        else pd.Series(False, index=attempted.index)
    )
    attempted["usable_flag"] = usable.astype("object").fillna(False).astype(bool)
    attempted["cost"] = pd.to_numeric(attempted.get("cost_usd"), errors="coerce").fillna(0.0)
    return (
        attempted.groupby(["model", "prompt_id"])
        .agg(n=("usable_flag", "size"), c=("usable_flag", "sum"), cost=("cost", "sum"))
        .reset_index()
    )


def _rate_interval(n: np.ndarray, c: np.ndarray) -> tuple[float, float]:
    """The pooled usable rate's interval: the Wilson interval, widened to the cluster-robust
    one where prompts differ. Wilson counts clips as independent; draws of one prompt are
    not, so with several draws per prompt and prompts that differ it is too narrow for the
    prompts they stand for (.90 at Beta(2,2) rates, 3 draws per prompt). The ratio
    estimator's variance over prompts, m/(m−1) · Σ(cᵢ − r·nᵢ)² / N², gives the second; the
    union keeps Wilson's honesty at the edges (a zero spread is never a zero width)."""
    draws, usable = int(n.sum()), int(c.sum())
    low, high = (float(end) for end in wilson_ci(usable, draws, CONFIDENCE))
    prompts = n.size
    if prompts >= 2:
        rate = usable / draws
        variance = prompts / (prompts - 1) * float(np.sum((c - rate * n) ** 2)) / draws**2
        half = float(scipy_stats.norm.ppf(0.5 + CONFIDENCE / 2)) * math.sqrt(variance)
        low, high = max(0.0, min(low, rate - half)), min(1.0, max(high, rate + half))
    return low, high


def _inverted(low: float, high: float) -> tuple[float, float]:
    """[1/high, 1/low] of a rate interval (inf where low is 0): draws per usable clip."""
    return (1.0 / high if high > 0 else math.inf), (1.0 / low if low > 0 else math.inf)


def _prompt_draws(n: np.ndarray, c: np.ndarray) -> dict[str, float]:
    """E[1/p] with its bootstrap interval, the median prompt's draws and the fit."""
    fit = fit_beta_binomial(n, c)
    low, high = prompt_draws_interval(n, c, N_RESAMPLES, CONFIDENCE, SEED)
    return {
        "prompt_draws": expected_inverse_rate(fit.alpha, fit.beta),
        "prompt_draws_low": low,
        "prompt_draws_high": high,
        "prompt_draws_median": median_prompt_draws(fit.alpha, fit.beta),
        "beta_alpha": fit.alpha,
        "beta_beta": fit.beta,
    }


def draw_stats(df: pd.DataFrame) -> list[DrawStats]:
    """Per model: pass@k for k = 1…samples, expected draws and cost of a usable clip, with CIs."""
    out = []
    for model, prompts in _per_prompt(df).groupby("model"):
        n = prompts["n"].to_numpy(dtype=int)
        c = prompts["c"].to_numpy(dtype=int)
        cost = prompts["cost"].to_numpy(dtype=float)
        if n.size == 0 or n.sum() == 0:
            continue
        max_samples = int(n.max())
        curve = [
            float(
                np.mean(
                    [pass_at_k(int(ni), int(ci), k) for ni, ci in zip(n, c, strict=True) if ni >= k]
                )
            )
            for k in range(1, max_samples + 1)
        ]
        rate = c.sum() / n.sum()
        per_draw = float(cost.sum() / n.sum())
        low, high = _inverted(*_rate_interval(n, c))
        draws = float(1.0 / rate) if rate > 0 else math.inf
        out.append(
            DrawStats(
                str(model), int(n.size), int(n.sum()), int(c.sum()), max_samples, curve,
                draws, low, high, per_draw,
                per_draw * draws, per_draw * low, per_draw * high,
                draws_per_usable=draws, draws_per_usable_low=low, draws_per_usable_high=high,
                prompts_never_usable=int(np.sum(c == 0)),
                **_prompt_draws(n, c),
            )
        )  # fmt: skip
    return out


def draws_needed(usable_rate: float, ci_width: float = DEFAULT_CI_WIDTH) -> int:
    """Draws for a 95% CI of total width `ci_width` on a rate (normal approximation; p = ½ at 0 or 1)."""
    p = usable_rate if 0.0 < usable_rate < 1.0 else 0.5
    z = float(scipy_stats.norm.ppf(0.5 + CONFIDENCE / 2.0))
    return math.ceil((2.0 * z) ** 2 * p * (1.0 - p) / ci_width**2)


def several_samples(df: pd.DataFrame) -> bool:
    """True when some prompt has more than one attempted draw for a model."""
    per_prompt = _per_prompt(df)
    return bool(len(per_prompt) and per_prompt["n"].max() > 1)


@dataclass(frozen=True)
class SamplesAdvice:
    """With one sample per prompt: the draws a CI of `ci_width` on the usable rate would need."""

    model: str
    usable_rate: float
    draws: int
    prompts: int
    draws_needed: int
    samples_per_prompt: int
    ci_width: float


def samples_advice(df: pd.DataFrame, ci_width: float = DEFAULT_CI_WIDTH) -> list[SamplesAdvice]:
    """Per model: draws and samples per prompt for a usable-rate CI of the given width."""
    out = []
    for model, prompts in _per_prompt(df).groupby("model"):
        draws, usable = int(prompts["n"].sum()), int(prompts["c"].sum())
        if draws == 0:
            continue
        needed = draws_needed(usable / draws, ci_width)
        per_prompt = max(1, math.ceil(needed / max(1, len(prompts))))
        out.append(
            SamplesAdvice(
                str(model), usable / draws, draws, len(prompts), needed, per_prompt, ci_width
            )
        )
    return out


def draws_curve_svg(stats: list[DrawStats], colours: dict[str, str]) -> str:
    """pass@k vs k and expected cost of k draws vs k, side by side, as SVG text."""
    import io

    import matplotlib.pyplot as plt

    from vidbench.reports.plots import STYLE

    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        figure, (left, right) = plt.subplots(1, 2, figsize=(8.5, 3.0))
        for s in stats:
            ks = np.arange(1, len(s.pass_at) + 1)
            colour = colours.get(s.model, "#374151")
            left.plot(ks, s.pass_at, marker="o", color=colour, label=s.model)
            right.plot(ks, ks * s.cost_per_draw_usd, marker="o", color=colour, label=s.model)
        left.set(title="pass@k (at least one usable)", xlabel="draws k", ylim=(0, 1.02))
        right.set(title="cost of k draws (USD)", xlabel="draws k")
        for axes in (left, right):
            axes.xaxis.get_major_locator().set_params(integer=True)
        left.legend(fontsize=8, loc="lower right")
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
        plt.close(figure)
    return buffer.getvalue()


def draws_view(df: pd.DataFrame, colours: dict[str, str]) -> dict[str, object]:
    """What the reports show: the statistics and curve with several samples, else the advice."""
    import base64

    if several_samples(df):
        stats = draw_stats(df)
        svg = draws_curve_svg(stats, colours).encode("utf-8")
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        return {"several": True, "stats": stats, "curve_uri": uri, "advice": []}
    return {"several": False, "stats": [], "curve_uri": None, "advice": samples_advice(df)}
