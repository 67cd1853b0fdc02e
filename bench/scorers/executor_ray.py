"""Scoring on a Ray cluster: a pool of actors, each loading the scorers' models once.

The driver (the `vidbench score` process) plans the work, spreads the videos over the
actors largest first, and alone writes the run directory as results stream back. Each actor
keeps `DEPTH` videos queued so it never waits for the driver. Videos reach an actor by path
(the run directory on a filesystem every node mounts at the same path) or, with
`ship_videos`, as bytes through Ray's object store. An actor that dies has its queued
videos rescheduled on the others (and a replacement started, up to `workers` of them); a
result is applied once per video, so every video is scored exactly once.

The judge scorer runs in the driver after the pool: it calls an API, keeps its answer
cache and budget in the run directory, and needs no compute.
"""

from __future__ import annotations

import collections
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from vidbench.core.config.settings import ClipSettings, ScoringSettings
from vidbench.core.scorers.base import ScorerUnavailable
from vidbench.core.scorers.compute import VideoResult, compute_video, embedder_id
from vidbench.core.scorers.executor import LocalExecutor, place_models, scorer_devices
from vidbench.core.scorers.sampler import SamplerSettings, decode_pass
from vidbench.core.scorers.stage import Stage
from vidbench.core.scorers.work import Scorers, Work, build_scorers

RAY_MISSING = (
    "the Ray executor needs the `ray` package: pip install 'vidbench[ray]' "
    "(or pip install 'ray>=2.60')"
)
DEPTH = 2  # videos queued per actor: one scoring, one waiting
DRIVER_ONLY = frozenset({"judge"})  # network-bound, writes its own cache in the run directory


class ExecutorUnavailable(Exception):
    """The executor cannot run here (package missing, cluster unreachable); user-facing."""


def import_ray() -> Any:
    """The ray module, or ExecutorUnavailable saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ExecutorUnavailable(RAY_MISSING) from None
    return ray


class ScoringWorker:
    """One Ray actor: its own scorers and models, loaded once, scoring one video per call."""

    def __init__(
        self,
        names: list[str],
        clip: dict[str, Any],
        sampler: SamplerSettings,
        options: dict[str, dict[str, Any]],
        device: str,
        cpus: float,
    ):
        threads = max(1, int(cpus))
        _limit_threads(threads)
        self.sampler = sampler
        self.scorers = build_scorers(names, ClipSettings.model_validate(clip), sampler, options)
        place_models(self.scorers, device)
        self.unavailable: dict[str, str] = {}
        self.embedders: dict[str, Any] = {}
        for name, scorer in self.scorers.by_name.items():
            if "embeddings" not in scorer.needs:
                continue
            try:
                scorer.embedder.load()
                self.embedders[embedder_id(scorer.embedder)] = scorer.embedder
            except ScorerUnavailable as exc:
                self.unavailable[name] = str(exc)

    def describe(self) -> dict[str, Any]:
        """Devices per scorer, what is unavailable here, and where this actor runs."""
        return {
            "devices": scorer_devices(self.scorers),
            "unavailable": dict(self.unavailable),
            "pid": os.getpid(),
        }

    def score(self, work: Work, video_bytes: bytes | None = None) -> VideoResult:
        """Decode (unless the pass is cached) and score one video; writes nothing shared."""
        embed_with = {k: self.embedders[k] for k in work.embed_with if k in self.embedders}
        work = replace(work, embed_with=embed_with)
        if work.cached_pass is not None:
            return compute_video(self.scorers, work, work.cached_pass, None, self.unavailable)
        with tempfile.TemporaryDirectory(prefix="vidbench-ray-") as tmp:
            if video_bytes is not None:
                copy = Path(tmp) / work.path.name
                copy.write_bytes(video_bytes)
                work = replace(work, path=copy, run_root=None)
            elif not work.path.is_file():
                error = (
                    f"video not visible on this Ray node: {work.path} (put the run directory "
                    "on a filesystem every node mounts at the same path, or use --ship-videos)"
                )
                return compute_video(self.scorers, work, None, error, self.unavailable)
            prepare = next(iter(embed_with.values())).prepare if len(embed_with) == 1 else None
            source, why = work.open_video()
            if source is None:
                return compute_video(self.scorers, work, None, why)
            try:
                with source:
                    video = decode_pass(source, work.needs, self.sampler, prepare)
            except Exception as exc:  # one bad video must not stop the stage
                return compute_video(self.scorers, work, None, f"decode failed: {exc}")
        return compute_video(self.scorers, work, video, None, self.unavailable)


def _limit_threads(threads: int) -> None:
    """Keep torch and OpenCV to the CPUs this actor reserved (they default to every core)."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        import cv2

        cv2.setNumThreads(threads)
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass


def shippable(work: Work) -> Work:
    """The work item without the driver's model objects (the actor uses its own)."""
    return replace(work, embed_with=dict.fromkeys(work.embed_with))


