"""Model lifecycle: whether a provider model can be called today, and who says so.

Every known model carries a `Lifecycle`: live, preview, deprecated (with the date it
shuts) or retired (with the date it shut and its replacement), plus the source and the
date that fact was read. `vidbench models` shows it; config validation refuses a retired
model and names the replacement, before anything is sent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ModelStatus(enum.StrEnum):
    """Where a model is in its provider's lifecycle."""

    LIVE = "live"
    PREVIEW = "preview"
    DEPRECATED = "deprecated"  # still answers; shuts on `date`
    RETIRED = "retired"  # shut on `date`; calls fail


@dataclass(frozen=True)
class Lifecycle:
    """A model's status with its date, replacement, source and the date the source was read."""

    status: ModelStatus = ModelStatus.LIVE
    date: str = ""  # ISO date the model shuts (deprecated) or shut (retired)
    replacement: str = ""  # the provider model id to use instead
    source: str = ""  # where the fact was read (a public URL or a file in this repository)
    read_on: str = ""  # ISO date the source was read
    confirmed: bool = True  # False: third-party sources only (relays, aggregators)

    @property
    def retired(self) -> bool:
        """Whether calls to the model fail today."""
        return self.status is ModelStatus.RETIRED

    def describe(self) -> str:
        """One line for `vidbench models`, e.g. "retired 2026-10-22 → veo-3.1-generate-001"."""
        words = [self.status.value]
        if self.date:
            words.append(("shuts " if self.status is ModelStatus.DEPRECATED else "") + self.date)
        if self.replacement:
            words.append(f"→ {self.replacement}")
        if not self.confirmed:
            words.append("(third-party source)")
        return " ".join(words)

    def cite(self) -> str:
        """Source and read date, for the models table."""
        if not self.source:
            return ""
        return f"{self.source} (read {self.read_on})" if self.read_on else self.source


LIVE = Lifecycle()


def retired_problem(provider_model: str, adapter: str, lifecycle: Lifecycle) -> str:
    """The validation message for a config naming a retired model."""
    instead = f"; use {lifecycle.replacement!r} instead" if lifecycle.replacement else ""
    when = f" on {lifecycle.date}" if lifecycle.date else ""
    return (
        f"model {provider_model!r} of adapter {adapter} was retired{when}{instead} "
        f"(source: {lifecycle.cite() or 'provider notice'})"
    )
