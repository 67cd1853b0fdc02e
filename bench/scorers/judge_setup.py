"""What the judge scorer needs from a run: checks, endpoint and key, money left."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from vidbench.core.config.checks import Check, JudgeSettings
from vidbench.core.config.keyhosts import is_confirmed, judge_key_host
from vidbench.core.scorers.base import ScorerUnavailable
from vidbench.core.seam.secrets import Secret, may_hold_key


def load_checks(manifest: dict[str, Any]) -> dict[str, list[Check]]:
    """Prompt id → checks, read from the run's suite file as it is now (edits are picked up)."""
    from vidbench.core.suites.suite import load_suite

    path = (manifest.get("suite") or {}).get("path")
    if not path or not Path(path).is_file():
        return {}
    return {prompt.id: list(prompt.checks) for prompt in load_suite(path).prompts}


def api_key_from_env(settings: JudgeSettings) -> str | None:
    """The judge's key from its environment variable; ScorerUnavailable naming it if unset."""
    if settings.api_key_env is None:
        return None
    if not may_hold_key(settings.api_key_env):
        raise ScorerUnavailable(
            f"judge.api_key_env {settings.api_key_env} is not a key variable (a name ending in "
            "_API_KEY, _ACCESS_KEY or _SECRET_KEY)"
        )
    value = os.environ.get(settings.api_key_env)
    if not value:
        raise ScorerUnavailable(
            f"environment variable {settings.api_key_env} (judge.api_key_env) is not set"
        )
    foreign = judge_key_host(settings)
    if foreign is not None and not is_confirmed(foreign):
        raise ScorerUnavailable(
            f"{foreign}; not sent without agreement: rerun with --yes (run or score)"
        )
    return Secret(value, settings.api_key_env).reveal()  # registered for redaction


def endpoint_for(settings: JudgeSettings) -> tuple[str, str | None, Any]:
    """(base URL, key, simulator server or None); the simulator starts here when asked for."""
    if not settings.simulate:
        return settings.endpoint, api_key_from_env(settings), None
    from vidbench.core.sim import SIM_API_KEY, default_cache_dir
    from vidbench.core.sim.server import SimServer

    judge = {"error_rate": settings.error_rate, "models": [settings.model]}
    server = SimServer(cache_dir=default_cache_dir(), settings={"judge": judge}).start()
    return server.base_url("openai_chat"), SIM_API_KEY, server


def remaining_budget(run: Any, manifest: dict[str, Any]) -> float | None:
    """The run's budget less what generation and earlier judge answers cost (None: no cap)."""
    cap = (manifest.get("budget") or {}).get("max_cost_usd")
    if cap is None:
        return None
    spent = sum(state.cost_usd or 0.0 for state in run.states().values())
    for state in run.states().values():
        # Judge answers about a job's earlier videos were paid too (`superseded_scores`).
        for scores in [state.scores, *state.superseded_scores]:
            spent += float((scores.get("judge") or {}).get("judge_cost_usd") or 0.0)
    return float(cap) - spent
