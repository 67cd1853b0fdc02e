"""The 抽卡 section of both reports, its two draw figures named apart (issue 24.5):

- **draws per usable clip**: 1 ÷ the pooled per-draw usable rate (what a budget buys per
  usable clip), with the usable rate's interval inverted (Wilson's, widened over prompts
  where they differ); cost per usable clip uses it;
- **expected draws for a given prompt**: E[1/p] over prompts under a beta-binomial fit of the
  per-prompt usable counts (the fit shown), with a bootstrap over prompts. It needs some prompt
  drawn twice or more: with one draw per prompt the spread between prompts cannot be told
  from chance, and the section says so instead of a number.

Then pass@k and its curve where prompts have several samples and, as a separate and
separately named line, the sample size a 10-point confidence interval would need. The same
figures go to summary.csv under the names in `CSV_COLUMNS`.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import pandas as pd

from vidbench.reports.draws import (
    DrawStats,
    draw_stats,
    draws_curve_svg,
    samples_advice,
    several_samples,
)
from vidbench.reports.formatting import fmt_ci, fmt_num, fmt_pct, fmt_usd, is_missing, md_escape

TITLE = "Draws until usable (抽卡)"
PER_USABLE = "Draws per usable clip"
GIVEN_PROMPT = "Expected draws for a given prompt"
NEEDS_SAMPLES = "needs samples: 2"
DEFINITIONS = (
    f"{PER_USABLE} = attempted ÷ usable draws (1 ÷ the pooled usable rate: what a budget buys "
    "per usable clip), 95% interval: the usable rate's, inverted (Wilson's, widened over "
    "prompts where prompts differ); cost per "
    f"usable clip = their cost ÷ usable draws, the same interval. {GIVEN_PROMPT} = how many "
    "draws one prompt takes on average until a clip is usable, E[1/p] over prompts under a "
    "beta-binomial fit of the per-prompt usable counts, 95% interval: bootstrap over prompts; "
    f"larger than {PER_USABLE.lower()} when prompts differ."
)
# summary.csv: (column, DrawStats field), the figures named as the report names them.
CSV_COLUMNS = (
    ("draws_per_usable_clip", "draws_per_usable"),
    ("draws_per_usable_clip_low", "draws_per_usable_low"),
    ("draws_per_usable_clip_high", "draws_per_usable_high"),
    ("expected_draws_given_prompt", "prompt_draws"),
    ("expected_draws_given_prompt_low", "prompt_draws_low"),
    ("expected_draws_given_prompt_high", "prompt_draws_high"),
    ("draws_median_prompt", "prompt_draws_median"),
    ("prompt_rate_beta_alpha", "beta_alpha"),
    ("prompt_rate_beta_beta", "beta_beta"),
    ("prompts_never_usable", "prompts_never_usable"),
)


def _draws(value: float) -> str:
    """A draw count: ∞ when it never ends."""
    return "∞" if not is_missing(value) and math.isinf(value) else fmt_num(value)


def _interval(low: float, high: float) -> str:
    if is_missing(low) or is_missing(high):
        return ""
    return f"[{_draws(low)}, {_draws(high)}]"


def draws_cells(s: DrawStats, several: bool) -> dict[str, str]:
    """Display strings for one model: both draw figures with their intervals, and the fit."""
    cells = {
        "per_usable": _draws(s.draws_per_usable),
        "per_usable_ci": _interval(s.draws_per_usable_low, s.draws_per_usable_high),
        "given_prompt": NEEDS_SAMPLES,
        "given_prompt_ci": "",
        "fit": "",
    }
    if several:
        never = f"; {s.prompts_never_usable} of {s.prompts} prompts never usable"
        cells |= {
            "given_prompt": _draws(s.prompt_draws),
            "given_prompt_ci": _interval(s.prompt_draws_low, s.prompt_draws_high),
            "fit": (
                f"per-prompt usable rate ~ Beta({fmt_num(s.beta_alpha)}, {fmt_num(s.beta_beta)}); "
                f"the median prompt: {_draws(s.prompt_draws_median)} draws"
                + (never if s.prompts_never_usable else "")
            ),
        }
    return cells


_LAST: list[tuple[pd.DataFrame, list[DrawStats]]] = []  # the last table's statistics


def _stats(df: pd.DataFrame) -> list[DrawStats]:
    """`draw_stats(df)`, computed once for the report.md, report.html and summary.csv of one
    results table (the same object; held, so its id is not reused)."""
    if not (_LAST and _LAST[0][0] is df):
        _LAST[:] = [(df, draw_stats(df))]
    return _LAST[0][1]


def _figures(df: pd.DataFrame) -> dict[str, Any]:
    """Statistics for every model, the widest pass@k and the CI advice."""
    stats = _stats(df)
    several = several_samples(df)
    return {
        "several": several,
        "stats": stats,
        "cells": {s.model: draws_cells(s, several) for s in stats},
        "width": max((s.max_samples for s in stats), default=1),
        "advice": samples_advice(df),
        "definitions": DEFINITIONS,
        "per_usable_name": PER_USABLE,
        "given_prompt_name": GIVEN_PROMPT,
    }


def draws_section_view(df: pd.DataFrame, colours: dict[str, str]) -> dict[str, Any]:
    """The figures for report.html, with the pass@k curve where prompts have several samples."""
    view = _figures(df)
    view["curve_uri"] = None
    if view["several"] and view["stats"]:
        svg = draws_curve_svg(view["stats"], colours).encode("utf-8")
        view["curve_uri"] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return view


def draws_columns(df: pd.DataFrame) -> pd.DataFrame:
    """One row per model with `CSV_COLUMNS` (the given-prompt figures empty with one sample)."""
    several = several_samples(df)
    rows = []
    for s in _stats(df):
        row: dict[str, Any] = {"model": s.model}
        for column, field in CSV_COLUMNS:
            given = field.startswith(("prompt_draws", "beta_"))
            row[column] = getattr(s, field) if several or not given else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", *(c for c, _ in CSV_COLUMNS)])


def _markdown_rows(view: dict[str, Any]) -> list[str]:
    stats, width = view["stats"], view["width"]
    header = ["Model", *(f"pass@{k}" for k in range(1, width + 1))]
    header += [PER_USABLE, GIVEN_PROMPT, "Cost / usable clip"]
    lines = ["| " + " | ".join(header) + " |", "| :--- |" + " ---: |" * (len(header) - 1)]
    for s in stats:
        cells = view["cells"][s.model]
        passes = [fmt_pct(s.pass_at[k]) if k < len(s.pass_at) else "–" for k in range(width)]
        cost = fmt_ci(s.cost_per_usable_low_usd, s.cost_per_usable_high_usd, "usd")
        row = [
            md_escape(s.model),
            *passes,
            f"{cells['per_usable']} {cells['per_usable_ci']}",
            f"{cells['given_prompt']} {cells['given_prompt_ci']}",
            f"{fmt_usd(s.cost_per_usable_usd)} {cost}",
        ]
        lines.append("| " + " | ".join(cell.strip() for cell in row) + " |")
    return lines


def draws_markdown(df: pd.DataFrame) -> list[str]:
    """The section for report.md."""
    view = _figures(df)
    lines = [f"## {TITLE}", "", DEFINITIONS]
    if view["several"]:
        lines[-1] += " pass@k: unbiased estimator (Chen et al. 2021)."
    else:
        lines[-1] += f" One draw per prompt here: {GIVEN_PROMPT.lower()} {NEEDS_SAMPLES} or more."
    lines += ["", *_markdown_rows(view), ""]
    fits = [(s.model, view["cells"][s.model]["fit"]) for s in view["stats"]]
    if any(fit for _, fit in fits):
        lines += [f"- {md_escape(model)}: {md_escape(fit)}" for model, fit in fits if fit]
        lines.append("")
    advice = view["advice"]
    if advice:
        points = round(advice[0].ci_width * 100)
        lines += [f"### Sample size for a {points}-point confidence interval", ""]
        lines += [
            f"- {md_escape(a.model)}: usable {fmt_pct(a.usable_rate)} over {a.draws} draws → "
            f"about {a.draws_needed} draws for a 95% CI of total width {points} points "
            f"(`samples: {a.samples_per_prompt}` over {a.prompts} prompts)"
            for a in advice
        ]
        lines.append("")
    return lines
