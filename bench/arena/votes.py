"""Arena clips, pair selection and the durable vote log.

Votes are appended to `<first run>/votes.jsonl`, one JSON object per line, each flushed and
fsynced before the page is told it is saved; one arena process writes at a time (an fcntl
lock on `votes.lock`), so a crash loses at most the vote being cast. Pair selection favours
model pairs with few votes and close ratings, each prompt's clips in random sides.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

from vidbench.core.store.confine import VIDEO_SUFFIXES, confined_file, open_confined
from vidbench.core.store.safe_files import open_append_text, open_read
from vidbench.core.store.store import RunDir

VOTES_FILE = "votes.jsonl"
LOCK_FILE = "votes.lock"
SCHEMA_VERSION = 1
CHOICES = ("a", "b", "tie", "both_bad")
CLOSENESS_POINTS = 200.0  # rating gap at which a pair is e^-1 as likely to be shown
VIDEO_TYPES = {
    ".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm",
    ".mkv": "video/x-matroska",
}  # fmt: skip


class ArenaBusy(Exception):
    """Another arena process is writing this run's votes."""


@dataclass(frozen=True)
class Clip:
    """One playable video of a run."""

    run: str
    job_id: str
    model: str
    prompt_id: str
    text: str
    path: Path
    run_dir: Path = Path()

    def ref(self) -> dict[str, str]:
        """How a vote names the clip."""
        return {"run": self.run, "job_id": self.job_id, "model": self.model}


def safe_clip_path(run_dir: Path, path: Path) -> Path | None:
    """`path` resolved, if it may be served: a video a record places inside the run, reached
    without a link (`vidbench.core.store.confine`, the rule publish and scoring use)."""
    try:
        relative = path.relative_to(run_dir)  # an absolute record path lands elsewhere
    except ValueError:
        return None
    return confined_file(run_dir, relative.as_posix(), VIDEO_SUFFIXES)


def open_clip(run_dir: Path, path: Path) -> IO[bytes] | None:
    """The clip opened for serving, with no window between the check and the read (every
    folder opened without following a link, one name only: `open_confined`); else None."""
    try:
        relative = path.relative_to(run_dir)
    except ValueError:
        return None
    return open_confined(run_dir, relative.as_posix(), VIDEO_SUFFIXES)[0]


def load_clips(run_dirs: list[Path], refused: list[str] | None = None) -> list[Clip]:
    """Every downloaded video of the runs that may be served (see `safe_clip_path`); the
    paths of the others go to `refused`."""
    clips = []
    for run_dir in run_dirs:
        run = RunDir(run_dir)
        for job, path, _sha in run.scorable():
            safe = safe_clip_path(run.path, path)
            if safe is None:
                if refused is not None:
                    refused.append(str(path))
                continue
            clips.append(
                Clip(run.path.name, job.job_id, job.model_id, job.prompt_id, job.text, safe,
                     run.path.resolve())
            )  # fmt: skip
    return clips


def candidate_pairs(clips: list[Clip]) -> list[tuple[Clip, Clip]]:
    """Every pair of clips of the same prompt from different models."""
    by_prompt: dict[str, list[Clip]] = {}
    for clip in clips:
        by_prompt.setdefault(clip.prompt_id, []).append(clip)
    pairs: list[tuple[Clip, Clip]] = []
    for group in by_prompt.values():
        for i, first in enumerate(group):
            pairs.extend(
                (first, second) for second in group[i + 1 :] if second.model != first.model
            )
    return pairs


def pair_weight(votes_on_models: int, rating_gap: float) -> float:
    """Favour model pairs with few votes and close ratings."""
    return math.exp(-abs(rating_gap) / CLOSENESS_POINTS) / (1.0 + votes_on_models)


