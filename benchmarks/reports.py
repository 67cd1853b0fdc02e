"""Reports at scale: 10,000 result rows (5 models x 10 categories) -> statistics and the HTML report.

Prints the time of each part and the ratio of report time to statistics time. The
project's target: statistics and the HTML report in seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# `reports` package; drop that entry before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from vidbench.reports.analysis import analyse  # noqa: E402
from vidbench.reports.build import draw_plots  # noqa: E402
from vidbench.reports.data import load_run  # noqa: E402
from vidbench.reports.html import write_html_report  # noqa: E402
from vidbench.reports.markdown import summary_csv, write_markdown_report  # noqa: E402

T = TypeVar("T")
CATEGORIES = (
    "character_consistency",
    "multi_shot",
    "reference_image",
    "motion",
    "camera",
    "ecommerce",
    "dialogue_audio",
    "text_in_frame",
    "style",
    "scene",
)


def synthetic_results(n_rows: int, n_models: int = 5, seed: int = 0) -> pd.DataFrame:
    """n_rows jobs spread over n_models models and the ten default categories."""
    rng = np.random.default_rng(seed)
    n_prompts = n_rows // n_models
    models = np.repeat([f"model-{i}" for i in range(n_models)], n_prompts)
    model_index = np.repeat(np.arange(n_models), n_prompts)
    prompt = np.tile(np.arange(n_prompts), n_models)
    status = rng.choice(
        ["succeeded", "failed", "rejected", "errored"], size=len(models), p=[0.9, 0.05, 0.04, 0.01]
    )
    ok = status == "succeeded"
    clip = np.where(ok, 24 + model_index + rng.normal(0, 2, len(models)), np.nan)
    return pd.DataFrame(
        {
            "model": models,
            "adapter": "sim",
            "simulated": True,
            "prompt_id": [f"p-{p:05d}" for p in prompt],
            "category": np.asarray(CATEGORIES)[prompt % len(CATEGORIES)],
            "lang": "en",
            "sample": 0,
            "job_id": [f"{m}-{p}" for m, p in zip(models, prompt, strict=True)],
            "text": [f'prompt {p} <with markup & quotes ">' for p in prompt],
            "status": status,
            "error_kind": np.where(ok, None, "task_failed"),
            "detail": None,
            "latency_s": np.where(ok, rng.lognormal(np.log(40 + 10 * model_index), 0.3), np.nan),
            "cost_usd": 0.1 + 0.05 * model_index,
            "duration_s": np.where(ok, 5.0, np.nan),
            "video_path": [
                f"videos/{m}-{p}.mp4" if o else None
                for m, p, o in zip(models, prompt, ok, strict=True)
            ],
            "contact_sheet": [
                f"frames/{m}-{p}.jpg" if o else None
                for m, p, o in zip(models, prompt, ok, strict=True)
            ],
            "clip_score": clip,
            "clip_cosine": clip / 100,
            "subject_consistency": np.where(ok, rng.uniform(0.85, 0.99, len(models)), np.nan),
            "face_identity": np.where(ok, rng.uniform(0.5, 1.0, len(models)), np.nan),
            "flicker": np.where(ok, rng.normal(0.97, 0.005, len(models)), np.nan),
            "dynamic_degree": np.where(ok, rng.random(len(models)), np.nan),
            "conformance": np.where(ok, (rng.random(len(models)) < 0.9).astype(float), np.nan),
            "usable": ok & (clip > 25),
        }
    )


def timed(label: str, work: Callable[[], T], figures: dict[str, tuple[float, float]]) -> T:
    """Run work(), record its wall and CPU seconds under label, return its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    figures[label] = (time.perf_counter() - wall, time.process_time() - cpu)
    return result


def main() -> None:
    """Time statistics and report generation on a synthetic run; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    figures: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        synthetic_results(args.rows).to_parquet(run_dir / "results.parquet", index=False)
        (run_dir / "manifest.json").write_text(
            json.dumps({"run_id": "bench", "quality_metric": "clip_score"})
        )
        run = timed("load results", lambda: load_run(run_dir), figures)
        analysis = timed("statistics", lambda: analyse(run), figures)
        plots = timed("plots (PNG+SVG)", lambda: draw_plots(analysis, run_dir / "plots"), figures)
        html = timed(
            "report.html",
            lambda: write_html_report(analysis, plots, run_dir / "report.html"),
            figures,
        )
        timed(
            "report.md + csv",
            lambda: (
                write_markdown_report(analysis, plots, run_dir / "report.md"),
                summary_csv(analysis, run_dir / "summary.csv"),
            ),
            figures,
        )
        print(
            f"rows {len(run.results):,d} ({len(analysis.models)} models, {run.results['category'].nunique()} "
            f"categories, {len(analysis.pairwise)} paired comparisons); report.html {html.stat().st_size / 1e6:.1f} MB"
        )
        print(f"{'part':<22}{'wall s':>9}{'cpu s':>9}")
        for label, (wall_s, cpu_s) in figures.items():
            print(f"{label:<22}{wall_s:9.3f}{cpu_s:9.3f}")
        report = [figures[k] for k in ("plots (PNG+SVG)", "report.html", "report.md + csv")]
        report_wall, report_cpu = sum(w for w, _ in report), sum(c for _, c in report)
        stats_wall, stats_cpu = figures["statistics"]
        print(
            f"{'statistics + report':<22}{stats_wall + report_wall:9.3f}{stats_cpu + report_cpu:9.3f}"
        )
        print(
            f"{'report / statistics':<22}{report_wall / stats_wall:8.2f}x{report_cpu / stats_cpu:8.2f}x"
        )


if __name__ == "__main__":
    main()
