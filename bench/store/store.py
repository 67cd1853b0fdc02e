"""The run directory: layout, manifest, and the job states folded from records.jsonl."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidbench.core.store.confine import VIDEO_SUFFIXES, confined_file, read_run_file
from vidbench.core.store.jobs import Job
from vidbench.core.store.journal import Journal
from vidbench.core.store.safe_files import write_atomic

MAX_VIDEO_NAME_BYTES = 200  # file systems refuse names over 255 bytes (with `.part`)

MANIFEST = "manifest.json"
RECORDS = "records.jsonl"
RESULTS_PARQUET = "results.parquet"
RESULTS_CSV = "results.csv"
SCORERS_META = "scorers.json"
# Caps on a run's own files when another command reads them (a shared run directory is input
# from strangers): a manifest or scorers.json is kB, a results table of 100,000 jobs tens of MB.
MAX_MANIFEST_BYTES = 8 * 1024**2
MAX_SCORERS_META_BYTES = 4 * 1024**2
MAX_RESULTS_BYTES = 256 * 1024**2


@dataclass
class JobState:
    """What the records say about one job so far."""

    job: Job
    intents: int = 0
    refused: int = 0  # create attempts answered "nothing made" (429, refused connection, 4xx)
    open_intent_at: float | None = None  # the last intent with no outcome recorded, if any
    task_id: str | None = None
    submitted_at: float | None = None
    first_running_at: float | None = None
    finished_at: float | None = None  # provider terminal status seen
    downloaded_at: float | None = None
    download_started_at: float | None = None
    # A simulator's render wait after the task was done: left out of download and latency.
    sim_render_overrun_s: float | None = None
    simulator: bool = False  # a vidbench simulator answered (a base_url at `vidbench sim`)
    provider_queue_s: float | None = None  # the provider's own queue seconds, where reported
    provider_generation_s: float | None = None  # the provider's own generation seconds
    last_status: str | None = None
    final_status: str | None = None  # JobStatus value once decided
    error_kind: str | None = None
    detail: str | None = None
    video_path: str | None = None
    sha256: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    cost_native: float | None = None
    currency: str | None = None
    provider_model_version: str | None = None  # the model the provider reported running
    resumable: bool = False  # finished by a local fault (disk full…): resume retries it
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)  # scorer → values
    # Scores of earlier videos of this job (a later download brought other bytes): no longer
    # the job's scores, but what judging them cost was spent.
    superseded_scores: list[dict[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.final_status is not None


class RunDir:
    """A run directory on disk (every file is described in docs/run-directory.md)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.journal = Journal(self.path / RECORDS)

    videos_dir = property(lambda self: self.path / "videos")
    frames_dir = property(lambda self: self.path / "frames")
    cache_dir = property(lambda self: self.path / "cache")
    plots_dir = property(lambda self: self.path / "plots")
    results_path = property(lambda self: self.path / RESULTS_PARQUET)

    def video_path(self, job_id: str) -> Path:
        """videos/<job id>.mp4, shortened with a hash where the name would be too long."""
        path = self.videos_dir / f"{job_id}.mp4"
        if len(path.name.encode()) <= MAX_VIDEO_NAME_BYTES:
            return path
        digest = hashlib.sha256(job_id.encode()).hexdigest()[:16]
        return path.with_name(f"{job_id[:100]}-{digest}{path.suffix}")

    def exists(self) -> bool:
        return (self.path / MANIFEST).is_file()

    def manifest(self) -> dict[str, Any]:
        """manifest.json, read without following a link and within MAX_MANIFEST_BYTES
        (FileRefused, a ValueError, otherwise)."""
        value = json.loads(read_run_file(self.path / MANIFEST, MAX_MANIFEST_BYTES))
        return value if isinstance(value, dict) else {}

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
        write_atomic(self.path / MANIFEST, text)  # a fresh temp file, never through a link

    def scorers_meta(self) -> dict[str, Any]:
        """scorers.json ({} when absent), read as `manifest` is."""
        path = self.path / SCORERS_META
        if not (path.exists() or path.is_symlink()):
            return {}
        value = json.loads(read_run_file(path, MAX_SCORERS_META_BYTES))
        return value if isinstance(value, dict) else {}

    def states(self) -> dict[str, JobState]:
        """Fold records.jsonl into one JobState per planned job, in plan order."""
        return fold_records(self.journal.read())

    def scorable(self) -> list[tuple[Job, Path, str]]:
        """(job, video path, sha256) for every job whose video is on disk."""
        out = []
        for state in self.states().values():
            # A record names the file: only a video inside the run, reached without a link,
            # is decoded (no `../`, no absolute path, no playlist).
            if (
                state.final_status == "succeeded"
                and state.video_path
                and state.sha256
                and confined_file(self.path, state.video_path, VIDEO_SUFFIXES) is not None
            ):
                out.append((state.job, self.path / state.video_path, state.sha256))
        return out