class VoteLog:
    """The one writer of a run's votes.jsonl."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / VOTES_FILE
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)  # never a planted link
        self._lock_fd = os.open(run_dir / LOCK_FILE, flags, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise ArenaBusy(f"another arena is writing {self.path}") from None
        self.skipped = 0  # lines of votes.jsonl that are no vote (torn, hand-edited)
        try:
            self.votes = self._read()
            self._file: TextIO = open_append_text(self.path)  # held open
        except BaseException:
            os.close(self._lock_fd)
            raise

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        out = []
        with open_read(self.path) as handle:
            text = handle.read().decode("utf-8", errors="replace")
        for line in text.splitlines():
            try:
                vote = json.loads(line)
            except ValueError:  # a torn last line from a crash mid-write
                vote = None
            if is_vote(vote):
                out.append(vote)
            elif line.strip():
                self.skipped += 1
        return out

    def append(
        self, a: Clip, b: Clip, choice: str, rater: str | None, shown_s: float
    ) -> dict[str, Any]:
        """Write one vote durably (flush + fsync) and return it."""
        if choice not in CHOICES:
            raise ValueError(f"choice must be one of {', '.join(CHOICES)}")
        vote = {
            "schema": SCHEMA_VERSION,
            "vote_id": uuid.uuid4().hex,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "prompt_id": a.prompt_id,
            "a": a.ref(),
            "b": b.ref(),
            "choice": choice,
            "rater": (rater or "").strip()[:80] or None,
            "decided_s": round(max(0.0, shown_s), 2),
        }
        if self.path.stat().st_size if self.path.exists() else 0:
            self._ensure_newline()
        self._file.write(json.dumps(vote, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.votes.append(vote)
        return vote

    def _ensure_newline(self) -> None:
        """A torn line from a crash must not swallow the next vote."""
        with open(self.path, "rb") as existing:
            existing.seek(-1, os.SEEK_END)
            if existing.read(1) != b"\n":
                self._file.write("\n")

    def close(self) -> None:
        """Release the file and the writer lock."""
        self._file.close()
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)


def is_vote(vote: Any) -> bool:
    """Whether a votes.jsonl line is a vote the arena can count: a choice, and both clips
    naming their model."""
    return (
        isinstance(vote, dict)
        and vote.get("choice") in CHOICES
        and all(isinstance(vote.get(s), dict) and isinstance(vote[s].get("model"), str)
                for s in ("a", "b"))
    )  # fmt: skip


def choose_pair(
    pairs: list[tuple[Clip, Clip]],
    votes: list[dict[str, Any]],
    ratings: dict[str, float],
    rng: random.Random,
    skip: set[tuple[str, str]] | None = None,
) -> tuple[Clip, Clip] | None:
    """A pair to show (random sides), weighted by `pair_weight`; None when there is none."""
    counts: dict[frozenset[str], int] = {}
    for vote in votes:
        key = frozenset((vote["a"]["model"], vote["b"]["model"]))
        counts[key] = counts.get(key, 0) + 1
    pool = [p for p in pairs if (p[0].job_id, p[1].job_id) not in (skip or set())]
    if not pool:
        return None
    weights = [
        pair_weight(
            counts.get(frozenset((a.model, b.model)), 0),
            ratings.get(a.model, 1000.0) - ratings.get(b.model, 1000.0),
        )
        for a, b in pool
    ]
    first, second = rng.choices(pool, weights)[0]
    return (first, second) if rng.random() < 0.5 else (second, first)


def quick_ratings(votes: list[dict[str, Any]]) -> dict[str, float]:
    """Elo-like points from each model's score share (ties half), for choosing close pairs.

    The report fits Bradley-Terry properly; this only needs to be cheap and monotone.
    """
    score: dict[str, float] = {}
    played: dict[str, int] = {}
    value = {"a": 1.0, "b": 0.0, "tie": 0.5}
    for vote in votes:
        if vote["choice"] not in value:
            continue
        a, b = vote["a"]["model"], vote["b"]["model"]
        score[a] = score.get(a, 0.0) + value[vote["choice"]]
        score[b] = score.get(b, 0.0) + 1.0 - value[vote["choice"]]
        played[a], played[b] = played.get(a, 0) + 1, played.get(b, 0) + 1
    out = {}
    for model, games in played.items():
        share = (score[model] + 1.0) / (games + 2.0)  # one virtual win and loss keep it finite
        out[model] = 1000.0 + 400.0 * math.log10(share / (1.0 - share))
    return out
