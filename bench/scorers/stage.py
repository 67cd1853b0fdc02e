"""The scoring stage: every downloaded video of a run through every requested scorer.

Per video: look every scorer up in the cache; decode the video once (in a background
thread, so the next video decodes while the model embeds the current one) only when a
missing score needs frames; embed frames once for both embedding scorers; journal a
`scored` or `score_failed` record per (job, scorer); write scorers.json and contact sheets.

A score whose cache key another job of the same pass already claimed (the same file, the
same scorer settings and job inputs: two models that delivered identical bytes, as the
simulators do for one render) is computed once and served to the others from the cache
afterwards (`serve_followers`), exactly as a second `vidbench score` would serve it.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidbench.core.scorers.base import Scorer, ScorerUnavailable
from vidbench.core.scorers.cache import ScoreCache, cache_key
from vidbench.core.scorers.compute import VideoResult, compute_video, embedder_id
from vidbench.core.scorers.sampler import SamplerSettings, VideoPass, decode_pass
from vidbench.core.scorers.work import Decoded, Scorers, Work
from vidbench.core.store.confine import read_run_file
from vidbench.core.store.jobs import Job
from vidbench.core.store.safe_files import write_atomic
from vidbench.core.store.store import SCORERS_META, RunDir

FRAME_PRODUCTS = {"flicker", "motion", "shots", "probe", "uniform", "dense"}
MAX_SHEET_BYTES = 16 * 1024**2  # a contact sheet is a JPEG of 8 small frames
PREFETCH_VIDEOS = 2  # decoded videos waiting for the model; bounds memory to a few frame sets


def copy_sheet(source: Path, target: Path) -> None:
    """The leader's contact sheet for a follower, read as a run's own file: a sheet planted as
    a link (or not a regular file, or over MAX_SHEET_BYTES) is not copied, nor a missing one."""
    try:
        data = read_run_file(source, MAX_SHEET_BYTES)
    except (OSError, ValueError):  # FileRefused is a ValueError
        return
    write_atomic(target, data)


@dataclass(frozen=True)
class Follower:
    """A (job, scorer) whose score key an earlier job of the same pass computes."""

    job: Job
    name: str
    key: str
    leader_job_id: str


@dataclass
class ScorerCounts:
    """How one scorer fared over a run."""

    scored: int = 0
    cached: int = 0
    failed: int = 0


@dataclass
class ScoreSummary:
    """What `score_run` did."""

    counts: dict[str, ScorerCounts] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # inputs left out (references.py)
    videos: int = 0
    decoded: int = 0
    elapsed_s: float = 0.0


class Stage:
    """One scoring pass over a run directory."""

    def __init__(self, run: RunDir, scorers: Scorers, sampler: SamplerSettings):
        self.run = run
        self.scorers = scorers
        self.sampler = sampler
        self.cache = ScoreCache(run.cache_dir)
        self.summary = ScoreSummary(counts={name: ScorerCounts() for name in scorers.by_name})
        self.followers: list[Follower] = []
        self.failed_keys: dict[str, str] = {}  # score key → why its computation failed

    def score_key(self, scorer: Scorer, job: Job, sha256: str) -> str:
        frames_key = self.sampler.key() if scorer.needs & FRAME_PRODUCTS - {"probe"} else None
        return cache_key(
            sha256,
            scorer.name,
            scorer.version,
            scorer.settings(),
            scorer.job_inputs(job),
            frames_key,
        )

    def pass_key(self, sha256: str) -> str:
        return cache_key("pass", sha256, self.sampler.key())

    def embedding_key(self, embedder: Any, sha256: str) -> str:
        return cache_key("embeddings", sha256, embedder.identity(), self.sampler.key())

    def embedder_for(self, name: str) -> Any:
        return self.scorers.by_name[name].embedder

    def plan(
        self, items: list[tuple[Job, Path, str]], previous: dict[str, dict[str, Any]]
    ) -> list[Work]:
        """Serve cache hits now; return the videos that still need work (a score another
        job of this pass computes is left to `serve_followers`)."""
        todo: list[Work] = []
        claimed: dict[str, str] = {}  # score key → the job that computes it
        for job, path, sha256 in items:
            missing, keys = [], {}
            for name, scorer in self.scorers.by_name.items():
                if name in self.summary.unavailable:
                    continue
                keys[name] = self.score_key(scorer, job, sha256)
                hit = self.cache.get_json("scores", keys[name])
                if hit is not None:
                    self.summary.counts[name].cached += 1
                    if previous.get(job.job_id, {}).get(name) != hit["values"]:
                        self.record(job, name, hit["values"])
                    continue
                reason = scorer.unavailable_reason()
                if reason:
                    self.summary.unavailable[name] = reason
                    continue
                if keys[name] in claimed:
                    self.followers.append(Follower(job, name, keys[name], claimed[keys[name]]))
                    continue
                claimed[keys[name]] = job.job_id
                missing.append(name)
            if missing:
                todo.append(self.work_for(job, path, sha256, missing, keys))
        return todo

    def work_for(
        self, job: Job, path: Path, sha256: str, missing: list[str], keys: dict[str, str]
    ) -> Work:
        """Which products must be decoded, given what the pass and embedding caches hold."""
        work = Work(job, path, sha256, missing, keys, set(), {}, run_root=self.run.path)
        wanted: set[str] = {"probe"}
        for name in missing:
            scorer = self.scorers.by_name[name]
            wanted |= scorer.needs & FRAME_PRODUCTS
            if "embeddings" in scorer.needs:
                embedder = self.embedder_for(name)
                found = self.cache.get_array("embeddings", self.embedding_key(embedder, sha256))
                if found is None:
                    work.embed_with[cache_key(embedder.identity())] = embedder
                else:  # shipped with the work, so a worker needs no access to the cache
                    work.embeddings[cache_key(embedder.identity())] = found
        pixels_needed = bool(work.embed_with) or any(
            self.scorers.by_name[name].needs_pixels(work.job) for name in missing
        )
        summary = self.cache.get_json("passes", self.pass_key(sha256))
        covered = set(summary.get("products", [])) if summary else set()
        if summary and not pixels_needed and wanted <= covered:
            work.cached_pass = VideoPass.from_summary(summary["pass"])
        else:
            work.needs = wanted | covered if summary else wanted
        return work

    def record(self, job: Job, name: str, values: dict[str, Any]) -> None:
        self.run.journal.append(
            "scored",
            job.job_id,
            sync=False,
            scorer=name,
            version=self.scorers.by_name[name].version,
            values=values,
        )

    def fail(self, job: Job, name: str, detail: str) -> None:
        self.summary.counts[name].failed += 1
        self.run.journal.append(
            "score_failed", job.job_id, sync=False, scorer=name, detail=detail[:500]
        )

    def decode(self, work: Work) -> tuple[VideoPass | None, str | None]:
        """The video's pass (cached, or decoded now, frames prepared for the one embedder
        that needs them), or why it could not be decoded."""
        if work.cached_pass is not None:
            return work.cached_pass, None
        embedders = list(work.embed_with.values())
        prepare = embedders[0].prepare if len(embedders) == 1 else None
        source, why = work.open_video()  # no window between the check and the read
        if source is None:
            return None, why
        try:
            with source:
                return decode_pass(source, work.needs, self.sampler, prepare), None
        except Exception as exc:  # one bad video must not stop the stage
            return None, f"decode failed: {exc}"

    def decoded(self, todo: list[Work]) -> Iterator[Decoded]:
        """Yield each video's pass, decoding in a background thread one or two videos ahead."""
        cached = [w for w in todo if w.cached_pass is not None]
        to_decode = [w for w in todo if w.cached_pass is None]
        results: queue.Queue[Decoded | BaseException | None] = queue.Queue(PREFETCH_VIDEOS)
        stop = threading.Event()

        def produce() -> None:
            try:
                for work in to_decode:
                    if stop.is_set():
                        break
                    results.put((work, *self.decode(work)))
            except BaseException as exc:  # raised in the consumer, not left to hang it
                results.put(exc)
            results.put(None)

        thread = threading.Thread(target=produce, name="vidbench-decode", daemon=True)
        thread.start()  # decoding starts while the cached passes below are scored
        try:
            for work in cached:
                yield work, work.cached_pass, None
            while (item := results.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            while thread.is_alive():  # drain so the producer can finish
                with contextlib.suppress(queue.Empty):
                    results.get(timeout=0.1)
            thread.join()

    def finish_video(self, work: Work, video: VideoPass | None, error: str | None) -> None:
        """Run the missing scorers on one decoded video here and journal the results."""
        self.apply(work, compute_video(self.scorers, work, video, error, self.summary.unavailable))

    def apply(self, work: Work, result: VideoResult) -> None:
        """Write one video's result: pass and embedding caches, contact sheet, score records."""
        if result.pass_summary is not None:
            self.summary.decoded += 1
            previous = self.cache.get_json("passes", self.pass_key(work.sha256))
            products = sorted(work.needs | set(previous.get("products", []) if previous else []))
            self.cache.put_json(
                "passes",
                self.pass_key(work.sha256),
                {"products": products, "pass": result.pass_summary},
            )
        if result.sheet_jpeg:
            sheet = self.run.frames_dir / f"{work.job.job_id}.jpg"
            sheet.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(sheet, result.sheet_jpeg)
        embedders = {
            embedder_id(s.embedder): s.embedder
            for s in self.scorers.by_name.values()
            if "embeddings" in s.needs
        }
        for key, values in result.embeddings.items():
            if key in embedders:
                embedding_key = self.embedding_key(embedders[key], work.sha256)
                self.cache.put_array("embeddings", embedding_key, values)
        self.summary.unavailable.update(result.unavailable)
        for name in work.missing:
            if name in result.failed:
                self.failed_keys[work.keys[name]] = result.failed[name]
                self.fail(work.job, name, result.failed[name])
            elif name in result.values:
                self.cache.put_json("scores", work.keys[name], {"values": result.values[name]})
                self.record(work.job, name, result.values[name])
                self.summary.counts[name].scored += 1

    def follower_jobs(self, todo: list[Work]) -> set[str]:
        """Jobs whose every missing score follows another job's (no work item of their own)."""
        with_work = {work.job.job_id for work in todo}
        return {f.job.job_id for f in self.followers} - with_work

    def serve_followers(self) -> None:
        """Give each follower its leader's result, from the score cache: the value recorded
        (or the failure), and the leader's contact sheet when the follower has none."""
        for follower in self.followers:
            name, job = follower.name, follower.job
            if name in self.summary.unavailable:
                continue
            hit = self.cache.get_json("scores", follower.key)
            if hit is not None:
                self.record(job, name, hit["values"])
                self.summary.counts[name].scored += 1
            else:
                why = self.failed_keys.get(follower.key, "not scored")
                self.fail(job, name, f"{why} (the same video as {follower.leader_job_id})")
            sheet = self.run.frames_dir / f"{job.job_id}.jpg"
            leader_sheet = self.run.frames_dir / f"{follower.leader_job_id}.jpg"
            if not sheet.exists():
                copy_sheet(leader_sheet, sheet)

    def load_models(self, todo: list[Work]) -> None:
        """Load the embedders some video needs before decoding starts (so frames are prepared)."""
        embedders = {key: e for work in todo for key, e in work.embed_with.items()}
        for embedder in embedders.values():
            try:
                embedder.load()
            except ScorerUnavailable as exc:
                for name, scorer in self.scorers.by_name.items():
                    if "embeddings" in scorer.needs and scorer.embedder is embedder:
                        self.summary.unavailable[name] = str(exc)
        for work in todo:
            work.embed_with = {k: e for k, e in work.embed_with.items() if e.loaded}

    def write_meta(self, devices: dict[str, str] | None = None) -> None:
        """Merge this pass's scorer descriptions (and the device each ran on) into scorers.json."""
        meta = self.run.scorers_meta()
        for name, scorer in self.scorers.by_name.items():
            entry = scorer.describe()
            if devices and name in devices:
                entry["device"] = devices[name]
            entry["available"] = name not in self.summary.unavailable
            if name in self.summary.unavailable:
                entry["reason"] = self.summary.unavailable[name]
            source = getattr(getattr(scorer, "embedder", None), "weights_source", "")
            if source:
                entry["settings"]["weights_source"] = source
            meta[name] = entry
        path = self.run.path / SCORERS_META
        write_atomic(path, json.dumps(meta, indent=2, ensure_ascii=False))
