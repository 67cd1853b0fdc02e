"""Plots render users' labels as plain text (a `$` in a category or model id is not mathtext);
one tight box crops both formats."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from PIL import Image

from vidbench.reports.plots import (
    category_bars,
    latency_cdf,
    model_colours,
    quality_scatter,
    tight_box,
)

# Each of these made matplotlib's mathtext parser raise when labels were parsed as math.
CATEGORIES = ["deals $^$", r"a $\frac$ b", "save $-$ now", "$5 deals", "e_commerce"]
MODELS = ["seed$^$ance", "kling_v3"]


def per_category() -> pd.DataFrame:
    rows = []
    for i, category in enumerate(CATEGORIES):
        for j, model in enumerate(MODELS):
            quality = 20.0 + i + j
            rows.append(
                {
                    "category": category,
                    "model": model,
                    "quality": quality,
                    "quality_low": quality - 1,
                    "quality_high": quality + 1,
                }
            )
    return pd.DataFrame(rows)


def svg_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_category_bars_with_dollar_signs_render_them_verbatim(tmp_path: Path) -> None:
    plot = category_bars(per_category(), "clip $^$core", model_colours(MODELS), tmp_path)
    assert plot is not None and plot.png.stat().st_size > 0
    text = svg_text(plot.svg)
    for label in ("deals $^$", r"a $\frac$ b", "save $-$ now", "$5 deals", "e commerce"):
        assert label in text  # verbatim, not parsed as math
    assert "clip $^$core by category" in text
    assert "seed$^$ance" in text


def test_scatter_and_cdf_with_dollar_model_ids(tmp_path: Path) -> None:
    colours = model_colours(MODELS)
    summary = pd.DataFrame(
        {
            "model": MODELS,
            "cost_per_clip_usd": [0.5, 0.8],
            "quality": [25.0, 27.0],
            "quality_low": [24.0, 26.0],
            "quality_high": [26.0, 28.0],
        }
    )
    plot = quality_scatter(
        summary,
        "cost_per_clip_usd",
        "$_$ per clip",
        "quality",
        colours,
        tmp_path,
        "quality_vs_cost",
        "Quality vs $ per clip",
        simulated=frozenset({"seed$^$ance"}),
    )
    assert plot is not None and "seed$^$ance (sim)" in svg_text(plot.svg)
    results = pd.DataFrame(
        {"model": MODELS * 3, "status": ["succeeded"] * 6, "latency_s": [1.0, 2, 3, 4, 5, 6]}
    )
    cdf = latency_cdf(results, colours, tmp_path)
    assert cdf is not None and "seed$^$ance" in svg_text(cdf.svg)


def test_one_tight_box_crops_both_formats_as_tight_savefig_does(tmp_path: Path) -> None:
    fig, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot([0, 1], [0, 1], label="a long legend label that reaches the edge")
    axes.legend(loc="upper left", bbox_to_anchor=(0.8, 1.15))  # outside the axes: must be kept
    axes.set_xlabel("cost per usable clip (USD)")
    sizes = []
    for bbox in ("tight", tight_box(fig)):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=150, bbox_inches=bbox)
        sizes.append(Image.open(io.BytesIO(buffer.getvalue())).size)
    plt.close(fig)
    (tight_w, tight_h), (box_w, box_h) = sizes
    assert abs(box_w - tight_w) <= 3 and abs(box_h - tight_h) <= 3, sizes  # nothing cropped off
    assert box_w > 7 * 150  # the legend past the right edge is inside the box
