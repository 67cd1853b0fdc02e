"""Request and task counters of the simulator server (the body of `GET /_sim/stats`)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe request counters by (provider, profile, operation, status code)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str, str, int]] = Counter()
        self._created: Counter[tuple[str, str]] = Counter()

    def record(self, provider: str, profile: str, operation: str, status: int) -> None:
        """Count one answered request."""
        with self._lock:
            self._requests[(provider, profile, operation, status)] += 1

    def task_created(self, provider: str, profile: str) -> None:
        """Count one created task (billed or not)."""
        with self._lock:
            self._created[(provider, profile)] += 1

    def count(
        self,
        provider: str | None = None,
        profile: str | None = None,
        operation: str | None = None,
        status: int | None = None,
    ) -> int:
        """Requests matching every given field."""
        want = (provider, profile, operation, status)
        with self._lock:
            items = list(self._requests.items())
        return sum(
            n
            for key, n in items
            if all(w is None or w == k for w, k in zip(want, key, strict=True))
        )

    def created(self, provider: str | None = None, profile: str | None = None) -> int:
        """Tasks created, optionally for one provider and/or profile."""
        with self._lock:
            items = list(self._created.items())
        return sum(
            n
            for (prov, prof), n in items
            if (provider is None or prov == provider) and (profile is None or prof == profile)
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready snapshot (the body of `GET /_sim/stats`)."""
        with self._lock:
            requests = sorted(self._requests.items())
            created = sorted(self._created.items())
        return {
            "requests": [
                {"provider": p, "profile": f, "operation": o, "status": s, "count": n}
                for (p, f, o, s), n in requests
            ],
            "tasks_created": [{"provider": p, "profile": f, "count": n} for (p, f), n in created],
            "total_requests": sum(n for _, n in requests),
        }
