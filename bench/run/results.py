"""results.parquet: one row per job, derived from records.jsonl (the system of record)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from vidbench.core.scorers.registry import declared_usable_thresholds
from vidbench.core.seam.money import drop_implausible_usage
from vidbench.core.store.safe_files import write_via
from vidbench.core.store.store import RESULTS_CSV, JobState, RunDir

BASE_COLUMNS = [
    "model",
    "adapter",
    "provider_model",
    "provider_model_version",
    "simulated",
    "prompt_id",
    "category",
    "lang",
    "sample",
    "job_id",
    "task_id",
    "text",
    "status",
    "error_kind",
    "detail",
    "queue_s",
    "generation_s",
    "download_s",
    "latency_s",
    "sim_render_overrun_s",
    "tokens",
    "cost_usd",
    "cost_native",
    "currency",
    "duration_requested_s",
    "duration_sent_s",
    "ratio",
    "resolution",
    "audio_requested",
    "shots_expected",
    "has_character_ref",
    "width",
    "height",
    "fps",
    "duration_s",
    "has_audio",
    "video_path",
    "contact_sheet",
]
# Values measured by the conformance scorer that become first-class columns.
PROBE_COLUMNS = ("width", "height", "fps", "duration_s", "has_audio")


def _span(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max(0.0, end - start), 3)


def _started_at(state: JobState) -> float | None:
    """When the task started generating: the provider's own queue figure (its timestamps),
    else the earlier of the first poll that saw it running and its finish less the provider's
    generation seconds (polling may see the start late, or not at all), never before submission."""
    running = state.first_running_at or state.finished_at
    if state.provider_queue_s is not None and state.submitted_at is not None:
        started = state.submitted_at + state.provider_queue_s
        return started if state.finished_at is None else min(started, state.finished_at)
    if state.provider_generation_s is not None and state.finished_at is not None:
        started = state.finished_at - state.provider_generation_s
        floor = state.submitted_at if state.submitted_at is not None else started
        return max(floor, started if running is None else min(running, started))
    return running


def row_for(state: JobState, run: RunDir) -> dict[str, Any]:
    """One results row for one job."""
    job = state.job
    running = _started_at(state)
    overrun_s = state.sim_render_overrun_s or 0.0
    ready_at = None if state.downloaded_at is None else state.downloaded_at - overrun_s
    row: dict[str, Any] = {
        "model": job.model_id,
        "adapter": job.adapter,
        "provider_model": job.provider_model,
        "provider_model_version": state.provider_model_version,
        "simulated": job.simulated or state.simulator,
        "prompt_id": job.prompt_id,
        "category": job.category,
        "lang": job.lang,
        "sample": job.sample,
        "job_id": job.job_id,
        "task_id": state.task_id,
        "text": job.text,
        "status": state.final_status or "skipped",
        "error_kind": state.error_kind,
        "detail": state.detail,
        "queue_s": _span(state.submitted_at, running),
        "generation_s": _span(running, state.finished_at),
        # A simulator's render overrun is this machine's CPU, not the provider's latency.
        "download_s": _span(state.download_started_at, ready_at),
        "latency_s": _span(state.submitted_at, ready_at),
        "sim_render_overrun_s": state.sim_render_overrun_s,
        "tokens": state.tokens,
        "cost_usd": state.cost_usd or 0.0,
        "cost_native": state.cost_native or 0.0,
        "currency": state.currency,
        "duration_requested_s": job.duration_requested_s,
        "duration_sent_s": job.duration_sent_s,
        "ratio": job.ratio,
        "resolution": job.resolution,
        "audio_requested": job.audio,
        "shots_expected": job.shots,
        "has_character_ref": bool(job.character_ref),
        "video_path": state.video_path,
        "contact_sheet": None,
    }
    ignored = drop_implausible_usage(row)  # written before usage was checked, or edited
    if ignored:
        row["detail"] = f"{row['detail'] or ''} (recorded usage ignored: {ignored})".strip()
    if state.final_status is None:
        row["error_kind"] = row["error_kind"] or "internal"
        row["detail"] = row["detail"] or "not finished (interrupted run; resume it)"
    sheet = run.frames_dir / f"{job.job_id}.jpg"
    if sheet.is_file():
        row["contact_sheet"] = str(sheet.relative_to(run.path))
    for values in state.scores.values():
        for key, value in values.items():
            row[key] = value
    return row


# A character prompt needs a face: its identity cannot be judged without one.
CHARACTER_CATEGORY = "character_consistency"


def _required_metric_problems(df: pd.DataFrame) -> pd.Series:
    """Per row: what a metric the prompt requires says is wrong ('' when nothing).

    Only metrics whose scorer ran in this run (some row has a value) are required: a face
    for a character prompt (`character_ref` or category character_consistency), the
    expected shot count for a multi-shot prompt.
    """
    problems = pd.Series("", index=df.index, dtype=object)
    if "face_identity" in df.columns and df["face_identity"].notna().any():
        character = df.get("category", pd.Series("", index=df.index)).astype(str).eq(
            CHARACTER_CATEGORY
        ) | df.get("has_character_ref", pd.Series(False, index=df.index)).fillna(False).astype(bool)
        faceless = character & pd.to_numeric(df["face_identity"], errors="coerce").isna()
        problems[faceless] += "no face detected for a character prompt; "
    if {"shot_count", "shots_expected"} <= set(df.columns) and df["shot_count"].notna().any():
        expected = pd.to_numeric(df.get("shots_expected"), errors="coerce")
        found = pd.to_numeric(df["shot_count"], errors="coerce")
        for row in df.index[expected.notna() & (found != expected)]:
            problems[row] += (
                f"expected {expected[row]:.0f} shots, "
                + ("shot count not measured" if pd.isna(found[row]) else f"found {found[row]:.0f}")
                + "; "
            )
    return problems


def usable_flags(df: pd.DataFrame, thresholds: dict[str, Any]) -> tuple[pd.Series, list[str]]:
    """Per-row usable flag from the config's thresholds; returns the flag and the checks applied.

    A threshold on a metric that no row has (scorer unavailable) is not applied, and the
    report says so. A metric the prompt requires and the clip lacks makes it not usable
    (see `usable_reasons`), whatever the thresholds.
    """
    reasons, applied = usable_reasons(df, thresholds)
    return reasons.eq("").astype(bool), applied


def usable_reasons(df: pd.DataFrame, thresholds: dict[str, Any]) -> tuple[pd.Series, list[str]]:
    """Per row: why the clip is not usable ('' when it is), and the checks applied."""
    status = df["status"].astype(str)
    reasons = pd.Series("", index=df.index, dtype=object)
    reasons[status != "succeeded"] = "status " + status[status != "succeeded"] + "; "
    applied = []
    for metric, limit in thresholds.items():
        if limit is None or metric == "conformance":
            continue
        if metric not in df.columns or df[metric].isna().all():
            continue
        applied.append(f"{metric} >= {limit}")
        values = pd.to_numeric(df[metric], errors="coerce")
        # face_identity is judged where a face was measured; a required missing face is below.
        failing = (values < limit) | (values.isna() & (metric != "face_identity"))
        for row in df.index[failing & (status == "succeeded")]:
            value = "missing" if pd.isna(values[row]) else f"{values[row]:.4g}"
            reasons[row] += f"{metric} {value} < {limit}; "
    if (
        thresholds.get("conformance", True)
        and "conformance" in df.columns
        and not df["conformance"].isna().all()
    ):
        applied.append("conformance")
        conforming = df["conformance"].astype("boolean").fillna(False).astype(bool)
        reasons[~conforming & (status == "succeeded")] += "conformance failed; "
    required = _required_metric_problems(df)
    if required.ne("").any():
        applied.append("required metrics present (face for character prompts, shot count)")
    reasons[status == "succeeded"] += required[status == "succeeded"]
    return reasons.str.rstrip("; "), applied


def build_results(run: RunDir) -> pd.DataFrame:
    """Fold the records into the results table and write results.parquet and results.csv."""
    states = run.states()
    rows = [row_for(s, run) for s in states.values()]
    df = pd.DataFrame(rows)
    for column in BASE_COLUMNS:
        if column not in df.columns:
            df[column] = None
    extra = [c for c in df.columns if c not in BASE_COLUMNS]
    df = df[BASE_COLUMNS + extra]
    thresholds: dict[str, Any] = dict(declared_usable_thresholds())  # the scorers' defaults
    if run.exists():
        thresholds.update(run.manifest().get("usable", {}) or {})
    if len(df):
        df["usable_reason"], applied = usable_reasons(df, thresholds)
        df["usable"] = df["usable_reason"].eq("").astype(bool)
        df["usable_reason"] = df["usable_reason"].where(~df["usable"], None)
    else:
        df["usable"], df["usable_reason"], applied = pd.Series(dtype=bool), pd.Series(), []
    for column in df.columns:
        if df[column].dtype == object:
            sample = df[column].dropna()
            if len(sample) and all(isinstance(v, bool) for v in sample):
                df[column] = df[column].astype("boolean")
            elif len(sample) and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in sample
            ):
                df[column] = pd.to_numeric(df[column])
    df.attrs["usable_checks"] = applied
    write_via(run.results_path, lambda tmp: df.to_parquet(tmp, index=False))
    write_via(run.path / RESULTS_CSV, lambda tmp: df.to_csv(tmp, index=False))
    return df


def is_missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))