def fold_records(records: Any) -> dict[str, JobState]:
    """The pure fold from records to job states (latest record wins)."""
    states: dict[str, JobState] = {}
    for rec in records:
        event = rec.get("event")
        job_id = rec.get("job_id")
        if event == "planned":
            if job_id not in states:
                try:
                    states[job_id] = JobState(Job.from_dict(rec["job"]))
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # not a whole job (the journal checks types; this is the rest)
            continue
        state = states.get(job_id) if job_id else None
        if state is None:
            continue
        ts = rec.get("ts")
        if event == "intent":
            state.intents += 1
            state.open_intent_at = ts
        elif event == "refused":
            state.refused += 1
            state.open_intent_at = None
        elif event == "reconciled":
            _fold_reconciled(state, rec)
        elif event == "submitted":
            state.task_id = rec.get("task_id")
            state.submitted_at = rec.get("submitted_at", ts)
            state.open_intent_at = None
        elif event == "status":
            _fold_status(state, rec, ts)
        elif event == "downloaded":
            _drop_scores_of_another_video(state, rec.get("sha256"))
            state.video_path = rec.get("path")
            state.sha256 = rec.get("sha256")
            state.download_started_at = rec.get("download_started_at")
            state.sim_render_overrun_s = rec.get("sim_render_overrun_s")
            state.simulator = bool(rec.get("simulator"))
            state.downloaded_at = ts
        elif event == "finished":
            state.final_status = rec.get("status")
            state.error_kind = rec.get("error_kind")
            state.detail = rec.get("detail")
            state.resumable = bool(rec.get("resumable"))
            for key in ("tokens", "cost_usd", "cost_native", "currency"):
                if rec.get(key) is not None:
                    setattr(state, key, rec[key])
        elif event == "scored":
            state.scores[str(rec.get("scorer"))] = rec.get("values") or {}
    return states


# A status record's optional fields → the job state's attribute each sets (latest wins).
_STATUS_FIELDS = {
    "model_version": "provider_model_version",
    "tokens": "tokens",
    "provider_queue_s": "provider_queue_s",
    "provider_generation_s": "provider_generation_s",
}


def _fold_status(state: JobState, rec: dict[str, Any], ts: Any) -> None:
    """A status record: the first running and terminal times, and what the provider reported."""
    state.last_status = rec.get("status")
    if state.last_status == "running" and state.first_running_at is None:
        state.first_running_at = ts
    if rec.get("terminal") and state.finished_at is None:
        state.finished_at = ts
    for key, attribute in _STATUS_FIELDS.items():
        if rec.get(key) is not None:
            setattr(state, attribute, rec[key])


def _drop_scores_of_another_video(state: JobState, sha256: object) -> None:
    """A download of other bytes than the scored video: its scores no longer describe the job."""
    if state.scores and (sha256 is None or sha256 != state.sha256):
        state.superseded_scores.append(state.scores)
        state.scores = {}


def _fold_reconciled(state: JobState, rec: dict[str, Any]) -> None:
    """An unknown create resolved: adopted (holds the task, reopens an ambiguous job) or resend."""
    if rec.get("outcome") == "adopt" and rec.get("task_id"):
        state.task_id = rec["task_id"]
        state.submitted_at = rec.get("submitted_at", rec.get("ts"))
        state.open_intent_at = None
        if state.error_kind == "ambiguous_create":
            state.final_status = state.error_kind = state.detail = None
    elif rec.get("outcome") == "resend":
        state.open_intent_at = None
