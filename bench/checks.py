"""Prompt checks: short yes/no questions a vision judge answers about a clip.

A prompt may carry `checks:`; the `judge` scorer asks each one. Checks are written (or
drafted with `vidbench suites checks` and reviewed) by people, never generated at scoring.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CheckKind = Literal[
    "entity", "attribute", "count", "action", "camera", "text", "shot_order", "audio"
]
CHECK_KINDS: tuple[str, ...] = (
    "entity",
    "attribute",
    "count",
    "action",
    "camera",
    "text",
    "shot_order",
    "audio",
)
MAX_CHECKS_PER_PROMPT = 12


class Check(BaseModel):
    """One yes/no question about a clip, answered by the judge."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        ...,
        min_length=5,
        max_length=300,
        description="A yes/no question whose answer is yes for a faithful clip.",
    )
    kind: CheckKind = Field("entity", description="What the question tests (for sub-scores).")
    shot: int | None = Field(
        None, ge=1, le=12, description="1-based shot the question is about; whole clip if absent."
    )

    def key(self) -> dict[str, object]:
        """The parts that identify this check in a cache key."""
        return {"question": self.question, "kind": self.kind, "shot": self.shot}
