"""The regression gate of one pair of runs, shared by `compare` and `history`.

`vidbench compare --fail-on-regression` and `vidbench history --fail-on-regression` decide
on a (baseline, candidate) pair with these functions, so they agree on the same pair:

1. **Collapses**, whatever the power: per model, the success rate (succeeded jobs) or the
   usable rate was at least one and is now none ("was ≥ 1, now 0"), or fell by 50
   percentage points or more. A two-prompt outage has no power for any test (the exact
   McNemar test on 2 discordant pairs cannot go below p = 0.5), but it is an outage all the
   same. Fisher's exact p of the two runs' counts is shown beside it.
2. **Regressions**: compare's rule per comparison (p < alpha, the CI excludes 0, the change
   beyond the metric's threshold, in its bad direction), the same whether run by `compare`
   or by the nightly `history` gate. It is not corrected over the pair's comparisons: with 7
   matched pairs the signed-rank test's smallest p is 2/2^7 = 0.016, which a
   Benjamini-Hochberg correction over 7 comparisons turns into 0.055, so a flicker
   regression on every clip of a small suite would pass (tests/e2e/test_compare_e2e.py);
   the threshold is what keeps noise out. The history's change points, which test every
   step of a long history, are corrected (`reports.history_changes`).
3. Otherwise, comparisons with too few pairs for their test ever to reach p < alpha make the
   gate unable to vouch for the pair (exit 2), never a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from vidbench.reports.comparisons import Comparison
from vidbench.reports.data import NOT_ATTEMPTED

ALPHA = 0.05
# A rate that fell by this much (0..1) is a collapse, with or without the power to test it.
COLLAPSE_DROP = 0.5


@dataclass(frozen=True)
class Collapse:
    """A model's success or usable rate collapsed between two runs."""

    model: str
    rate: str  # "success_rate" | "usable_rate"
    baseline_count: int  # successes (or usable clips)
    baseline_jobs: int  # jobs it could serve (all but `unsupported`)
    candidate_count: int
    candidate_jobs: int
    rule: str  # "none left" | "fell ≥ 50 points"
    fisher_p: float  # Fisher's exact test on the attempted jobs' counts (two-sided)

    def line(self) -> str:
        """One line for the console and the reports."""
        name = "succeeded" if self.rate == "success_rate" else "usable"
        return (
            f"{self.model}: {name} {self.baseline_count}/{self.baseline_jobs} → "
            f"{self.candidate_count}/{self.candidate_jobs} ({self.rule}; "
            f"Fisher's exact p {self.fisher_p:.3g})"
        )


def _counts(df: pd.DataFrame, model: str) -> dict[str, tuple[int, int, int]]:
    """rate → (count, servable jobs, attempted jobs) of one model in one run."""
    rows = df[df["model"] == model]
    status = rows["status"].astype(str)
    servable = rows[status != "unsupported"]
    attempted = ~status.isin(NOT_ATTEMPTED)
    succeeded = status == "succeeded"
    out = {"success_rate": (int(succeeded.sum()), len(servable), int(attempted.sum()))}
    if "usable" in rows.columns and rows["usable"].notna().any():
        usable = rows["usable"].astype("object").fillna(False).astype(bool) & succeeded
        out["usable_rate"] = (int(usable.sum()), len(servable), int(attempted.sum()))
    return out


def _collapse_rule(before: tuple[int, int, int], after: tuple[int, int, int]) -> str:
    """'none left', 'fell ≥ 50 points' or '' (no collapse)."""
    count_b, jobs_b, attempted_b = before
    count_c, jobs_c, attempted_c = after
    if count_b >= 1 and count_c == 0 and jobs_c > 0:
        return "none left"
    # Rates over attempted jobs: a budget stop that skipped half the jobs is not a collapse.
    if (
        attempted_b
        and attempted_c
        and count_b / attempted_b - count_c / attempted_c >= (COLLAPSE_DROP - 1e-12)
    ):
        return f"fell ≥ {100 * COLLAPSE_DROP:.0f} points"
    return ""


def collapses(base_df: pd.DataFrame, cand_df: pd.DataFrame) -> list[Collapse]:
    """Every model (in both runs) whose success or usable rate collapsed (module docstring)."""
    out = []
    for model in sorted(set(base_df["model"].astype(str)) & set(cand_df["model"].astype(str))):
        before, after = _counts(base_df, model), _counts(cand_df, model)
        for rate in ("success_rate", "usable_rate"):
            if rate not in before or rate not in after:
                continue
            rule = _collapse_rule(before[rate], after[rate])
            if not rule:
                continue
            (count_b, jobs_b, attempted_b), (count_c, jobs_c, attempted_c) = (
                before[rate],
                after[rate],
            )
            table = [[count_b, attempted_b - count_b], [count_c, max(attempted_c - count_c, 0)]]
            fisher = float(scipy_stats.fisher_exact(table).pvalue) if attempted_c else 1.0
            out.append(Collapse(model, rate, count_b, jobs_b, count_c, jobs_c, rule, fisher))
    return out


def bh_adjust(p_values: Iterable[float], total: int) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, counting `total` tests (the missing ones as p = 1)."""
    observed = np.asarray(list(p_values), dtype=float)
    observed = np.where(np.isfinite(observed), observed, 1.0)
    padded = np.concatenate([observed, np.ones(max(0, total - observed.size))])
    if padded.size == 0:
        return observed
    return np.asarray(scipy_stats.false_discovery_control(padded, method="bh"))[: observed.size]


def corrected_change(comparison: Comparison, p_adjusted: float, alpha: float = ALPHA) -> bool:
    """compare's rule with the corrected p: CI excludes 0 and the change exceeds the threshold."""
    low, high = comparison.ci_low, comparison.ci_high
    excludes_zero = bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))
    beyond = bool(
        np.isfinite(comparison.difference) and abs(comparison.difference) > comparison.threshold
    )
    return bool(p_adjusted < alpha and excludes_zero and beyond)


def is_worse(comparison: Comparison) -> bool:
    """The change is in the metric's bad direction."""
    if comparison.direction == "lower":
        return comparison.difference > 0
    return comparison.difference < 0


def gate_regressions(comparisons: list[Comparison]) -> list[Comparison]:
    """The comparisons the gate fails on: compare's regressions."""
    return [c for c in comparisons if c.regression]


def undetectable_by_model(comparisons: list[Comparison]) -> dict[str, list[Comparison]]:
    """model → its comparisons with too few pairs ever to reach p < alpha."""
    out: dict[str, list[Comparison]] = {}
    for c in comparisons:
        if not c.can_detect:
            out.setdefault(c.model, []).append(c)
    return out
