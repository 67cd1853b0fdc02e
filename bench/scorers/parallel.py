"""Scoring several videos at once in this process: one thread per video in flight.

Decoding (PyAV), optical flow and resizing (OpenCV) and torch release the GIL for their
heavy work (dlib in part: two threads, each with its own models, ran 16 frames of 720p face
work 1.3x faster than one, 2.39 vs 1.83 s and 2.52 vs 1.89 s), so threads use the cores
without another process's start-up, model loads or pickling. A scorer whose models are not
safe to call from two threads at once (`Scorer.thread_safe = False`: dlib's networks keep
scratch buffers) gets its own instance per thread; the others, and every scorer's models
that are safe (torch inference, the judge's session and budget), are shared. The driver thread alone applies results, so the
run directory still has one writer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from vidbench.core.scorers.compute import VideoResult, compute_video
from vidbench.core.scorers.registry import scorer_class
from vidbench.core.scorers.stage import Stage
from vidbench.core.scorers.work import Scorers, Work


def thread_copy(scorers: Scorers) -> Scorers:
    """The scorer set for another thread: its own instance of each scorer that is not
    thread-safe, the same objects for the rest."""
    from vidbench.core.scorers.work import Scorers

    by_name = {
        name: scorer if scorer.thread_safe else scorer_class(name).create(scorers.context)
        for name, scorer in scorers.by_name.items()
    }
    return Scorers(by_name, scorers.context)


def threaded_results(
    stage: Stage, todo: list[Work], threads: int
) -> Iterator[tuple[Work, VideoResult]]:
    """(work, result) per video as threads finish them; at most `threads` videos at once."""
    pending: queue.SimpleQueue[Work] = queue.SimpleQueue()
    for work in todo:
        pending.put(work)
    done: queue.SimpleQueue[tuple[Work, VideoResult] | BaseException | None] = queue.SimpleQueue()
    stop = threading.Event()

    def worker(scorers: Scorers) -> None:
        try:
            while not stop.is_set():
                try:
                    work = pending.get_nowait()
                except queue.Empty:
                    break
                video, error = stage.decode(work)
                unavailable = stage.summary.unavailable
                done.put((work, compute_video(scorers, work, video, error, unavailable)))
        except BaseException as exc:  # surfaced in the driver thread
            done.put(exc)
        finally:
            done.put(None)

    count = max(1, min(threads, len(todo)))
    sets = [stage.scorers] + [thread_copy(stage.scorers) for _ in range(count - 1)]
    workers = [
        threading.Thread(target=worker, args=(s,), name=f"vidbench-score-{i}", daemon=True)
        for i, s in enumerate(sets)
    ]
    for thread in workers:
        thread.start()
    try:
        finished = 0
        while finished < count:
            item = done.get()
            if item is None:
                finished += 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()  # a consumer that stops early: threads end after their current video
        for thread in workers:
            thread.join()
