"""The 抽卡 section of both reports: draws per usable clip and cost per usable clip for every
model (pass@k and its curve where prompts have several samples), and, as a separate and
separately named line, the sample size a 10-point confidence interval would need.
"""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

from vidbench.reports.draws import draw_stats, draws_curve_svg, samples_advice, several_samples
from vidbench.reports.formatting import fmt_ci, fmt_num, fmt_pct, fmt_usd, md_escape

TITLE = "Draws until usable (抽卡)"


def _figures(df: pd.DataFrame) -> dict[str, Any]:
    """Statistics for every model, the widest pass@k and the CI advice."""
    stats = draw_stats(df)
    return {
        "several": several_samples(df),
        "stats": stats,
        "width": max((s.max_samples for s in stats), default=1),
        "advice": samples_advice(df),
    }


def draws_section_view(df: pd.DataFrame, colours: dict[str, str]) -> dict[str, Any]:
    """The figures for report.html, with the pass@k curve where prompts have several samples."""
    view = _figures(df)
    view["curve_uri"] = None
    if view["several"] and view["stats"]:
        svg = draws_curve_svg(view["stats"], colours).encode("utf-8")
        view["curve_uri"] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return view


def draws_markdown(df: pd.DataFrame) -> list[str]:
    """The section for report.md."""
    view = _figures(df)
    stats, width = view["stats"], view["width"]
    lines = [f"## {TITLE}", ""]
    lines += [
        "Draws per usable clip = attempted ÷ usable draws; cost per usable clip = their cost ÷ "
        "usable draws; 95% intervals: the usable rate's Wilson interval, inverted"
        + ("; pass@k: unbiased estimator (Chen et al. 2021)." if view["several"] else "."),
        "",
    ]
    header = ["Model", *(f"pass@{k}" for k in range(1, width + 1))]
    header += ["Draws per usable clip", "Cost / usable clip"]
    lines += ["| " + " | ".join(header) + " |", "| :--- |" + " ---: |" * (len(header) - 1)]
    for s in stats:
        cells = [fmt_pct(s.pass_at[k]) if k < len(s.pass_at) else "–" for k in range(width)]
        draws = f"{fmt_num(s.expected_draws)} {fmt_ci(s.expected_draws_low, s.expected_draws_high)}"
        cost = fmt_ci(s.cost_per_usable_low_usd, s.cost_per_usable_high_usd, "usd")
        row = [
            md_escape(s.model),
            *cells,
            draws.strip(),
            f"{fmt_usd(s.cost_per_usable_usd)} {cost}",
        ]
        lines.append("| " + " | ".join(cell.strip() for cell in row) + " |")
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
