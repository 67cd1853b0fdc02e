"""Why jobs did not succeed, grouped and counted per model, read from records.jsonl.

The console's last lines and both reports show the same block, so it is computed once here,
below the run stage and the reports: "20 × ConnectError: Name or service not known — ark at
ark.cn-beijing.volces.com". Only the records are read (a run directory's own truth), so an
old run directory groups as well as a new one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MESSAGE_LIMIT_CHARS = 200
ENDPOINT_LIMIT_CHARS = 200  # records are input too: a copied run directory may hold anything
# Statuses that are not failures: a result, a refusal to plan, or the budget (exit 3 says so).
NOT_FAILURES = frozenset({"succeeded", "unsupported", "skipped"})
# Decorations the runner puts before the provider's words; the cause is what follows.
_PREFIXES = (
    re.compile(r"^not sent: an earlier request failed: "),
    re.compile(r"^create failed \d+ times: "),
    re.compile(r"^polling failed: "),
    re.compile(r"^download: "),
)
# Parts that differ per request and would split one cause into many.
_PER_REQUEST = re.compile(r" \| request_id=[^|]*")


@dataclass(frozen=True)
class Cause:
    """One failure cause of one model: how many jobs it ended, and where they were sent."""

    model: str  # the config's model id
    count: int
    kind: str  # the `error_kind` (or the status where none was recorded)
    message: str  # the provider's or the harness's words, without per-request ids
    endpoint: str  # "<adapter> at <host[:port]>", or the adapter name when the host is unknown


def cause_message(detail: str | None, adapter: str = "") -> str:
    """A failure detail without the runner's decorations, the adapter's name prefix and
    per-request ids, bounded: the part that is the same for every job it ended."""
    text = (detail or "").strip()
    for prefix in _PREFIXES:
        text = prefix.sub("", text)
    if adapter and text.startswith(f"{adapter}: "):
        text = text[len(adapter) + 2 :]
    text = _PER_REQUEST.sub("", text).strip()
    if len(text) > MESSAGE_LIMIT_CHARS:
        text = text[:MESSAGE_LIMIT_CHARS] + "…"
    return text or "no detail recorded"


def group_failure_causes(
    records: Iterable[Mapping[str, Any]], endpoints: Mapping[str, str] | None = None
) -> list[Cause]:
    """Every job's last `finished` record that is not a success, grouped by (model, kind,
    message, endpoint); per model the commonest cause first, models in planning order.

    `endpoints` (model id → "<adapter> at <host>") names the endpoint for records that do
    not carry one (runs written before the `endpoint` field).
    """
    planned: dict[str, dict[str, Any]] = {}
    last_finished: dict[str, Mapping[str, Any]] = {}
    for record in records:
        job_id = record.get("job_id")
        if not isinstance(job_id, str):
            continue
        if record.get("event") == "planned" and isinstance(record.get("job"), dict):
            planned.setdefault(job_id, record["job"])
        elif record.get("event") == "finished":
            last_finished[job_id] = record
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for job_id, record in last_finished.items():
        status = str(record.get("status") or "")
        if status in NOT_FAILURES:
            continue
        job = planned.get(job_id, {})
        model = str(job.get("model_id") or job_id.split("__", 1)[0])
        adapter = str(job.get("adapter") or "")
        endpoint = _endpoint(record, (endpoints or {}).get(model) or adapter)
        kind = str(record.get("error_kind") or status or "unknown")
        detail = record.get("detail")
        message = cause_message(detail if isinstance(detail, str) else None, adapter)
        counts[(model[:ENDPOINT_LIMIT_CHARS], kind[:80], message, endpoint)] += 1
    order = {model: index for index, model in enumerate(_models_in_order(planned))}
    causes = [Cause(m, n, k, msg, e) for (m, k, msg, e), n in counts.items()]
    return sorted(causes, key=lambda c: (order.get(c.model, len(order)), -c.count, c.message))


def _endpoint(record: Mapping[str, Any], fallback: str) -> str:
    """The record's `endpoint` (a string, bounded), else `fallback`, else "?"."""
    recorded = record.get("endpoint")
    endpoint = recorded if isinstance(recorded, str) and recorded else fallback
    return (endpoint or "?")[:ENDPOINT_LIMIT_CHARS]


def _models_in_order(planned: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Model ids in the order their first job was planned."""
    seen: dict[str, None] = {}
    for job in planned.values():
        seen.setdefault(str(job.get("model_id")), None)
    return list(seen)


def format_cause(cause: Cause) -> str:
    """One console or report line: "20 × ConnectError: … (transient) — ark at host"."""
    return f"{cause.count} × {cause.message} ({cause.kind}) — {cause.endpoint}"
