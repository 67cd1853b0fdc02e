"""Which metric ranks the models, and what "usable" means in this run.

The config's `quality_metric` is one metric or an ordered list of them
(`[clip_score, judge_score]`): the first with values in the run ranks the models. One that
is configured but unavailable (offline CLIP weights, no judge key) is named in a banner with
the reason its scorer gave, so a report never ranks by something else without saying so.
When none has values the usable rate ranks them, and the banner says that too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vidbench.core.scorers.registry import declared_usable_thresholds
from vidbench.reports.data import has_values

USABLE_RATE = "usable_rate"
# What a manifest without the field (or with a malformed one) is read as: the config default.
DEFAULT_QUALITY_METRICS = ("clip_score", "judge_score")


def quality_label(metric: str) -> str:
    """Human label for the quality axis."""
    return "usable rate" if metric == USABLE_RATE else metric.replace("_", " ")


def wanted_metrics(value: Any) -> tuple[str, ...]:
    """The manifest's quality_metric as an ordered tuple (a string is a list of one)."""
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list | tuple):
        names = tuple(str(v) for v in value if isinstance(v, str) and v)
        if names:
            return tuple(dict.fromkeys(names))
    return DEFAULT_QUALITY_METRICS


def _scorer_reason(metric: str, scorers: Mapping[str, Any], brief: bool = False) -> str:
    """Why a metric has no values: its scorer's recorded reason (only that it was unavailable
    when `brief`), or that nothing produced it."""
    for name, meta in scorers.items():
        if not isinstance(meta, dict) or metric not in (meta.get("outputs") or {}):
            continue
        if meta.get("available") is False:
            reason = "" if brief else f": {meta.get('reason') or 'no reason recorded'}"
            return f"scorer {name} unavailable{reason}"
        return f"scorer {name} produced no {metric} value"
    return "no scorer in this run produces it"


@dataclass(frozen=True)
class QualityChoice:
    """The metric that ranks the models, the configured order, and those passed over."""

    metric: str  # a results column, or "usable_rate"
    wanted: tuple[str, ...]
    passed_over: tuple[tuple[str, str], ...]  # (metric, why it has no values), in order

    @property
    def label(self) -> str:
        """Human label of the ranking metric."""
        return quality_label(self.metric)

    @property
    def fell_back(self) -> bool:
        """True when the first configured metric is not the one used."""
        return self.metric != self.wanted[0]

    def banner(self) -> str | None:
        """One sentence for the top of the reports when the configured metric is not used."""
        if not self.fell_back:
            return None
        skipped = "; ".join(f"{metric} ({why})" for metric, why in self.passed_over)
        then = (
            f"ranked by {self.metric}, the next configured quality metric"
            if self.metric != USABLE_RATE
            else "ranked by usable rate, since no configured quality metric has values"
        )
        return f"Configured quality metric unavailable: {skipped}. Models are {then}."


def choose_quality(
    results: pd.DataFrame, manifest: Mapping[str, Any], scorers: Mapping[str, Any]
) -> QualityChoice:
    """The first configured quality metric with values in the results, else the usable rate."""
    wanted = wanted_metrics(manifest.get("quality_metric"))
    passed: list[tuple[str, str]] = []
    for metric in wanted:
        if metric == USABLE_RATE:
            return QualityChoice(USABLE_RATE, wanted, tuple(passed))
        if metric in results.columns and has_values(results[metric]):
            return QualityChoice(metric, wanted, tuple(passed))
        passed.append((metric, _scorer_reason(metric, scorers, brief=True)))
    return QualityChoice(USABLE_RATE, wanted, tuple(passed))


@dataclass(frozen=True)
class UsableDefinition:
    """The checks that made a clip usable in this run, and those that could not be applied."""

    applied: tuple[str, ...]  # e.g. "clip_score ≥ 25", "conformance"
    not_applied: tuple[tuple[str, str], ...]  # (check, why)

    def sentence(self) -> str:
        """'Usable = succeeded and …' with the checks left out named."""
        checks = " and ".join(("succeeded", *self.applied))
        text = f"Usable = {checks}."
        if self.not_applied:
            missing = "; ".join(f"{check} ({why})" for check, why in self.not_applied)
            text += f" Not applied: {missing}."
            if not self.applied:
                text += " Here usable means only that the clip was delivered."
        return text


def usable_definition(
    results: pd.DataFrame, manifest: Mapping[str, Any], scorers: Mapping[str, Any]
) -> UsableDefinition:
    """The run's usable thresholds (the scorers' defaults under the manifest's), each marked
    applied when its metric has values, as the results builder applies them."""
    thresholds: dict[str, Any] = dict(declared_usable_thresholds())
    configured = manifest.get("usable")
    if isinstance(configured, dict):
        thresholds.update(configured)
    applied: list[str] = []
    not_applied: list[tuple[str, str]] = []
    for metric, limit in thresholds.items():
        if limit is None or limit is False:
            continue
        shown = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        check = str(metric) if metric == "conformance" else f"{metric} ≥ {shown}"
        if metric in results.columns and has_values(results[metric]):
            applied.append(check)
        else:
            why = _scorer_reason(str(metric), scorers, brief=True)
            not_applied.append((check, f"no {metric} values: {why}"))
    return UsableDefinition(tuple(applied), tuple(not_applied))
