"""Synthetic run histories for the history tests: results.parquet + manifest.json per run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HISTORY_MODELS = ("alpha", "beta")
N_PROMPTS = 30


def write_history_run(
    run_dir: Path,
    index: int,
    rng: np.random.Generator,
    prompt_effect: np.ndarray,
    clip_drop: dict[str, float],
    price_usd: dict[str, float],
) -> None:
    """One run: every model × prompt succeeded, clip_score and flicker around stable prompt effects."""
    run_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for model in HISTORY_MODELS:
        for p in range(N_PROMPTS):
            clip = 25.0 + prompt_effect[p] + rng.normal(0, 0.3) - clip_drop.get(model, 0.0)
            rows.append(
                {
                    "model": model,
                    "provider_model": f"prov-{model}",
                    "prompt_id": f"p-{p:03d}",
                    "category": "motion",
                    "sample": 0,
                    "status": "succeeded",
                    "latency_s": float(40.0 * rng.lognormal(0, 0.2)),
                    # Cost scales with the prompt's clip length (tokens), the same in every run.
                    "cost_usd": price_usd[model] * (0.8 + 0.4 * p / N_PROMPTS),
                    "clip_score": clip,
                    "flicker": 0.97 + rng.normal(0, 0.002),
                    "usable": bool(clip > 15.0),
                }
            )
    pd.DataFrame(rows).to_parquet(run_dir / "results.parquet", index=False)
    manifest = {
        "name": "nightly",
        "run_id": run_dir.name,
        "created_at": f"2026-11-{index + 1:02d}T02:00:00Z",
        "suite": {"name": "core", "version": 3, "sha256": "c" * 64},
        "prices": {m: {"usd_per_clip": price_usd[m]} for m in HISTORY_MODELS},
        "simulated_models": [],
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def write_history(
    root: Path,
    n_runs: int = 8,
    drop_at: int | None = 5,
    price_cut_at: int | None = 3,
    seed: int = 3,
) -> list[Path]:
    """Runs nightly-000… under root; beta's clip_score drops by 2 from `drop_at` on, alpha's price is cut at `price_cut_at`."""
    rng = np.random.default_rng(seed)
    prompt_effect = rng.normal(0, 2.0, N_PROMPTS)
    paths = []
    for index in range(n_runs):
        drop = {"beta": 2.0} if drop_at is not None and index >= drop_at else {}
        cut = price_cut_at is not None and index >= price_cut_at
        prices = {"alpha": 0.25 if cut else 0.30, "beta": 0.40}
        path = root / f"nightly-202611{index + 1:02d}T020000Z"
        write_history_run(path, index, rng, prompt_effect, drop, prices)
        paths.append(path)
    return paths
