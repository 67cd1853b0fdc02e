"""Report figures (matplotlib, Agg): quality vs cost/latency with the Pareto frontier, latency
CDFs, per-category bars with confidence intervals. Each is written as PNG and SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # reports are made headless, never on a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from vidbench.core.store.safe_files import write_via  # noqa: E402

# Colour-blind-friendly palette (Okabe & Ito), then tab10 for longer model lists.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _cjk_fonts() -> list[str]:
    """Installed CJK-capable families (Debian's fonts-noto-cjk), so 抽卡 and prompts in Chinese
    or Japanese render as text, not boxes; matplotlib falls back glyph by glyph along the list."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    wanted = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei")
    return [name for name in wanted if name in installed]


FONT_FAMILIES = ["DejaVu Sans", *_cjk_fonts()]
STYLE = {
    "font.family": FONT_FAMILIES,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e7eb",
    "grid.linewidth": 0.8,
    "axes.edgecolor": "#9ca3af",
    "axes.axisbelow": True,
    "legend.frameon": False,
    "svg.fonttype": "none",  # keep text as text: smaller, selectable SVGs
    "svg.hashsalt": "vidbench",  # deterministic element ids, so re-rendering gives the same file
    # Labels come from users' suites and configs: "$5 deals" is text, not mathtext to parse.
    "text.parse_math": False,
}


@dataclass(frozen=True)
class Plot:
    """One written figure: a key, its title and the PNG/SVG paths."""

    key: str
    title: str
    png: Path
    svg: Path


def _style() -> Any:
    """The report's matplotlib style as a context manager."""
    return plt.rc_context(STYLE)  # type: ignore[arg-type]


def model_colours(models: Sequence[str]) -> dict[str, str]:
    """A stable colour per model: the sorted model list indexes the palette."""
    ordered = sorted(set(models))
    extra = [matplotlib.colors.to_hex(c) for c in plt.get_cmap("tab10").colors]  # type: ignore[attr-defined]
    palette = PALETTE + extra
    return {model: palette[i % len(palette)] for i, model in enumerate(ordered)}


