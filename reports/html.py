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
from vidbench.reports.draws_section import draws_section_view
from vidbench.reports.gallery import GALLERY_PAGE_SIZE, gallery_pages
from vidbench.reports.headline import headline_view
from vidbench.reports.judge_check import judge_check_line, judge_discrimination
from vidbench.reports.paths import publishable_path, scrub, scrub_text, suite_folder
from vidbench.reports.plots import Plot, model_colours
from vidbench.reports.posters import ensure_posters
from vidbench.reports.routes import routes_view

TEMPLATES = Path(__file__).parent / "templates"
PROTOCOL_KEYS = ("frames", "model", "filter", "scope", "comparable_with", "differences")


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


def _path_fact(value: Any, run_dir: str | None, suite_dir: str | None) -> Any:
    """A manifest path as a report may show it: relative, never the author's machine."""
    return publishable_path(value, run_dir, suite_dir) if isinstance(value, str) else value


def manifest_view(manifest: dict[str, Any], run_dir: Path | None = None) -> dict[str, Any]:
    """The manifest fields a reader looks for, plus pretty JSON of the config and packages;
    every path relative to the run directory or the suite's folder (`reports.paths`)."""
    root = str(Path(run_dir).resolve()) if run_dir is not None else None
    suite_dir = suite_folder(manifest)
    manifest = scrub(
        {
            **manifest,
            "config_path": _path_fact(manifest.get("config_path"), root, suite_dir),
            "suite": {
                **as_dict(manifest.get("suite")),
                "path": _path_fact(as_dict(manifest.get("suite")).get("path"), root, suite_dir),
            },
        },
        root,
        suite_dir,
    )
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
        ("Quality metric", _quality_fact(manifest.get("quality_metric"))),
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


def _quality_fact(value: Any) -> str | None:
    """The configured quality metric(s): a list reads as an ordered fallback."""
    if isinstance(value, list):
        return " → ".join(map(str, value)) + " (first with values ranks)"
    return None if value is None else str(value)


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


def judge_check_view(results: pd.DataFrame) -> dict[str, Any] | None:
    """The judge's self-check line for the Metrics section, and whether it is a warning."""
    check = judge_discrimination(results)
    if check is None:
        return None
    return {"line": judge_check_line(results, check), "cannot_tell": check.cannot_tell}


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


def _plot_entry(plot: Plot) -> dict[str, str]:
    return {
        "title": plot.title,
        "uri": plot_data_uri(plot),
        "png": f"plots/{plot.png.name}",
        "key": plot.key,
    }


def _metric_context(analysis: Analysis) -> dict[str, Any]:
    """The Metrics and Pairwise sections: metrics that differ, the one line for those that
    do not, and the pairwise tables split by whether any pair is significant."""
    run = analysis.run
    means = _records(analysis.metric_means)
    equal = analysis.equal_metrics
    significant = analysis.significant_metrics()
    return {
        "metric_table": _by_key_and_model(means, "metric"),
        "equal_metrics": equal,
        "equal_values": {
            m: fmt.fmt_num(next(r["mean"] for r in means if r["metric"] == m)) for m in equal
        },
        "significant_metrics": significant,
        "insignificant_metrics": [m for m in analysis.win_rates if m not in significant],
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
    }


def render_report(
    analysis: Analysis, plots: Sequence[Plot], page_size: int = GALLERY_PAGE_SIZE
) -> str:
    """The report as one HTML string."""
    run = analysis.run
    root, suite_dir = str(run.path.resolve()), suite_folder(run.manifest)
    results = run.results.copy()
    for column in ("detail", "usable_reason"):
        if column in results.columns:
            results[column] = results[column].map(
                lambda v: scrub_text(v, root, suite_dir) if isinstance(v, str) else v
            )
    pareto = next((p for p in plots if p.key == "pareto"), None)
    context = {
        "title": f"vidbench report — {run.name}",
        "run_name": run.name,
        "manifest": manifest_view(run.manifest, run.path),
        "models": analysis.models,
        "colours": model_colours(analysis.models),
        "simulated": run.simulated_models,
        "quality_metric": analysis.quality_metric,
        "quality_label": analysis.quality_label,
        "leaderboard": _records(analysis.ranked_summary()),
        "best_model": analysis.best_model(),
        "n_jobs": len(run.results),
        "n_prompts": int(run.results["prompt_id"].nunique()),
        "directions": run.directions,
        "categories": _by_key_and_model(_records(analysis.categories), "category"),
        "draws": draws_section_view(run.results, model_colours(analysis.models)),
        "win_colour": win_colour,
        "pareto": _plot_entry(pareto) if pareto else None,
        "plots": [_plot_entry(p) for p in plots if p.key != "pareto"],
        "pages": gallery_pages(
            results,
            analysis.models,
            page_size,
            ensure_posters(run.path, run.results.get("video_path", pd.Series(dtype=object))),
        ),
        "scorers": [
            {**row, "reason": scrub_text(row["reason"], root, suite_dir)}
            for row in _scorer_rows(run.scorers)
        ],
        "protocols": protocol_rows(run.scorers),
        "text_alignment_note": text_alignment_note(run.results),
        "judge_check": judge_check_view(run.results),
        "routes": routes_view(run.results, run.simulated_models),
        "unavailable": [
            (name, scrub_text(reason, root, suite_dir))
            for name, reason in unavailable_scorers(run.scorers)
        ],
        "preference": preference_view(run_preference(run.path, run.results)),
        **headline_view(analysis),
        **_metric_context(analysis),
    }
    return environment().get_template("report.html").render(**context)


def write_html_report(analysis: Analysis, plots: Sequence[Plot], out_path: Path) -> Path:
    """Render report.html and write it atomically."""
    write_atomic(out_path, render_report(analysis, plots))
    return out_path
