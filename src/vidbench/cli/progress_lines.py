"""Progress for output that is not a terminal (CI logs, cron mail, `| tee`): a plain line
every few seconds from a background thread, so a long stage shows it is alive even while
no job changes state.
"""

from __future__ import annotations

import os
import threading
import time
from types import TracebackType

from rich.console import Console
from rich.progress import Progress

PROGRESS_EVERY_ENV = "VIDBENCH_PROGRESS_EVERY_S"
PROGRESS_EVERY_S = 10.0


def progress_every_s() -> float:
    """Seconds between lines: $VIDBENCH_PROGRESS_EVERY_S (tests set it low), else 10."""
    raw = os.environ.get(PROGRESS_EVERY_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return PROGRESS_EVERY_S
    return value if 0.01 <= value <= 3600 else PROGRESS_EVERY_S


def eta_text(done: int, total: int, elapsed_s: float) -> str:
    """The time left at the pace so far ("?" before the first item is done)."""
    if total <= 0 or done >= total:
        return "0 s"
    if done <= 0:
        return "?"
    return f"{elapsed_s / done * (total - done):.0f} s"


class ProgressLines:
    """Prints "<label>: done/total · <detail> · elapsed · ETA" every `every_s` while entered
    (only when `console` is not a terminal; on a terminal the rich bar shows it), and once
    more when the stage ends."""

    def __init__(self, console: Console, label: str, every_s: float | None = None):
        self.console = console
        self.label = label
        self.every_s = progress_every_s() if every_s is None else every_s
        self.enabled = not console.is_terminal
        self._lock = threading.Lock()
        self._state: tuple[int, int, str] = (0, 0, "")
        self._started_s = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set(self, done: int, total: int, detail: str = "") -> None:
        """The latest counts (called from the stage's progress callback)."""
        with self._lock:
            self._state = (done, total, detail)

    def line(self) -> str:
        """The line as it would be printed now."""
        with self._lock:
            done, total, detail = self._state
        elapsed_s = time.monotonic() - self._started_s
        parts = [f"{self.label}: {done}/{total}"]
        if detail:
            parts.append(detail)
        parts += [f"elapsed {elapsed_s:.0f} s", f"ETA {eta_text(done, total, elapsed_s)}"]
        return " · ".join(parts)

    def _tick(self) -> None:
        while not self._stop.wait(self.every_s):
            with self._lock:
                started = self._state[1] > 0  # nothing to say before the stage knows its size
            if started:
                self.console.print(self.line(), markup=False, highlight=False)

    def __enter__(self) -> ProgressLines:
        self._started_s = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            if exc is None:  # a stage that failed says why instead
                self.console.print(self.line(), markup=False, highlight=False)


class Both:
    """Enter a rich progress bar and its plain-line twin together."""

    def __init__(self, bar: Progress, lines: ProgressLines):
        self.bar = bar
        self.lines = lines

    def __enter__(self) -> Both:
        self.bar.__enter__()
        self.lines.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.lines.__exit__(kind, exc, tb)
        self.bar.__exit__(kind, exc, tb)
