"""Routes: the same model reached through several providers, compared side by side.

A config may list one model through several providers (Seedance 2.0 on Ark, fal, Replicate,
OpenRouter, Runway). Each is its own `model` row everywhere else; here the rows whose
adapter's model table names the same maker's model (`ModelInfo.same_as`, e.g.
"bytedance/seedance-2.0") are grouped as routes of that model, and each route shows what
differs by route: queue time (the part a gateway user can buy down), generation and download
time, latency, cost per clip and per usable clip. A model only one route reaches is not shown.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from vidbench.adapters import registry
from vidbench.reports.formatting import fmt_pct, fmt_s, fmt_usd, md_code, md_escape
from vidbench.reports.stats import model_summary

TIME_COLUMNS = ("queue_s", "generation_s", "download_s", "latency_s")


@dataclass(frozen=True)
class Route:
    """One route (a config model) of a model several providers serve."""

    same_as: str
    model: str
    adapter: str
    provider_model: str
    n_attempted: int
    n_succeeded: int
    usable_rate: float
    queue_p50_s: float
    generation_p50_s: float
    download_p50_s: float
    latency_p50_s: float
    cost_per_clip_usd: float
    cost_per_usable_clip_usd: float


@functools.cache
def same_model(adapter: str, provider_model: str) -> str:
    """The maker's model id the adapter declares for `provider_model` ("" when none or the
    adapter is not installed here)."""
    try:
        info = registry.get(adapter).known_models().get(provider_model)
    except (KeyError, ImportError):
        return ""
    return info.same_as if info is not None else ""


def _median(values: pd.Series) -> float:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    numbers = numbers[~np.isnan(numbers)]
    return float(np.median(numbers)) if numbers.size else float("nan")


def route_groups(results: pd.DataFrame) -> dict[str, list[str]]:
    """Maker's model id → the config models (routes) that reach it, where two or more do."""
    if results.empty or not {"model", "adapter", "provider_model"} <= set(results.columns):
        return {}
    pairs = results[["model", "adapter", "provider_model"]].drop_duplicates("model")
    groups: dict[str, list[str]] = {}
    for model, adapter, provider_model in pairs.itertuples(index=False):
        same_as = same_model(str(adapter), str(provider_model))
        if same_as:
            groups.setdefault(same_as, []).append(str(model))
    return {same_as: models for same_as, models in groups.items() if len(models) > 1}


def routes(results: pd.DataFrame) -> list[Route]:
    """Every route of every model two or more routes reach, in the config's order."""
    groups = route_groups(results)
    if not groups:
        return []
    summary = model_summary(results).set_index("model")
    found = []
    for same_as, models in groups.items():
        for model in models:
            jobs = results[results["model"] == model]
            done = jobs[jobs["status"] == "succeeded"]
            row = summary.loc[model]
            medians = {c: _median(done[c]) if c in done.columns else float("nan") for c in TIME_COLUMNS}  # fmt: skip
            found.append(
                Route(
                    same_as,
                    model,
                    str(jobs["adapter"].iloc[0]),
                    str(jobs["provider_model"].iloc[0]),
                    int(row["n_attempted"]),
                    int(row["n_succeeded"]),
                    float(row["usable_rate"]),
                    medians["queue_s"],
                    medians["generation_s"],
                    medians["download_s"],
                    medians["latency_s"],
                    float(row["cost_per_clip_usd"]),
                    float(row["cost_per_usable_clip_usd"]),
                )  # fmt: skip
            )
    return found


def _best(rows: list[Route], field: str) -> Route | None:
    known = [r for r in rows if not np.isnan(getattr(r, field))]
    return min(known, key=lambda r: getattr(r, field)) if known else None


def verdict(rows: list[Route], name: Callable[[str], str] = str) -> str:
    """One line per model: the cheapest route per usable clip and the shortest queue
    (`name` renders a route's name, e.g. escaped for Markdown)."""
    parts = []
    cheapest = _best(rows, "cost_per_usable_clip_usd")
    if cheapest is not None:
        parts.append(f"Cheapest per usable clip: {name(cheapest.model)} ({fmt_usd(cheapest.cost_per_usable_clip_usd)})")  # fmt: skip
    shortest = _best(rows, "queue_p50_s")
    if shortest is not None:
        parts.append(f"shortest median queue: {name(shortest.model)} ({fmt_s(shortest.queue_p50_s)})")  # fmt: skip
    return "; ".join(parts) + "." if parts else ""


HEADER = ("Route", "Provider model", "Jobs", "OK", "Usable", "Queue p50", "Generation p50",
          "Download p50", "Latency p50", "USD / clip", "USD / usable clip")  # fmt: skip
NOTE = (
    "The same model through several providers (grouped by the maker's model id each adapter "
    "declares). Times are medians of the succeeded jobs: queue = submitted → started (the "
    "provider's own figure where it reports one, else the first poll that saw it running), "
    "generation = started → finished, download = its start → video on disk; cost per "
    "usable clip = every job's cost ÷ usable clips."
)


def _cells(route: Route, simulated: Collection[str], escape: bool) -> list[str]:
    name = (md_escape(route.model) if escape else route.model) + (" (sim)" if route.model in simulated else "")  # fmt: skip
    times = [fmt_s(route.queue_p50_s), fmt_s(route.generation_p50_s), fmt_s(route.download_p50_s), fmt_s(route.latency_p50_s)]  # fmt: skip
    return [
        name,
        md_code(f"{route.adapter}: {route.provider_model}") if escape else f"{route.adapter}: {route.provider_model}",
        str(route.n_attempted), str(route.n_succeeded), fmt_pct(route.usable_rate), *times,
        fmt_usd(route.cost_per_clip_usd), fmt_usd(route.cost_per_usable_clip_usd),
    ]  # fmt: skip


def routes_markdown(results: pd.DataFrame, simulated: Collection[str] = ()) -> list[str]:
    """The report.md section (empty when no model has two routes)."""
    rows = routes(results)
    if not rows:
        return []
    lines = ["## Routes: one model, several providers", "", NOTE, ""]
    for same_as in dict.fromkeys(r.same_as for r in rows):
        group = [r for r in rows if r.same_as == same_as]
        lines += [f"### {md_code(same_as)}", ""]
        lines.append("| " + " | ".join(HEADER) + " |")
        lines.append("| :--- | :--- | " + " | ".join("---:" for _ in HEADER[2:]) + " |")
        lines += ["| " + " | ".join(_cells(r, simulated, escape=True)) + " |" for r in group]
        lines += ["", verdict(group, md_escape), ""]
    return lines


def routes_view(results: pd.DataFrame, simulated: Collection[str] = ()) -> list[dict[str, Any]]:
    """The HTML section's data: per model, its routes' cells (autoescaped by the template)."""
    rows = routes(results)
    view = []
    for same_as in dict.fromkeys(r.same_as for r in rows):
        group = [r for r in rows if r.same_as == same_as]
        view.append({
            "same_as": same_as, "header": HEADER, "note": NOTE, "verdict": verdict(group),
            "rows": [_cells(r, simulated, escape=False) for r in group],
            "routes": [asdict(r) for r in group],
        })  # fmt: skip
    return view
