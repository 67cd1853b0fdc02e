"""One comparison as a reader sees it: value, change, what it could detect, its verdict.

Shared by compare.md / compare.html and by the gate's reason for not vouching.
"""

from __future__ import annotations

import numpy as np

from vidbench.reports.comparisons import Comparison
from vidbench.reports.formatting import fmt_ci, fmt_num, fmt_pct, fmt_s
from vidbench.reports.power import min_observations


def fmt_value(metric: str, value: object) -> str:
    """A compared value in its metric's units."""
    if metric.endswith("_rate"):
        return fmt_pct(value)
    if metric.endswith("_s"):
        return fmt_s(value)
    return fmt_num(value, 4)


def fmt_change(c: Comparison) -> tuple[str, str]:
    """(difference, CI) formatted in the metric's units (rates in percentage points)."""
    if c.metric.endswith("_rate"):
        sign = "+" if c.difference >= 0 else "−"
        return f"{sign}{100 * abs(c.difference):.1f} pp", fmt_ci(
            100 * c.ci_low, 100 * c.ci_high
        ) + " pp"
    kind = "s" if c.metric.endswith("_s") else "num"
    sign = "+" if c.difference >= 0 else "−"
    body = fmt_s(abs(c.difference)) if kind == "s" else fmt_num(abs(c.difference), 4)
    return f"{sign}{body}", fmt_ci(c.ci_low, c.ci_high, kind)


def _count_unit(c: Comparison) -> str:
    return "delivered clips per run" if c.kind == "p50" else "matched pairs"


def _short_of_changed(c: Comparison, alpha: float) -> bool:
    """Enough pairs, but too few of them changed for the paired test to reach p < alpha."""
    return c.n >= min_observations(c.test, alpha) and c.changed_pairs > 0


def fmt_detectable(c: Comparison, alpha: float) -> str:
    """The smallest change the comparison could detect (80% power), or why it could detect none."""
    if not c.can_detect:
        unit = "changed pairs" if _short_of_changed(c, alpha) else _count_unit(c)
        return f"none: needs ≥ {min_observations(c.test, alpha)} {unit}"
    if not np.isfinite(c.detectable):
        return "–"
    if c.metric.endswith("_rate"):
        return f"{100 * c.detectable:.1f} pp"
    return fmt_s(c.detectable) if c.metric.endswith("_s") else fmt_num(c.detectable, 4)


def fmt_needed(c: Comparison) -> str:
    """Pairs (and samples per prompt) that would detect a change of the threshold."""
    if not np.isfinite(c.pairs_needed):
        return "–"
    per_prompt = (
        f" ({c.samples_per_prompt:.0f}/prompt)" if np.isfinite(c.samples_per_prompt) else ""
    )
    return f"{c.pairs_needed:,.0f}{per_prompt}"


def power_note(c: Comparison, alpha: float) -> str:
    """A sentence on what the comparison could not detect and what it would take."""
    unit = _count_unit(c)
    floor = min_observations(c.test, alpha)
    if _short_of_changed(c, alpha):
        note = (
            f"{c.n} {unit} of which {c.changed_pairs} changed; the two-sided {c.test} test "
            f"needs ≥ {floor} changed pairs for p < {alpha:g}"
        )
    else:
        note = f"{c.n} {unit}; the two-sided {c.test} test needs ≥ {floor} for p < {alpha:g}"
    if np.isfinite(c.pairs_needed):
        threshold = (
            f"{100 * c.threshold:.1f} pp"
            if c.metric.endswith("_rate")
            else fmt_value(c.metric, c.threshold)
        )
        note += f"; detecting a change of {threshold} would take about {c.pairs_needed:,.0f} {unit}"
        if np.isfinite(c.samples_per_prompt):
            note += f" ({c.samples_per_prompt:.0f} samples per prompt)"
    return note


def verdict(c: Comparison) -> str:
    """'regression', 'improvement', 'cannot detect (too few pairs)', 'changed (below
    threshold)' or 'no significant change'."""
    if not c.can_detect:
        return "cannot detect (too few pairs)"
    if c.regression:
        return "regression"
    if c.improvement:
        return "improvement"
    return "changed (below threshold)" if c.significant else "no significant change"


def fold_note(found: list[Comparison], alpha: float) -> str:
    """What one model's undetectable comparisons have and need, in one clause."""
    have: dict[str, tuple[set[int], int]] = {}
    for c in found:
        short = _short_of_changed(c, alpha)  # enough pairs, too few of them changed
        unit = "changed pairs" if short else _count_unit(c)
        counts, need = have.get(unit, (set(), 0))
        count = c.changed_pairs if short else c.n
        have[unit] = (counts | {count}, max(need, min_observations(c.test, alpha)))
    parts = [
        f"{'/'.join(map(str, sorted(counts)))} {unit}, need ≥ {need}"
        for unit, (counts, need) in sorted(have.items())
    ]
    return "; ".join(parts) + f" for p < {alpha:g}"
