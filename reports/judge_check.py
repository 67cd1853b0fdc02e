"""How well the judge tells prompts apart: AUC of its own-check vs other-prompt answers.

The judge scorer asks a seeded sample of clips another prompt's checks too
(`vidbench.core.scorers.judge_self`). Here every answered check of those clips is a case:
positives are the clip's own checks, negatives the other prompt's; the judge's P(yes) is the
score. AUC = P(own > other) + ½ P(tie) (Mann–Whitney). Its 95% interval is a percentile
bootstrap over clips (a clip's checks move together), seeded. A judge whose interval reaches
0.5 cannot be shown to tell prompts apart, and the report says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 24
CHANCE_AUC = 0.5


@dataclass(frozen=True)
class JudgeCheck:
    """The judge's discrimination on its self-check sample."""

    auc: float
    low: float
    high: float
    clips: int
    own_checks: int
    other_checks: int

    @property
    def cannot_tell(self) -> bool:
        """Whether the interval includes chance (0.5)."""
        return self.low <= CHANCE_AUC

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for scorers.json, results and the report)."""
        return {
            "auc": self.auc,
            "low": self.low,
            "high": self.high,
            "clips": self.clips,
            "own_checks": self.own_checks,
            "other_checks": self.other_checks,
            "cannot_tell_prompts_apart": self.cannot_tell,
        }


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(a positive scores above a negative) + ½ P(tie); NaN when either side is empty."""
    if positives.size == 0 or negatives.size == 0:
        return float("nan")
    above = (positives[:, None] > negatives[None, :]).mean()
    ties = (positives[:, None] == negatives[None, :]).mean()
    return float(above + 0.5 * ties)


def _lists(frame: pd.DataFrame, column: str) -> list[np.ndarray]:
    return [np.asarray(json.loads(text), dtype=np.float64) for text in frame[column]]


def self_check_clips(results: pd.DataFrame) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per sampled clip: its own checks' and the other prompt's checks' P(yes)."""
    needed = {"judge_own_values", "judge_other_values"}
    if not needed <= set(results.columns):
        return [], []
    sampled = results.dropna(subset=list(needed))
    sampled = sampled[sampled["judge_other_values"].astype(str).str.len() > 2]
    return _lists(sampled, "judge_own_values"), _lists(sampled, "judge_other_values")


def judge_discrimination(
    results: pd.DataFrame, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> JudgeCheck | None:
    """AUC of own vs other checks with a clip-bootstrap 95% interval; None without a sample."""
    own, other = self_check_clips(results)
    if len(own) < 2:
        return None
    point = auc(np.concatenate(own), np.concatenate(other))
    if point != point:
        return None
    rng = np.random.default_rng(seed)
    draws = np.empty(resamples)
    for i in range(resamples):
        pick = rng.integers(0, len(own), len(own))
        draws[i] = auc(
            np.concatenate([own[k] for k in pick]), np.concatenate([other[k] for k in pick])
        )
    draws = draws[~np.isnan(draws)]
    low, high = (float(v) for v in np.percentile(draws, [2.5, 97.5]))
    return JudgeCheck(
        auc=point,
        low=min(low, point),
        high=max(high, point),
        clips=len(own),
        own_checks=int(sum(v.size for v in own)),
        other_checks=int(sum(v.size for v in other)),
    )


def judge_check_line(results: pd.DataFrame, check: JudgeCheck | None = None) -> str | None:
    """One line for report.md / report.html beside judge_score, or None without a sample."""
    check = check if check is not None else judge_discrimination(results)
    if check is None:
        return None
    line = (
        f"Judge self-check: AUC {check.auc:.2f} (95% CI {check.low:.2f}–{check.high:.2f}) "
        f"of own vs another prompt's checks, {check.clips} clips "
        f"({check.own_checks} own, {check.other_checks} other answers)"
    )
    if check.cannot_tell:
        return line + " — the judge cannot tell prompts apart (the interval includes 0.5)."
    return line + "."


def judge_check_verdict(check: JudgeCheck) -> str:
    """The decision panel's addition to a judge-measured verdict."""
    figure = f"self-check AUC {check.auc:.2f}, 95% CI {check.low:.2f}–{check.high:.2f}"
    if check.cannot_tell:
        return f"but the judge cannot tell prompts apart ({figure}): not a prompt-following result"
    return f"judge {figure}"
