"""Stratified sampling of suite prompts."""

from __future__ import annotations

from collections import Counter

import pytest

from vidbench.core.suites.sampling import allocate, sample_prompts
from vidbench.core.suites.suite import Prompt


def make_prompts(sizes: dict[str, int], zh_every: int = 0) -> list[Prompt]:
    """Prompts grouped by category, interleaved so suite order differs from stratum order."""
    out: list[Prompt] = []
    remaining = dict(sizes)
    index = 0
    while any(remaining.values()):
        for category in sizes:
            if remaining[category]:
                remaining[category] -= 1
                lang = "zh" if zh_every and index % zh_every == 0 else "en"
                out.append(
                    Prompt(
                        id=f"{category}-{index:03d}",
                        category=category,
                        lang=lang,
                        text=f"prompt {index}",
                        scoring_text="x" if lang != "en" else None,
                    )
                )
                index += 1
    return out


def test_allocation_is_proportional_with_largest_remainder() -> None:
    assert allocate([60, 30, 10], 10) == [6, 3, 1]
    assert allocate([5, 3, 2], 5) == [3, 1, 1]  # quotas 2.5, 1.5, 1.0 → remainders
    assert sum(allocate([7, 7, 7], 10)) == 10


def test_allocation_gives_every_stratum_one_even_when_tiny() -> None:
    counts = allocate([97, 1, 1, 1], 4)
    assert counts == [1, 1, 1, 1]
    counts = allocate([90, 5, 5], 6)
    assert counts == [4, 1, 1]


def test_allocation_with_fewer_draws_than_strata_picks_largest() -> None:
    assert allocate([2, 9, 4, 9], 2) == [0, 1, 0, 1]


def test_sample_is_proportional_by_category() -> None:
    prompts = make_prompts({"a": 40, "b": 20, "c": 20, "d": 20})
    picked = sample_prompts(prompts, 10, stratify="category", seed=3)
    assert len(picked) == 10
    assert Counter(p.category for p in picked) == {"a": 4, "b": 2, "c": 2, "d": 2}


def test_every_stratum_represented() -> None:
    prompts = make_prompts({"big": 50, "mid": 10, "one": 1, "two": 2})
    picked = sample_prompts(prompts, 5, stratify="category", seed=0)
    assert {p.category for p in picked} == {"big", "mid", "one", "two"}
    assert len(picked) == 5


def test_sample_is_deterministic_per_seed_and_varies_across_seeds() -> None:
    prompts = make_prompts({"a": 30, "b": 30})
    first = [p.id for p in sample_prompts(prompts, 6, seed=7)]
    again = [p.id for p in sample_prompts(prompts, 6, seed=7)]
    assert first == again
    others = {tuple(p.id for p in sample_prompts(prompts, 6, seed=s)) for s in range(8)}
    assert len(others) > 1


def test_output_keeps_suite_order() -> None:
    prompts = make_prompts({"a": 10, "b": 10, "c": 10})
    position = {p.id: i for i, p in enumerate(prompts)}
    for stratify in ("category", "lang", None):
        picked = sample_prompts(prompts, 9, stratify=stratify, seed=1)
        order = [position[p.id] for p in picked]
        assert order == sorted(order)
        assert len(set(order)) == 9


def test_n_at_least_len_returns_all_in_order() -> None:
    prompts = make_prompts({"a": 3, "b": 2})
    assert sample_prompts(prompts, 5) == prompts
    assert sample_prompts(prompts, 50, stratify=None) == prompts


def test_stratify_by_lang() -> None:
    prompts = make_prompts({"a": 20, "b": 20}, zh_every=4)  # 10 zh, 30 en
    picked = sample_prompts(prompts, 8, stratify="lang", seed=2)
    assert Counter(p.lang for p in picked) == {"en": 6, "zh": 2}


def test_simple_random_sample_without_strata() -> None:
    prompts = make_prompts({"a": 50, "b": 1})
    picked = sample_prompts(prompts, 5, stratify=None, seed=4)
    assert len(picked) == 5
    assert len({p.id for p in picked}) == 5


def test_unknown_stratify_field_is_refused() -> None:
    with pytest.raises(ValueError, match="stratify"):
        sample_prompts(make_prompts({"a": 3}), 1, stratify="colour")
