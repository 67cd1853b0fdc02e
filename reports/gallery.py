"""The report's gallery: each prompt's clips side by side, per model, split into pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from vidbench.reports import formatting as fmt

GALLERY_PAGE_SIZE = 12  # prompts per gallery page: enough to compare, few enough videos to load


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
