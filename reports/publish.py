"""`vidbench publish`: a static site of runs that anyone can host and open from file://.

Layout of SITE/:
  index.html                 runs, the newest run's leaderboard per suite, trends, comparisons
  runs/<run>/index.html      the run's report over small previews (same relative links)
  runs/<run>/videos/*.mp4    H.264 previews ≤ 480p; posters/*.jpg; frames/*.jpg; plots/*.png
  runs/<run>/originals/      the full-size videos, only with --link-originals
  compare/<a>-vs-<b>/        compare.html and compare.md between runs of the same suite
  trends/*.svg               one trend per suite × metric
No page loads anything from outside the site: styles and scripts are inline.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from vidbench.core.plan.fingerprint import config_fingerprint, is_sample_run, sampling_of
from vidbench.core.store.confine import VIDEO_SUFFIXES, open_confined
from vidbench.core.store.safe_files import write_via
from vidbench.reports.analysis import analyse
from vidbench.reports.build import draw_plots
from vidbench.reports.data import RunData, as_dict, load_run
from vidbench.reports.html import environment, manifest_view, write_html_report
from vidbench.reports.posters import ensure_posters
from vidbench.reports.previews import transcode_preview


@dataclass(frozen=True)
class Site:
    """What publish wrote."""

    index: Path
    runs: int
    videos: int
    size_bytes: int


def safe_name(text: str) -> str:
    """A folder name from a run id: letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "run"


def _media(
    run: RunData, field: str, value: object, suffixes: tuple[str, ...] | None
) -> IO[bytes] | None:
    """The confined file a results cell names, opened (see `open_confined`), or None with a
    warning (untrusted input). The caller closes it."""
    if not isinstance(value, str) or not value:
        return None
    found, why = open_confined(run.path, value, suffixes)
    if found is None:
        print(f"warning: run {run.path.name}: skipped {field} {value!r}: {why}", file=sys.stderr)
    return found


def _copy_into(source: IO[bytes], target: Path) -> None:
    """Copy an open file to `target` via a temp file; never through a link planted there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source.seek(0)

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as out:
            shutil.copyfileobj(source, out)

    write_via(target, _write)


def _copy_media(run: RunData, target: Path, link_originals: bool) -> tuple[pd.DataFrame, int]:
    """Previews, contact sheets (and originals) under target; the results rows point at them.

    Every path comes from the (untrusted) results table: only confined regular files inside
    the run directory are used, read from the file that was checked (see
    vidbench.core.store.confine); other cells are cleared.
    """
    results = run.results.copy()
    made = 0
    for column in ("video_path", "contact_sheet", "original_path"):
        if column not in results.columns:
            results[column] = None
    results["original_path"] = None
    for position, row in enumerate(results.itertuples(index=False)):
        video_cell, sheet_cell = getattr(row, "video_path"), getattr(row, "contact_sheet")  # noqa: B009
        name: str | None = None
        video = _media(run, "video_path", video_cell, VIDEO_SUFFIXES)
        if video is not None:
            with video:
                stem, suffix = Path(str(video_cell)).stem, Path(str(video_cell)).suffix.lower()
                name = f"videos/{safe_name(stem)}.mp4"
                try:
                    transcode_preview(video, target / name)
                    made += 1
                except Exception:  # noqa: BLE001 - an undecodable video is reported, not fatal
                    name = None
                if link_originals and name is not None:
                    original = f"originals/{safe_name(stem)}{suffix}"
                    _copy_into(video, target / original)
                    results.iat[position, results.columns.get_loc("original_path")] = original
        results.iat[position, results.columns.get_loc("video_path")] = name
        sheet = _media(run, "contact_sheet", sheet_cell, None)
        sheet_name = None
        if sheet is not None:
            with sheet:
                sheet_path = Path(str(sheet_cell))
                sheet_name = f"frames/{safe_name(sheet_path.stem)}{sheet_path.suffix.lower()}"
                _copy_into(sheet, target / sheet_name)
        results.iat[position, results.columns.get_loc("contact_sheet")] = sheet_name
    return results, made


def publish_run(run: RunData, target: Path, link_originals: bool = False) -> int:
    """One run's page with its media; returns the number of previews made."""
    target.mkdir(parents=True, exist_ok=True)
    results, made = _copy_media(run, target, link_originals)
    site_run = RunData(target, results, run.manifest, run.scorers)
    ensure_posters(target, results["video_path"])
    analysis = analyse(site_run)
    plots = draw_plots(analysis, target / "plots")
    write_html_report(analysis, plots, target / "index.html")
    for plot in plots:
        plot.svg.unlink(missing_ok=True)  # inlined in the page; the PNG stays for the link
    return made


def _facts(run: RunData) -> dict[str, Any]:
    """The manifest facts needed to reproduce a run, for the index."""
    manifest = run.manifest
    models = []
    for model in sorted(run.results["model"].unique()):
        rows = run.results[run.results["model"] == model]
        versions = rows.get(
            "provider_model_version", rows.get("provider_model", pd.Series(dtype=object))
        )
        price = as_dict(as_dict(manifest.get("prices")).get(model))
        models.append(
            {
                "id": model,
                "provider_model": ", ".join(sorted({str(v) for v in versions.dropna()})) or "–",
                "simulated": model in run.simulated_models,
                "price": price.get("list_price")
                or json.dumps(price.get("override") or price, ensure_ascii=False)
                if price
                else "–",
                "price_source": str(price.get("source") or "–"),
            }
        )
    settings = {
        k: manifest.get(k)
        for k in ("samples", "scorers", "usable", "quality_metric", "currency")
        if manifest.get(k) is not None
    }
    return {
        "facts": manifest_view(manifest)["facts"],
        "models": models,
        "settings": json.dumps(settings, ensure_ascii=False, default=str),
    }


