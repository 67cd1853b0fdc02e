"""The judge's self-check: AUC of own vs other-prompt checks with a clip bootstrap interval."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from vidbench.reports.judge_check import auc, judge_check_line, judge_discrimination


def results(own: list[list[float]], other: list[list[float]]) -> pd.DataFrame:
    rows = [{"judge_own_values": json.dumps(o), "judge_other_values": json.dumps(x)}
            for o, x in zip(own, other, strict=True)]  # fmt: skip
    rows.append({"judge_own_values": None, "judge_other_values": None})  # not sampled
    return pd.DataFrame(rows)


def test_auc_equals_mann_whitney_with_ties() -> None:
    rng = np.random.default_rng(0)
    pos, neg = rng.choice([0.08, 0.5, 0.92], 40), rng.choice([0.08, 0.92], 30)
    u = mannwhitneyu(pos, neg).statistic
    assert auc(pos, neg) == u / (pos.size * neg.size)


def test_a_discriminating_judge_has_an_interval_above_chance() -> None:
    rng = np.random.default_rng(1)
    own = [list(np.where(rng.random(5) < 0.85, 0.92, 0.08)) for _ in range(10)]
    other = [list(np.where(rng.random(5) < 0.1, 0.92, 0.08)) for _ in range(10)]
    check = judge_discrimination(results(own, other))
    assert check is not None and check.clips == 10 and check.own_checks == 50
    assert check.low > 0.5 and check.low <= check.auc <= check.high
    line = judge_check_line(results(own, other)) or ""
    assert (
        line.startswith(f"Judge self-check: AUC {check.auc:.2f} (95% CI") and "cannot" not in line
    )


def test_an_always_yes_judge_is_flagged() -> None:
    own = [[0.92] * 5 for _ in range(10)]
    check = judge_discrimination(results(own, own))
    assert check is not None and check.auc == 0.5 and check.cannot_tell
    assert "cannot tell prompts apart" in (judge_check_line(results(own, own)) or "")


def test_no_sample_no_line() -> None:
    assert judge_check_line(pd.DataFrame({"judge_score": [0.5]})) is None
