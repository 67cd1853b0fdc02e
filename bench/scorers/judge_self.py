"""The judge checks itself: a seeded sample of clips is also asked another prompt's checks.

A judge that answers yes to whatever it is asked scores every clip high. So every judged run
also asks a small random sample of its clips (10%, at least 10, all when fewer) the checks of
one other prompt; a judge that sees what was asked says yes to its own clip's checks far more
often than to another prompt's. `vidbench.reports.judge_check` turns the answers into an AUC
with an interval. The extra questions are paid like the others (and counted in the judge's
cost and the budget); `self_check_clips` says how many clips are sampled, for estimates.
"""

from __future__ import annotations

import math
import random

from vidbench.core.config.checks import Check
from vidbench.core.store.jobs import Job

SELF_CHECK_SHARE = 0.10
SELF_CHECK_MIN_CLIPS = 10
SELF_CHECK_SEED = 24


def frame_checks(checks: list[Check]) -> list[Check]:
    """The checks the judge answers from frames (audio checks are not judged)."""
    return [c for c in checks if c.kind != "audio"]


def self_check_clips(clips: int) -> int:
    """How many of `clips` judged clips are also asked another prompt's checks."""
    return min(clips, max(SELF_CHECK_MIN_CLIPS, math.ceil(SELF_CHECK_SHARE * clips)))


def self_check_pairs(
    jobs: list[Job], checks: dict[str, list[Check]], seed: int = SELF_CHECK_SEED
) -> dict[str, str]:
    """Job id → the other prompt whose checks that clip is also asked (a seeded sample).

    Only clips whose prompt has frame checks are drawn, and only when another prompt with
    frame checks exists. The draw depends on the job ids and the seed alone (sorted first),
    so re-scoring the same run asks the same questions (and hits the answer cache).
    """
    judged = sorted(j.job_id for j in jobs if frame_checks(checks.get(j.prompt_id, [])))
    prompt_of = {j.job_id: j.prompt_id for j in jobs}
    prompts = sorted(p for p, cs in checks.items() if frame_checks(cs))
    if len(prompts) < 2 or not judged:
        return {}
    rng = random.Random(f"judge-self-check:{seed}")
    chosen = rng.sample(judged, self_check_clips(len(judged)))
    pairs = {}
    for job_id in sorted(chosen):
        others = [p for p in prompts if p != prompt_of[job_id]]
        pairs[job_id] = others[rng.randrange(len(others))]
    return pairs
