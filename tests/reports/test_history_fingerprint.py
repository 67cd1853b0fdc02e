"""The configuration fingerprint: what splits a history into comparable groups."""

from __future__ import annotations

import copy
import json
from typing import Any

from vidbench.core.plan.fingerprint import config_fingerprint, is_sample_run

MANIFEST: dict[str, Any] = {
    "suite": {"name": "core", "sha256": "a" * 64, "prompts": 20},
    "config": {
        "name": "nightly",
        "models": [
            {
                "id": "fast",
                "adapter": "ark",
                "model": "m-260128",
                "params": {"resolution": "480p"},
                "max_concurrency": 4,
                "price": {"cny_per_million_tokens": 46},
            },
        ],
    },
    "samples": 1,
    "sampling": {"sample": None, "stratify": "category", "seed": None},
    "usable": {"clip_score": 25.0},
    "clip": {"model": "ViT-B-32"},
    "prices": {"fast": {"list_price": "46 CNY"}},
}


def changed(path: list[str], value: Any) -> dict[str, Any]:
    manifest = copy.deepcopy(MANIFEST)
    target: Any = manifest
    for key in path[:-1]:
        target = target[key] if not isinstance(target, list) else target[int(key)]
    target[path[-1]] = value
    return manifest


def test_output_changing_settings_change_the_fingerprint() -> None:
    base = config_fingerprint(MANIFEST)
    assert len(base) == 64 and base == config_fingerprint(json.loads(json.dumps(MANIFEST)))
    for path, value in [
        (["suite", "sha256"], "b" * 64),
        (["config", "models", "0", "model"], "m-260301"),
        (["config", "models", "0", "params"], {"resolution": "720p"}),
        (["config", "models", "0", "simulate"], "degraded"),
        (["samples"], 2),
        (["sampling"], {"sample": 2, "stratify": "category", "seed": 0}),
        (["usable"], {"clip_score": 27.0}),
    ]:
        assert config_fingerprint(changed(path, value)) != base, path


def test_prices_concurrency_and_names_do_not_split_a_history() -> None:
    base = config_fingerprint(MANIFEST)
    for path, value in [
        (["config", "models", "0", "max_concurrency"], 12),
        (["config", "models", "0", "price"], {"cny_per_million_tokens": 40}),
        (["prices"], {"fast": {"list_price": "40 CNY"}}),
        (["config", "name"], "renamed"),
        # stratify and seed mean nothing without --sample
        (["sampling"], {"sample": None, "stratify": None, "seed": 7}),
    ]:
        assert config_fingerprint(changed(path, value)) == base, path


def test_a_sample_run_is_told_apart() -> None:
    assert not is_sample_run(MANIFEST)
    assert is_sample_run(changed(["sampling"], {"sample": 2, "stratify": None, "seed": 0}))
    assert not is_sample_run({})  # an old manifest without sampling: a full run
