"""The typed error tree. Errors carry provider, status, request id and a truncated body.

Nothing here ever holds a key: a ProviderError redacts its message and body on construction
with `vidbench.core.seam.secrets.redact` (every registered key, bearer tokens, JWTs), whoever builds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vidbench.core.seam.secrets import redact
from vidbench.core.seam.types import ErrorKind

BODY_LIMIT_CHARS = 500


class VidbenchError(Exception):
    """Base of every error vidbench raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's file: where, what, and how to fix it."""

    file: str
    location: str  # dotted field path, e.g. "models[1].adapter"
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.location}: {self.message}"


class ValidationFailed(VidbenchError):
    """A config or suite file is invalid; lists every problem found in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s):\n{lines}")


class MissingSecret(VidbenchError):
    """An environment variable that must hold a key is unset."""

    def __init__(self, model_id: str, env_var: str):
        self.env_var = env_var
        super().__init__(
            f"model {model_id!r}: environment variable {env_var} is not set; "
            f"export {env_var}=... (or use `simulate: PROFILE` to run against the simulator)"
        )


class RunLocked(VidbenchError):
    """Another process is writing this run directory (it holds `<run>/.lock`)."""

    def __init__(self, run_dir: object, holder: dict[str, object]):
        self.run_dir = run_dir
        self.holder = holder
        who = f"pid {holder.get('pid', '?')}"
        if holder.get("host"):
            who += f" on {holder['host']}"
        if holder.get("command"):
            who += f" (vidbench {holder['command']}, since {holder.get('since', '?')})"
        super().__init__(
            f"{run_dir} is in use by another vidbench process: {who}. Wait for it to finish, "
            "or stop it; a lock left by a process that died is taken over automatically."
        )


class BudgetExceeded(VidbenchError):
    """The plan's estimated cost is above the budget."""


class ProviderError(VidbenchError):
    """An HTTP-level or API-level error from a provider."""

    kind: ErrorKind = ErrorKind.TRANSIENT

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: str | None = None,
    ):
        message = redact(message)
        self.message = message  # the provider's own words, redacted, without our decorations
        self.provider = provider
        self.status_code = status_code
        self.code = None if code is None else redact(code)
        self.request_id = None if request_id is None else redact(request_id)
        self.body = redact(body or "")[:BODY_LIMIT_CHARS]
        parts = [f"{provider}: {message}" if provider else message]
        if status_code is not None:
            parts.append(f"HTTP {status_code}")
        if self.code:
            parts.append(f"code={self.code}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        super().__init__(" | ".join(parts))


class RateLimited(ProviderError):
    """429 or a provider code meaning 'slow down'; nothing was created."""

    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after_s = retry_after_s


class TransientError(ProviderError):
    """5xx, 408 or a transport fault: may succeed later. For a create, outcome unknown."""

    kind = ErrorKind.TRANSIENT


class ConnectRefused(TransientError):
    """The connection failed before the request was sent: certainly nothing was created."""


class AnswerOutOfBounds(TransientError):
    """An answer over a bound: body larger than its kind's cap, or not whole within the
    request's overall deadline. Transient, because a create whose answer was cut off may
    still have made a task (the runner reconciles it); the judge does not ask again."""


class ImplausibleUsage(ProviderError):
    """An answer's usage (tokens) that the request could not have produced: not a cost."""

    kind = ErrorKind.IMPLAUSIBLE_USAGE


class AuthError(ProviderError):
    kind = ErrorKind.AUTH


class BillingError(ProviderError):
    kind = ErrorKind.BILLING


class InvalidRequest(ProviderError):
    kind = ErrorKind.INVALID_REQUEST


class NotFound(InvalidRequest):
    """The task, model or endpoint does not exist (or no longer does)."""


class ModelGone(InvalidRequest):
    """The endpoint says the model or the whole API was shut down."""


class ContentRejected(ProviderError):
    kind = ErrorKind.CONTENT_REJECTED


class UnsupportedRequest(VidbenchError):
    """The model cannot serve this request (planner-side, before any money is spent)."""


def truncate(text: str, limit: int = BODY_LIMIT_CHARS) -> str:
    """Shorten text for an error message or record."""
    return text if len(text) <= limit else text[:limit] + "…"


def retype(
    error: ProviderError,
    kind: type[ProviderError],
    message: str | None = None,
    *,
    provider: str | None = None,
    request_id: str | None = None,
) -> ProviderError:
    """`error` as a sharper `kind` (an adapter's refine hook): status, code, request id and
    body kept; `message` replaces the provider's words where given, `provider` and
    `request_id` where the adapter knows better. A `RateLimited` keeps the wait it was told."""
    fields: dict[str, Any] = {
        "provider": error.provider if provider is None else provider,
        "status_code": error.status_code,
        "code": error.code,
        "request_id": error.request_id if request_id is None else request_id,
        "body": error.body,
    }
    text = error.message if message is None else message
    if issubclass(kind, RateLimited):
        retry_after_s = error.retry_after_s if isinstance(error, RateLimited) else None
        return kind(text, retry_after_s=retry_after_s, **fields)
    return kind(text, **fields)