def pareto_front(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of points not dominated when lower x and higher y are better, sorted by x."""
    order = np.lexsort((-y, x))
    front: list[int] = []
    best_y = -np.inf
    for index in order:
        if y[index] > best_y:
            front.append(int(index))
            best_y = y[index]
    return np.asarray(front, dtype=int)


def tight_box(fig: Figure) -> Any:
    """What `bbox_inches="tight"` crops to (with savefig's padding), found once for both
    formats: each "tight" savefig lays the figure out again to find it (~0.14 s a plot)."""
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg), canvas  # the Agg backend, set above
    box = fig.get_tightbbox(canvas.get_renderer())
    return box.padded(matplotlib.rcParams["savefig.pad_inches"])


def _save(fig: Figure, out_dir: Path, key: str, title: str) -> Plot:
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{key}.png", out_dir / f"{key}.svg"
    box = tight_box(fig)
    write_via(
        png, lambda tmp: fig.savefig(tmp, format="png", dpi=150, bbox_inches=box, facecolor="white")
    )
    write_via(
        svg,
        lambda tmp: fig.savefig(
            tmp, format="svg", bbox_inches=box, facecolor="white", metadata={"Date": None}
        ),
    )
    plt.close(fig)
    return Plot(key, title, png, svg)


def quality_scatter(
    summary: pd.DataFrame,
    x_column: str,
    x_label: str,
    quality_label: str,
    colours: dict[str, str],
    out_dir: Path,
    key: str,
    title: str,
    simulated: frozenset[str] = frozenset(),
) -> Plot | None:
    """Quality (with CI) against a cost-like x (lower is better); the Pareto frontier is drawn.

    Points are labelled in place (simulated models get "(sim)"); the legend only explains the
    frontier line.
    """
    data = summary.dropna(subset=[x_column, "quality"])
    if data.empty:
        return None
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        x = data[x_column].to_numpy(dtype=float)
        y = data["quality"].to_numpy(dtype=float)
        front = pareto_front(x, y)
        if front.size > 1:
            ax.plot(
                x[front], y[front], "--", color="#6b7280", lw=1.2, zorder=1, label="Pareto frontier"
            )
        for i, (_, row) in enumerate(data.iterrows()):
            low, high = row.get("quality_low"), row.get("quality_high")
            err = None
            if pd.notna(low) and pd.notna(high):
                err = [[max(0.0, y[i] - low)], [max(0.0, high - y[i])]]
            on_front = i in set(front.tolist())
            ax.errorbar(
                x[i],
                y[i],
                yerr=err,
                fmt="o",
                ms=9 if on_front else 7,
                color=colours[row["model"]],
                mec="#111827" if on_front else "white",
                mew=1.2,
                capsize=3,
                zorder=3,
            )
        ax.set_xlabel(x_label)
        ax.set_ylabel(quality_label)
        ax.set_title(title, loc="left")
        ax.margins(x=0.18, y=0.15)
        if front.size > 1:
            ax.legend(loc="best", fontsize=8)
        names = [str(m) + (" (sim)" if m in simulated else "") for m in data["model"]]
        spans = list(
            zip(data["quality_low"].astype(float), data["quality_high"].astype(float), strict=True)
        )
        place_labels(ax, x, y, names, spans)
        return _save(fig, out_dir, key, title)


# Label positions tried around a point, nearest first: (dx, dy) in points, alignment.
_LABEL_SPOTS = [
    (dx * r, dy * r, "left" if dx > 0 else "right" if dx < 0 else "center", va)
    for r in (1, 2, 3.2)
    for dx, dy, va in ((7, 5, "bottom"), (7, -5, "top"), (-7, 5, "bottom"), (-7, -5, "top"),
                       (0, 9, "bottom"), (0, -9, "top"))
]  # fmt: skip


def _overlap(a: Any, b: Any) -> float:
    """Area two display-space boxes share (0 when apart)."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0.0, width) * max(0.0, height)


def place_labels(
    ax: Any,
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    spans: Sequence[tuple[float, float]] = (),
) -> list[Any]:
    """Label each point where its text overlaps no other label, point or the axes' edge,
    trying spots nearest first (a leader line joins a label placed further out)."""
    from matplotlib.transforms import Bbox

    ax.set_xlim(*ax.get_xlim())  # the limits autoscaling chose, fixed before measuring
    ax.set_ylim(*ax.get_ylim())
    figure = ax.figure
    renderer = figure.canvas.get_renderer()
    marker_px = 6.0 * figure.dpi / 72.0
    points = ax.transData.transform(np.column_stack([x, y]))
    taken = [Bbox.from_extents(px - marker_px, py - marker_px, px + marker_px, py + marker_px)
             for px, py in points]  # fmt: skip
    for (px, _), (low, high) in zip(points, spans, strict=False):  # error bars are in the way too
        if np.isfinite(low) and np.isfinite(high):
            bottom, top = ax.transData.transform([[0, low], [0, high]])[:, 1]
            taken.append(Bbox.from_extents(px - 3, bottom, px + 3, top))
    frame = ax.get_window_extent(renderer)
    placed = []
    for i in np.argsort(-y, kind="stable"):
        best: tuple[float, tuple[float, float, str, str]] | None = None
        for rank, spot in enumerate(_LABEL_SPOTS):
            dx, dy, ha, va = spot
            trial = ax.annotate(
                names[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points",
                fontsize=9, ha=ha, va=va,
            )  # fmt: skip
            box = trial.get_window_extent(renderer)
            trial.remove()
            outside = box.width * box.height - _overlap(box, frame)
            cost = sum(_overlap(box, other) for other in taken) + outside + rank * 1e-3
            if best is None or cost < best[0]:
                best = (cost, spot)
            if cost < 1:
                break
        assert best is not None
        dx, dy, ha, va = best[1]
        far = abs(dx) > 8 or abs(dy) > 10
        label = ax.annotate(
            names[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points", fontsize=9,
            ha=ha, va=va, arrowprops={"arrowstyle": "-", "color": "#9ca3af", "lw": 0.6} if far else None,
        )  # fmt: skip
        taken.append(label.get_window_extent(renderer))
        placed.append(label)
    return placed


def latency_cdf(df: pd.DataFrame, colours: dict[str, str], out_dir: Path) -> Plot | None:
    """Empirical CDF of latency_s per model over succeeded jobs."""
    done = df[(df["status"] == "succeeded") & df["latency_s"].notna()]
    if done.empty:
        return None
    title = "Latency distribution (submit → video on disk)"
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for model, group in sorted(done.groupby("model"), key=lambda kv: str(kv[0])):
            values = np.sort(group["latency_s"].to_numpy(dtype=float))
            # A few hundred steps draw the same curve as thousands and keep the SVG small.
            if values.size > 400:
                values = np.quantile(values, np.linspace(0, 1, 400))
            share = np.arange(1, values.size + 1) / values.size
            ax.step(values, share, where="post", lw=2, color=colours[str(model)], label=str(model))
        ax.axhline(0.5, color="#9ca3af", lw=0.8, ls=":")
        ax.axhline(0.95, color="#9ca3af", lw=0.8, ls=":")
        ax.set_xlabel("latency (s)")
        ax.set_ylabel("share of clips delivered")
        ax.set_ylim(0, 1.02)
        ax.set_title(title, loc="left")
        ax.legend(loc="lower right", fontsize=8)
        return _save(fig, out_dir, "latency_cdf", title)


def category_bars(
    per_category: pd.DataFrame, quality_label: str, colours: dict[str, str], out_dir: Path
) -> Plot | None:
    """Grouped bars: quality per category and model, with CI error bars."""
    data = per_category.dropna(subset=["quality"])
    if data.empty:
        return None
    categories = sorted(data["category"].unique())
    models = sorted(data["model"].unique())
    width = 0.8 / max(len(models), 1)
    title = f"{quality_label} by category"
    with _style():
        fig, ax = plt.subplots(figsize=(max(6.4, 1.1 * len(categories) + 2), 4.2))
        base = np.arange(len(categories))
        for i, model in enumerate(models):
            rows = data[data["model"] == model].set_index("category").reindex(categories)
            y = rows["quality"].to_numpy(dtype=float)
            low = np.clip(y - rows["quality_low"].to_numpy(dtype=float), 0, None)
            high = np.clip(rows["quality_high"].to_numpy(dtype=float) - y, 0, None)
            ax.bar(
                base + (i - (len(models) - 1) / 2) * width,
                np.nan_to_num(y),
                width * 0.92,
                yerr=[np.nan_to_num(low), np.nan_to_num(high)],
                capsize=2,
                color=colours[model],
                label=model,
                error_kw={"elinewidth": 0.9, "ecolor": "#374151"},
            )
        ax.set_xticks(base, [c.replace("_", " ") for c in categories], rotation=30, ha="right")
        ax.set_ylabel(quality_label)
        ax.set_title(title, loc="left")
        ax.grid(axis="x", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        return _save(fig, out_dir, "category_quality", title)
