"""Stratified samples of a suite's prompts, so a run's cost stays bounded."""

from __future__ import annotations

import math
import random

from vidbench.core.suites.suite import Prompt

STRATIFY_FIELDS = ("category", "lang")


def allocate(sizes: list[int], n: int) -> list[int]:
    """Proportional allocation of `n` draws over strata of `sizes` (largest remainder).

    Every stratum gets at least one draw when `n` is at least the number of strata, and no
    stratum gets more than its size. With fewer draws than strata, the largest strata get one
    each (earlier strata win ties).
    """
    total = sum(sizes)
    if n >= total:
        return list(sizes)
    if n <= 0:
        return [0] * len(sizes)
    if n < len(sizes):
        ranked = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
        chosen = set(ranked[:n])
        return [1 if i in chosen else 0 for i in range(len(sizes))]
    quotas = [n * size / total for size in sizes]
    counts = [min(size, max(1, math.floor(q))) for size, q in zip(sizes, quotas, strict=True)]
    # The minimum of one per stratum can overshoot n: take back from the most over-served.
    while sum(counts) > n:
        over = [i for i in range(len(sizes)) if counts[i] > 1]
        worst = max(over, key=lambda i: (counts[i] - quotas[i], -i))
        counts[worst] -= 1
    # Hand out what is left by largest remainder, skipping full strata.
    while sum(counts) < n:
        open_strata = [i for i in range(len(sizes)) if counts[i] < sizes[i]]
        best = max(open_strata, key=lambda i: (quotas[i] - counts[i], -i))
        counts[best] += 1
    return counts


def sample_prompts(
    prompts: list[Prompt], n: int, stratify: str | None = "category", seed: int = 0
) -> list[Prompt]:
    """A deterministic sample of `n` prompts, stratified by `stratify`, in suite order."""
    if stratify is not None and stratify not in STRATIFY_FIELDS:
        raise ValueError(
            f"stratify must be one of {', '.join(STRATIFY_FIELDS)} or None, not {stratify!r}"
        )
    if n >= len(prompts):
        return list(prompts)
    rng = random.Random(seed)
    if stratify is None:
        picked = rng.sample(range(len(prompts)), max(n, 0))
        return [prompts[i] for i in sorted(picked)]
    strata: dict[str, list[int]] = {}
    for index, prompt in enumerate(prompts):
        strata.setdefault(str(getattr(prompt, stratify)), []).append(index)
    members = list(strata.values())
    counts = allocate([len(m) for m in members], n)
    picked_indices: list[int] = []
    for indices, count in zip(members, counts, strict=True):
        picked_indices.extend(rng.sample(indices, count))
    return [prompts[i] for i in sorted(picked_indices)]
