"""The self-contained HTML report: jinja2 with autoescaping, plots inlined, videos linked."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from vidbench.core.store.safe_files import write_atomic
from vidbench.reports import formatting as fmt
from vidbench.reports.analysis import Analysis
from vidbench.reports.arena import preference_view, run_preference
from vidbench.reports.data import as_dict, unavailable_scorers
from vidbench.reports.draws import draws_view
from vidbench.reports.plots import Plot, model_colours
from vidbench.reports.posters import ensure_posters

TEMPLATES = Path(__file__).parent / "templates"
PROTOCOL_KEYS = ("frames", "model", "filter", "scope", "comparable_with", "differences")
GALLERY_PAGE_SIZE = 12  # prompts per gallery page: enough to compare, few enough videos to load


def environment() -> jinja2.Environment:
    """The jinja2 environment: autoescape on for every template, strict undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=fmt.fmt_num,
        pct=fmt.fmt_pct,
        usd=fmt.fmt_usd,
        secs=fmt.fmt_s,
        pval=fmt.fmt_p,
        trunc=fmt.truncate,
        missing=fmt.is_missing,
    )
    env.tests["missing"] = fmt.is_missing
    env.globals["ci"] = fmt.fmt_ci
    return env


def plot_data_uri(plot: Plot) -> str:
    """The plot's SVG as a data: URI, so the report needs no files besides the videos."""
    return "data:image/svg+xml;base64," + base64.b64encode(plot.svg.read_bytes()).decode("ascii")


def win_colour(share: Any) -> str:
    """Background for a win-rate cell: green above one half, red below, white at a half."""
    if fmt.is_missing(share):
        return "transparent"
    delta = float(share) - 0.5
    strength = min(1.0, abs(delta) * 2) * 0.55
    hue = 145 if delta >= 0 else 5
    return f"hsla({hue}, 60%, 45%, {strength:.2f})"


def significant(row: dict[str, Any], alpha: float = 0.05) -> bool:
    """A paired difference is significant when p < alpha and its CI excludes 0."""
    p, low, high = row.get("p_value"), row.get("ci_low"), row.get("ci_high")
    if fmt.is_missing(p) or fmt.is_missing(low) or fmt.is_missing(high):
        return False
    return bool(float(p) < alpha and (float(low) > 0 or float(high) < 0))  # type: ignore[arg-type]


def pairwise_matrices(
    rows: list[dict[str, Any]], models: Sequence[str], directions: dict[str, str]
) -> dict[str, list[list[dict[str, Any] | None]]]:
    """Per metric a models × models grid of row − column differences; only significant ones get a tone."""
    grids: dict[str, list[list[dict[str, Any] | None]]] = {}
    index = {m: i for i, m in enumerate(models)}
    for row in rows:
        a, b, metric = row["model_a"], row["model_b"], row["metric"]
        if a not in index or b not in index or fmt.is_missing(row.get("mean_diff")):
            continue
        grid = grids.setdefault(metric, [[None] * len(models) for _ in models])
        sig = significant(row)
        for first, second, sign in ((a, b, 1.0), (b, a, -1.0)):
            diff = sign * float(row["mean_diff"])
            better = diff > 0 if directions.get(metric) == "higher" else diff < 0
            tone = ("better" if better else "worse") if sig else "same"
            grid[index[first]][index[second]] = {
                "diff": diff,
                "p": row.get("p_value"),
                "tone": tone,
            }
    return grids


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [] if df is None or df.empty else df.replace({np.nan: None}).to_dict("records")


def _clean(value: Any) -> str | None:
    return None if fmt.is_missing(value) else str(value)


def _gallery_cell(record: dict[str, Any], posters: dict[str, str]) -> dict[str, Any]:
    """One job's gallery cell: its video (poster, original, sheet), status and verdicts."""
    usable = record["usable"]
    detail = record["detail"]
    return {
        "sample": record["sample"],
        "status": str(record["status"]),
        "error_kind": _clean(record["error_kind"]),
        "detail": None if fmt.is_missing(detail) else fmt.truncate(detail, 240),
        "video": fmt.safe_relative_url(record["video_path"]),
        "poster": fmt.safe_relative_url(posters.get(str(record["video_path"]))),
        "original": fmt.safe_relative_url(record["original_path"]),  # published sites
        "sheet": fmt.safe_relative_url(record["contact_sheet"]),
        "usable": None if fmt.is_missing(usable) else bool(usable),
        "usable_reason": _clean(record["usable_reason"]),
        "latency_s": record["latency_s"],
        "judge_score": record["judge_score"],
        "judge_failed": [q for q in str(record["judge_failed"] or "").split("; ") if q],
    }