class RayExecutor:
    """Scores on a pool of Ray actors; the driver applies results as they arrive."""

    name = "ray"

    def __init__(self, settings: ScoringSettings):
        self.settings = settings
        self.ray = import_ray()
        self.actors: list[Any] = []  # live actors (tests kill one mid-run)
        self.in_flight: dict[Any, tuple[Any, Work]] = {}  # object ref → (actor, work)
        self.started = 0
        self.lost = 0  # actors that died during the run
        self.rescheduled = 0  # videos sent again because their actor died
        self.startup_s = 0.0  # from the first actor's start to every actor's models loaded
        self._devices: dict[str, str] = {}
        self._started_ray = False

    # ----- the pool -----------------------------------------------------------------------

    def _connect(self) -> None:
        if self.ray.is_initialized():
            return
        try:
            # A Ray started here listens on loopback only (it would take every interface).
            local = {"_node_ip_address": "127.0.0.1"} if self.settings.address is None else {}
            self.ray.init(
                address=self.settings.address,
                include_dashboard=False,
                log_to_driver=False,
                **local,
            )
        except Exception as exc:  # unreachable cluster, bad address
            raise ExecutorUnavailable(f"cannot start or reach Ray: {exc}") from exc
        self._started_ray = self.settings.address is None

    def _start_actor(self, stage: Stage) -> Any:
        names = [n for n in stage.scorers.by_name if n not in DRIVER_ONLY]
        options = stage.scorers.context.options
        cls = self.ray.remote(ScoringWorker).options(
            num_cpus=self.settings.cpus_per_worker,
            num_gpus=self.settings.gpus_per_worker,
            max_restarts=0,
        )
        actor = cls.remote(
            names,
            stage.scorers.context.clip.model_dump(),
            stage.sampler,
            options,
            self.settings.device,
            self.settings.cpus_per_worker,
        )
        self.started += 1
        self.actors.append(actor)
        return actor

    def _send(self, actor: Any, work: Work) -> None:
        payload = None
        if self.settings.ship_videos and work.cached_pass is None:
            source, _ = work.open_video()  # refused: the worker refuses it again, with why
            if source is not None:
                with source:
                    payload = self.ray.put(source.read())
        self.in_flight[actor.score.remote(shippable(work), payload)] = (actor, work)

    def _fill(self, actor: Any, queue: collections.deque[Work]) -> None:
        queued = sum(1 for owner, _ in self.in_flight.values() if owner is actor)
        while queue and queued < DEPTH:
            self._send(actor, queue.popleft())
            queued += 1

    def _lose(self, actor: Any, stage: Stage, queue: collections.deque[Work]) -> None:
        """An actor died: forget it and start a replacement while the budget allows."""
        if actor in self.actors:
            self.actors.remove(actor)
            self.lost += 1
            if self.started < 2 * self.settings.workers:
                self._fill(self._start_actor(stage), queue)
        if not self.actors:
            raise RuntimeError(f"every Ray scoring actor died ({self.lost} lost)")

    # ----- the executor ---------------------------------------------------------------------

    def results(self, stage: Stage, todo: list[Work]) -> Iterator[tuple[Work, VideoResult]]:
        """Stream results from the pool, then run the driver-only scorers here."""
        remote = [replace(w, missing=[n for n in w.missing if n not in DRIVER_ONLY]) for w in todo]
        remote = [w for w in remote if w.missing]
        if remote:
            yield from self._pool_results(stage, remote)
        local = [
            stage.work_for(w.job, w.path, w.sha256, driver_side, w.keys)
            for w in todo
            if (driver_side := [n for n in w.missing if n in DRIVER_ONLY])
        ]
        if local:
            yield from LocalExecutor(self.settings.device).results(stage, local)

    def _pool_results(self, stage: Stage, todo: list[Work]) -> Iterator[tuple[Work, VideoResult]]:
        ray = self.ray
        self._connect()
        queue = collections.deque(sorted(todo, key=_size_bytes, reverse=True))
        done: set[str] = set()
        try:
            started = time.perf_counter()
            for _ in range(min(self.settings.workers, len(todo))):
                self._start_actor(stage)
            for info in ray.get([a.describe.remote() for a in self.actors]):
                self._devices.update(info["devices"])
            self.startup_s = time.perf_counter() - started
            for actor in list(self.actors):
                self._fill(actor, queue)
            while self.in_flight:
                ready, _ = ray.wait(list(self.in_flight), num_returns=1)
                actor, work = self.in_flight.pop(ready[0])
                try:
                    result = ray.get(ready[0])
                except ray.exceptions.RayActorError:
                    self.rescheduled += 1
                    queue.appendleft(work)
                    self._lose(actor, stage, queue)
                    for live in list(self.actors):
                        self._fill(live, queue)
                    continue
                except ray.exceptions.RayTaskError as exc:
                    detail = f"Ray worker error: {str(exc).splitlines()[-1][:300]}"
                    result = VideoResult(
                        work.job.job_id, failed=dict.fromkeys(work.missing, detail)
                    )
                self._fill(actor, queue)
                if work.job.job_id in done:  # never apply a video twice
                    continue
                done.add(work.job.job_id)
                yield work, result
        finally:
            for actor in self.actors:
                ray.kill(actor)
            self.actors.clear()
            self.in_flight.clear()
            if self._started_ray:
                ray.shutdown()

    def devices(self, scorers: Scorers) -> dict[str, str]:
        """The device each scorer ran on in the actors (the judge: here, on the CPU)."""
        return {**scorer_devices(scorers), **self._devices}


def _size_bytes(work: Work) -> int:
    """The video's size on the driver (0 when it is not there: scheduled last)."""
    try:
        return work.path.stat().st_size
    except OSError:
        return 0
