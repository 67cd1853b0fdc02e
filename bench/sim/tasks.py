"""A simulated task: what to render (`VideoSpec`) and its timeline (`SimTask`, `Phase`).

Nothing runs in the background: a task's phase is computed from its timestamps and the
clock whenever a simulator asks (`SimContext.observe`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    """A simulated task's provider-neutral state; each simulator maps it to its words."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    MODERATED = "moderated"  # failed by output moderation
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def terminal(self) -> bool:
        return self not in (Phase.QUEUED, Phase.RUNNING)


_SHOT_NUMBER = re.compile(r"(?:\bshot\s*|镜头\s*)(\d+)", re.IGNORECASE)
_CUT = re.compile(r"\bcut to\b|切换镜头|镜头切换", re.IGNORECASE)
MAX_SHOTS = 8


def shots_in(prompt: str) -> int:
    """Shots the prompt asks for: the highest "shot N"/"镜头N", or one more than its cuts."""
    numbered = [int(n) for n in _SHOT_NUMBER.findall(prompt)]
    return max(1, min(MAX_SHOTS, max([len(_CUT.findall(prompt)) + 1, *numbered])))


@dataclass(frozen=True)
class VideoSpec:
    """What the renderer should produce for a task (provider-neutral)."""

    prompt: str
    width: int
    height: int
    duration_s: float
    fps: int = 24
    shots: int = 1
    audio: bool = False
    seed: int = 0


@dataclass
class SimTask:
    """One simulated task; its phase is a pure function of its timestamps and the clock."""

    id: str
    model: str
    spec: VideoSpec
    created_at_s: float
    queue_s: float
    run_s: float
    outcome: Phase  # SUCCEEDED, FAILED or MODERATED, decided at create
    expires_at_s: float | None = None
    cancelled_at_s: float | None = None
    data: dict[str, Any] = field(default_factory=dict)  # provider-specific request fields
    url_token: str | None = None
    url_expires_at_s: float | None = None

    @property
    def started_at_s(self) -> float:
        return self.created_at_s + self.queue_s

    @property
    def finished_at_s(self) -> float:
        return self.started_at_s + self.run_s

    def phase(self, now_s: float) -> Phase:
        """The state at `now_s`."""
        if self.cancelled_at_s is not None and now_s >= self.cancelled_at_s:
            return Phase.CANCELLED
        expires_first = self.expires_at_s is not None and self.expires_at_s < self.finished_at_s
        if expires_first and now_s >= (self.expires_at_s or 0.0):
            return Phase.EXPIRED
        if now_s < self.started_at_s:
            return Phase.QUEUED
        if now_s < self.finished_at_s:
            return Phase.RUNNING
        return self.outcome

    def updated_at_s(self, now_s: float) -> float:
        """When the state last changed, as of `now_s`."""
        phase = self.phase(now_s)
        if phase is Phase.CANCELLED:
            return self.cancelled_at_s or self.created_at_s
        if phase is Phase.EXPIRED:
            return self.expires_at_s or self.created_at_s
        if phase is Phase.QUEUED:
            return self.created_at_s
        if phase is Phase.RUNNING:
            return self.started_at_s
        return self.finished_at_s