def gallery_pages(
    df: pd.DataFrame,
    models: Sequence[str],
    page_size: int = GALLERY_PAGE_SIZE,
    posters: dict[str, str] | None = None,
) -> list[list[dict[str, Any]]]:
    """Prompts in suite order, each with per-model cells (one per sample), split into pages."""
    wanted = [
        "prompt_id",
        "category",
        "lang",
        "text",
        "model",
        "sample",
        "status",
        "error_kind",
        "detail",
        "video_path",
        "original_path",
        "contact_sheet",
        "usable",
        "usable_reason",
        "latency_s",
        "judge_score",
        "judge_failed",
    ]
    # Plain dicts, not per-group pandas access: this runs once per job on large runs.
    table = df.reindex(columns=wanted).astype(object)
    records = table.where(table.notna(), None).to_dict("records")
    prompts: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: (str(r["model"]), r["sample"] or 0)):
        prompt_id = str(record["prompt_id"])
        prompt = prompts.get(prompt_id)
        if prompt is None:
            prompt = prompts[prompt_id] = {
                "prompt_id": prompt_id,
                "category": str(record["category"]),
                "lang": _clean(record["lang"]),
                "text": _clean(record["text"]) or "",
                "cells": {m: [] for m in models},
            }
        cell = _gallery_cell(record, posters or {})
        prompt["cells"].setdefault(str(record["model"]), []).append(cell)
    # Suite order = first appearance in the results table.
    order = {p: i for i, p in enumerate(dict.fromkeys(df["prompt_id"].astype(str)))}
    ordered = sorted(prompts.values(), key=lambda p: order.get(p["prompt_id"], 0))
    return [ordered[i : i + page_size] for i in range(0, len(ordered), page_size)] or [[]]


