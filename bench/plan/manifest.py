"""The run manifest: everything needed to reproduce a run, and no secret values."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vidbench.core.config.config import LoadedConfig
from vidbench.core.plan.adapter_factory import planning_adapter
from vidbench.core.plan.fingerprint import config_fingerprint
from vidbench.core.plan.plan import Plan
from vidbench.core.suites.suite import LoadedSuite

PACKAGES = (
    "vidbench",
    "httpx",
    "pydantic",
    "pandas",
    "numpy",
    "scipy",
    "av",
    "torch",
    "open-clip-torch",
    "torchmetrics",
    "dlib-bin",
    "opencv-python-headless",
    "matplotlib",
    "jinja2",
    "pyarrow",
)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape results."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str | None:
    """The vidbench checkout's commit, when running from a git checkout."""
    here = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def price_table(config: LoadedConfig, plan: Plan | None = None) -> dict[str, Any]:
    """Per model: the price the plan used (`price`: source live, config or bundled, a live
    one with its rates, endpoint and time read), the list price note, its source, and any
    override."""
    prices: dict[str, Any] = {}
    chosen = plan.prices if plan is not None else {}
    for model in config.config.models:
        adapter = planning_adapter(model, config.config.currency.cny_per_usd)
        info = adapter.known_models().get(model.model)
        fallback = {"source": "config", **model.price} if model.price else {"source": "bundled"}
        choice = chosen.get(model.id)
        prices[model.id] = {
            "price": choice.entry if choice is not None else fallback,  # first: reports cut
            "adapter": model.adapter,
            "provider_model": model.model,
            "list_price": info.price_note if info else None,
            "source": info.price_source if info else None,
            "override": dict(model.price) or None,
        }
    return prices


def build_manifest(
    config: LoadedConfig, suite: LoadedSuite, plan: Plan, run_id: str, sample_args: dict[str, Any]
) -> dict[str, Any]:
    """The manifest written at run start (end time added when the run finishes)."""
    cfg = config.config
    manifest = {
        "name": cfg.name,
        "run_id": run_id,
        "created_at": utc_now(),
        "finished_at": None,
        "vidbench_version": importlib.metadata.version("vidbench") if _installed() else None,
        "git_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "config_path": str(config.path),
        "config": config.raw,
        "suite": {
            "path": str(suite.path),
            "name": suite.suite.suite,
            "version": suite.suite.version,
            "sha256": suite.sha256,
            "prompts": len(suite.prompts),
            "prompts_planned": len(plan.prompts),
        },
        "sampling": sample_args,
        "samples": cfg.samples,
        "scorers": list(cfg.scorers),
        "clip": cfg.clip.model_dump(),
        "prices": price_table(config, plan),
        "currency": {
            "cny_per_usd": cfg.currency.cny_per_usd,
            "note": "assumed exchange rate from the config; Ark prices are in CNY",
        },
        "budget": cfg.budget.model_dump(),
        "usable": cfg.usable.model_dump(),
        "quality_metric": cfg.quality_metric,
        "simulated_models": {m.id: m.simulate for m in cfg.models if m.simulate},
        "plan": {
            m.model.id: {
                "jobs": len(m.jobs),
                "runnable": len(m.runnable),
                "estimated_cost_usd": round(m.estimated_cost_usd, 4),
            }
            for m in plan.models
        },
        "plan_notes": plan.notes[:200],
    }
    # Which runs `history` compares: derived from the manifest alone, so old runs get it too.
    manifest["fingerprint"] = config_fingerprint(manifest)
    return manifest


def _installed() -> bool:
    try:
        importlib.metadata.version("vidbench")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
