"""A run's configuration fingerprint: which runs `history` may compare with each other.

Two runs are comparable when they asked the same models the same things: the same suite
(its sha256), the same model ids, adapters and provider model versions with the same
params and simulator profile, the same samples per prompt, the same `--sample` draw, and the
same usable thresholds and CLIP settings (which change the scores). Prices, concurrency,
endpoints and the scorer list do not change a clip, so they are left out (a price change is
reported as drift instead).

The fingerprint is computed from the manifest alone, so the run writes it into manifest.json
and `history` derives the same value for an older run whose manifest lacks it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

FINGERPRINT_VERSION = 1
MODEL_KEYS = ("id", "adapter", "model", "params", "simulate")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def sampling_of(manifest: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `--sample` draw (sample, stratify, seed), or None for a full run of the suite."""
    sampling = _mapping(manifest.get("sampling"))
    if sampling.get("sample") is None:
        return None
    return {key: sampling.get(key) for key in ("sample", "stratify", "seed")}


def is_sample_run(manifest: Mapping[str, Any]) -> bool:
    """True when the run drew a `--sample` of its suite rather than running all of it."""
    return sampling_of(manifest) is not None


def fingerprint_parts(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What the fingerprint hashes (see the module docstring), as plain JSON values."""
    config = _mapping(manifest.get("config"))
    models = [
        {key: _mapping(model).get(key) for key in MODEL_KEYS}
        for model in config.get("models") or []
        if isinstance(model, Mapping)
    ]
    samples = manifest.get("samples", config.get("samples", 1))
    return {
        "version": FINGERPRINT_VERSION,
        "suite_sha256": _mapping(manifest.get("suite")).get("sha256"),
        "models": sorted(models, key=lambda m: str(m.get("id"))),
        "samples": samples,
        "sampling": sampling_of(manifest),
        "usable": manifest.get("usable", config.get("usable")),
        "clip": manifest.get("clip", config.get("clip")),
    }


def config_fingerprint(manifest: Mapping[str, Any]) -> str:
    """sha256 (hex) of the manifest's output-changing settings."""
    text = json.dumps(fingerprint_parts(manifest), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
