"""A synthetic run directory for the report tests: real MP4s (PyAV), JPEG contact sheets."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pandas as pd
import pytest
from PIL import Image

XSS_TEXT = "<script>alert(1)</script>"
MODELS = ("alpha-sim", "beta", "gamma")
CATEGORIES = ("motion", "camera", "style")


def write_tiny_mp4(
    path: Path, width_px: int = 64, height_px: int = 48, fps: int = 8, seconds: float = 1.0
) -> None:
    """A real H.264 MP4: a colour ramp that moves, so a browser can decode it."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width_px, height_px, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i in range(int(fps * seconds)):
            frame = np.zeros((height_px, width_px, 3), dtype=np.uint8)
            frame[..., 0] = (np.arange(width_px) * 4 + i * 16) % 256
            frame[..., 1] = 90
            frame[..., 2] = (np.arange(height_px)[:, None] * 5) % 256
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = i
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def synthetic_results(seed: int = 7, samples: int = 2) -> pd.DataFrame:
    """Rows for 3 models x 9 prompts x `samples`, with failures, a rejection and an unavailable scorer."""
    rng = np.random.default_rng(seed)
    rows = []
    quality = {"alpha-sim": 28.0, "beta": 25.0, "gamma": 22.0}
    latency = {"alpha-sim": 40.0, "beta": 70.0, "gamma": 25.0}
    price = {"alpha-sim": 0.30, "beta": 0.55, "gamma": 0.12}
    for p in range(9):
        prompt_id = f"p-{p:03d}"
        text = (
            XSS_TEXT
            if p == 0
            else f"A {['red', 'blue', 'green'][p % 3]} kite over the sea, shot {p}"
        )
        for model in MODELS:
            for sample in range(samples):
                job_id = f"{model}-{prompt_id}-{sample}"
                status, error_kind, detail = "succeeded", None, None
                if model == "gamma" and p in (2, 5):
                    status, error_kind, detail = (
                        "failed",
                        "task_failed",
                        "provider said <b>boom</b>",
                    )
                if model == "beta" and p == 4 and sample == 0:
                    status, error_kind, detail = "rejected", "content_rejected", "moderation"
                ok = status == "succeeded"
                clip = quality[model] + rng.normal(0, 1.5) if ok else np.nan
                rows.append(
                    {
                        "model": model,
                        "adapter": "sim" if model == "alpha-sim" else "ark",
                        "provider_model": f"prov-{model}",
                        "simulated": model == "alpha-sim",
                        "prompt_id": prompt_id,
                        "category": CATEGORIES[p % 3],
                        "lang": "en",
                        "sample": sample,
                        "job_id": job_id,
                        "task_id": f"t-{job_id}",
                        "text": text,
                        "status": status,
                        "error_kind": error_kind,
                        "detail": detail,
                        "latency_s": latency[model] * rng.lognormal(0, 0.2) if ok else np.nan,
                        "cost_usd": price[model] if status != "rejected" else 0.0,
                        "duration_s": 1.0 if ok else np.nan,
                        "video_path": f"videos/{job_id}.mp4" if ok else None,
                        "contact_sheet": f"frames/{job_id}.jpg" if ok else None,
                        "clip_score": clip,
                        "flicker": 0.97 + rng.normal(0, 0.005) if ok else np.nan,
                        "face_identity": np.nan,
                        "conformance": float(rng.random() < 0.9) if ok else np.nan,
                        "usable": bool(ok and clip > 23.0),
                    }
                )
    return pd.DataFrame(rows)


def write_media(run_dir: Path, results: pd.DataFrame) -> None:
    """One tiny MP4 and one JPEG contact sheet per delivered job, where the results point."""
    (run_dir / "videos").mkdir(parents=True, exist_ok=True)
    (run_dir / "frames").mkdir(parents=True, exist_ok=True)
    template = run_dir / "template.mp4"
    write_tiny_mp4(template)
    # A contact sheet like the scorers make: a strip of frames (here coloured tiles).
    colours = ((230, 90, 40), (40, 140, 220), (60, 180, 90), (240, 200, 60))
    sheet = Image.fromarray(
        np.concatenate([np.full((48, 64, 3), c, dtype=np.uint8) for c in colours], axis=1)
    )
    for row in results.itertuples():
        if isinstance(row.video_path, str):
            shutil.copyfile(template, run_dir / row.video_path)
            sheet.save(run_dir / row.contact_sheet, quality=85)
    template.unlink()


def write_run(run_dir: Path, results: pd.DataFrame, media: bool = True) -> Path:
    """Write results.parquet, manifest.json, scorers.json and (if `media`) videos and contact sheets."""
    if media:
        write_media(run_dir, results)
    results.to_parquet(run_dir / "results.parquet", index=False)
    manifest = {
        "name": "synthetic",
        "run_id": "synthetic-20260101T000000Z",
        "created_at": "2026-01-01T00:00:00Z",
        "vidbench_version": "0.1.0",
        "git_commit": "abc123",
        "python": "3.11",
        "packages": {"numpy": "2", "<img src=x onerror=alert(2)>": "1"},
        "config": {
            "name": "synthetic",
            "models": [{"id": "beta", "api_key_env": "ARK_API_KEY"}],
            "note": XSS_TEXT,
        },
        "suite": {
            "path": "prompts/x.yaml",
            "name": "core",
            "version": 3,
            "sha256": "f" * 64,
            "prompts": 9,
        },
        "prices": {"beta": {"usd_per_clip": 0.55}},
        "currency": {"cny_per_usd": 7.1},
        "simulated_models": ["alpha-sim"],
        "usable": {"clip_score": 23},
        "quality_metric": "clip_score",
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    scorers = {
        "clip_alignment": {
            "version": "1",
            "available": True,
            "outputs": {"clip_score": {"direction": "higher", "description": "CLIPScore"}},
        },
        "flicker": {
            "version": "1",
            "available": True,
            "outputs": {"flicker": {"direction": "higher", "description": "VBench"}},
        },
        "face_identity": {
            "version": "1",
            "available": False,
            "reason": "dlib models <missing>",
            "outputs": {"face_identity": {"direction": "higher", "description": ""}},
        },
        "conformance": {
            "version": "1",
            "available": True,
            "outputs": {"conformance": {"direction": "higher", "description": ""}},
        },
    }
    (run_dir / "scorers.json").write_text(json.dumps(scorers), encoding="utf-8")
    return run_dir


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory with reports already written (html, md, csv)."""
    from vidbench.reports.build import write_reports

    run_dir = write_run(tmp_path_factory.mktemp("run"), synthetic_results())
    write_reports(run_dir)
    return run_dir