def manifest_view(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest fields a reader looks for, plus pretty JSON of the config and packages."""
    suite = as_dict(manifest.get("suite"))
    facts = [
        ("Run", manifest.get("run_id") or manifest.get("name")),
        ("Created", manifest.get("created_at")),
        ("Finished", manifest.get("finished_at")),
        ("vidbench", manifest.get("vidbench_version")),
        ("Git commit", manifest.get("git_commit")),
        ("Python", manifest.get("python")),
        ("Config", manifest.get("config_path")),
        (
            "Suite",
            " ".join(
                str(x)
                for x in (suite.get("name"), suite.get("version") and f"v{suite.get('version')}")
                if x
            ),
        ),
        ("Suite path", suite.get("path")),
        ("Suite sha256", suite.get("sha256")),
        ("Prompts", suite.get("prompts")),
        ("Quality metric", manifest.get("quality_metric")),
    ]
    currency = manifest.get("currency")
    if isinstance(currency, dict) and currency.get("cny_per_usd") is not None:
        facts.append(("CNY per USD", currency.get("cny_per_usd")))
    usable = manifest.get("usable")
    prices = as_dict(manifest.get("prices"))
    packages = as_dict(manifest.get("packages"))
    return {
        "facts": [(k, str(v)) for k, v in facts if v not in (None, "")],
        "usable": json.dumps(usable, indent=2, ensure_ascii=False, default=str) if usable else None,
        "prices": [
            (str(k), json.dumps(v, ensure_ascii=False, default=str)) for k, v in prices.items()
        ],
        "packages": sorted((str(k), str(v)) for k, v in packages.items()),
        "config": json.dumps(manifest.get("config"), indent=2, ensure_ascii=False, default=str)
        if manifest.get("config") is not None
        else None,
    }


def protocol_rows(scorers_meta: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per metric with a direction and a declared protocol (scorers.json)."""
    rows = []
    for meta in scorers_meta.values():
        outputs = meta.get("outputs") if isinstance(meta, dict) else None
        for metric, output in (outputs or {}).items():
            protocol = output.get("protocol") if isinstance(output, dict) else None
            if isinstance(protocol, dict) and output.get("direction") in ("higher", "lower"):
                rows.append({"metric": metric, **{k: protocol.get(k) or "" for k in PROTOCOL_KEYS}})
    return rows


def text_alignment_note(results: pd.DataFrame) -> str | None:
    """The share of prompts whose CLIP score read truncated text, and those not scored for it."""
    if "clip_text_truncated" not in results.columns or "clip_score" not in results.columns:
        return None
    measured = results[results["clip_text_truncated"].notna()]
    if measured.empty:
        return None
    truncated = measured["clip_text_truncated"].astype(bool)
    scored = measured["clip_score"].notna()
    prompts = measured["prompt_id"].nunique()
    cut = measured.loc[truncated & scored, "prompt_id"].nunique()
    parts = [
        f"Text alignment: {cut} of {prompts} prompts ({cut / prompts:.0%}) were scored on text "
        "cut to the model's 77 tokens (results column clip_text_truncated)"
    ]
    skipped = measured.loc[truncated & ~scored, "prompt_id"].nunique()
    if skipped:
        parts.append(
            f"{skipped} not scored (not applicable — truncated: not English, no scoring_text)"
        )
    source = measured.get("clip_text_source", pd.Series(dtype=object))
    for label, name in (
        ("multilingual", "by the multilingual model"),
        ("untranslated", "untranslated by the English model"),
    ):
        count = measured.loc[(source == label) & scored, "prompt_id"].nunique()
        if count:
            parts.append(f"{count} scored {name}")
    return "; ".join(parts) + "."


def _by_key_and_model(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Rows indexed by `row[key]` then by model (the metric and category tables)."""
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        table.setdefault(row[key], {})[row["model"]] = row
    return table


def _scorer_rows(scorers: dict[str, Any]) -> list[dict[str, Any]]:
    """Name, version, availability (with the reason) and outputs of every scorer that ran."""
    return [
        {
            "name": str(name),
            "version": str(meta.get("version", "")),
            "available": meta.get("available") is not False,
            "reason": str(meta.get("reason") or ""),
            "outputs": ", ".join(map(str, (meta.get("outputs") or {}).keys())),
        }
        for name, meta in scorers.items()
        if isinstance(meta, dict)
    ]


def render_report(
    analysis: Analysis, plots: Sequence[Plot], page_size: int = GALLERY_PAGE_SIZE
) -> str:
    """The report as one HTML string."""
    run = analysis.run
    metric_table = _by_key_and_model(_records(analysis.metric_means), "metric")
    categories = _by_key_and_model(_records(analysis.categories), "category")
    context = {
        "title": f"vidbench report — {run.name}",
        "run_name": run.name,
        "manifest": manifest_view(run.manifest),
        "models": analysis.models,
        "colours": model_colours(analysis.models),
        "simulated": run.simulated_models,
        "quality_metric": analysis.quality_metric,
        "quality_label": analysis.quality_label,
        "leaderboard": _records(analysis.ranked_summary()),
        "best_model": analysis.best_model(),
        "n_jobs": len(run.results),
        "n_prompts": int(run.results["prompt_id"].nunique()),
        "metric_table": metric_table,
        "directions": run.directions,
        "categories": categories,
        "draws": draws_view(run.results, model_colours(analysis.models)),
        "pairwise": _records(analysis.pairwise),
        "pairwise_matrices": pairwise_matrices(
            _records(analysis.pairwise), analysis.models, run.directions
        ),
        "win_rates": {
            m: {
                "models": list(w.index),
                "rows": [[(c, w.loc[r, c]) for c in w.columns] for r in w.index],
            }
            for m, w in analysis.win_rates.items()
        },
        "win_colour": win_colour,
        "plots": [
            {"title": p.title, "uri": plot_data_uri(p), "png": f"plots/{p.png.name}", "key": p.key}
            for p in plots
        ],
        "pages": gallery_pages(
            run.results,
            analysis.models,
            page_size,
            ensure_posters(run.path, run.results.get("video_path", pd.Series(dtype=object))),
        ),
        "scorers": _scorer_rows(run.scorers),
        "protocols": protocol_rows(run.scorers),
        "text_alignment_note": text_alignment_note(run.results),
        "unavailable": unavailable_scorers(run.scorers),
        "preference": preference_view(run_preference(run.path, run.results)),
    }
    return environment().get_template("report.html").render(**context)


def write_html_report(analysis: Analysis, plots: Sequence[Plot], out_path: Path) -> Path:
    """Render report.html and write it atomically."""
    write_atomic(out_path, render_report(analysis, plots))
    return out_path