def _suite_name(run: RunData) -> str:
    return str(as_dict(run.manifest.get("suite")).get("name") or "?")


def _comparisons(
    runs: list[tuple[str, RunData]], site: Path, pins: dict[str, str]
) -> list[dict[str, str]]:
    """The newest run of each configuration group against the run before it (and the pinned
    run): only runs with the same fingerprint are compared, as `history` does."""
    from vidbench.reports.compare_report import compare_runs

    by_group: dict[str, list[tuple[str, RunData]]] = {}
    for folder, run in runs:
        by_group.setdefault(config_fingerprint(run.manifest), []).append((folder, run))
    out = []
    for members in by_group.values():
        if len(members) < 2:
            continue
        newest = members[-1]
        suite = _suite_name(newest[1])
        baselines = [members[-2]] + [m for m in members[:-2] if m[1].name == pins.get(suite)]
        for base in baselines:
            folder = f"compare/{safe_name(newest[0])}-vs-{safe_name(base[0])}"
            result = compare_runs(base[1].path, newest[1].path, site / folder)
            out.append(
                {
                    "suite": suite,
                    "baseline": base[1].name,
                    "candidate": newest[1].name,
                    "href": f"{folder}/compare.html",
                    "regressions": str(len(result.regressions)),
                    "pinned": "pinned" if base[1].name == pins.get(suite) else "previous",
                }
            )
    return out


def leaderboard_runs(runs: list[tuple[str, RunData]]) -> dict[str, tuple[str, RunData]]:
    """Per suite, the run its leaderboard shows: the newest full run; a `--sample` run only
    when the suite has no full run (it never replaces one)."""
    chosen: dict[str, tuple[str, RunData]] = {}
    for folder, run in runs:  # oldest first
        suite = _suite_name(run)
        held = chosen.get(suite)
        if held is None or is_sample_run(held[1].manifest) or not is_sample_run(run.manifest):
            chosen[suite] = (folder, run)
    return chosen


def _ordered_runs(roots: list[Path]) -> list[RunData]:
    from vidbench.reports.history import find_runs

    runs = [load_run(p) for p in find_runs(roots)]
    if not runs:
        raise FileNotFoundError(
            "no run directories (manifest.json + results.parquet) under "
            + ", ".join(map(str, roots))
        )
    return sorted(runs, key=lambda r: (str(r.manifest.get("created_at") or ""), r.path.name))


def _trends(roots: list[Path], site: Path) -> tuple[list[str], list[str]]:
    """Trend SVGs (relative paths) and one-line change points, when there are several runs."""
    from vidbench.reports.history import load_history
    from vidbench.reports.history_changes import find_changes
    from vidbench.reports.history_report import trend_plots

    history = load_history(roots)
    if len(history.runs) < 2:
        return [], []
    changes, drifts = find_changes(history)
    plots = trend_plots(history, site / "trends")
    lines = [
        f"{c.kind}: {c.model} {c.metric} {c.comparison.baseline:.4g} → {c.comparison.candidate:.4g} ({c.before_run} → {c.after_run})"
        for c in changes
    ]
    lines += [
        f"drift: {d.model} {d.kind} {d.before} → {d.after} ({d.before_run} → {d.after_run})"
        for d in drifts
    ]
    return [f"trends/{p.name}" for p in plots], lines


def site_size_bytes(site: Path) -> int:
    """Total size of the files under the site folder."""
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def publish_site(roots: list[Path], out: Path, link_originals: bool = False) -> Site:
    """Write the static site for the runs under `roots` to `out` (see the module docstring)."""
    from vidbench.reports.history_gate import pin_path, read_pins

    runs = _ordered_runs(roots)
    out.mkdir(parents=True, exist_ok=True)
    published: list[tuple[str, RunData]] = []
    videos = 0
    for run in runs:
        folder = safe_name(run.path.name)
        videos += publish_run(run, out / "runs" / folder, link_originals)
        published.append((folder, run))
    comparisons = _comparisons(published, out, read_pins(pin_path(roots)))
    trends, changes = _trends(roots, out)
    leaderboards = []
    for suite, (folder, run) in leaderboard_runs(published).items():
        analysis = analyse(run)
        sampling = sampling_of(run.manifest)
        leaderboards.append(
            {
                "suite": suite,
                "run": run.name,
                "sample": sampling.get("sample") if sampling else None,
                "href": f"runs/{folder}/index.html",
                "quality_label": analysis.quality_label,
                "rows": analysis.ranked_summary().replace({float("nan"): None}).to_dict("records"),
                "simulated": run.simulated_models,
            }
        )
    page = (
        environment()
        .get_template("site_index.html")
        .render(
            title="vidbench results",
            runs=[
                {
                    "name": run.name,
                    "href": f"runs/{folder}/index.html",
                    "suite": as_dict(run.manifest.get("suite")),
                    "created_at": run.manifest.get("created_at") or "–",
                    "jobs": len(run.results),
                    **_facts(run),
                }
                for folder, run in reversed(published)
            ],
            leaderboards=leaderboards,
            comparisons=comparisons,
            trends=trends,
            changes=changes,
        )
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return Site(index, len(published), videos, site_size_bytes(out))
