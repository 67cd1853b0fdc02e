"""Secrets: the one redaction function, and the registry of every key this process holds.

A key enters vidbench only as a `Secret` (read from the environment by the pipeline, or a
simulator's fixed key); creating one registers its value here. `redact` then removes every
registered value — whole, URL-encoded, or echoed in part (any run of `PARTIAL_RUN_CHARS` or
more characters of a key of at least `PARTIAL_MIN_KEY_CHARS`) — plus bearer tokens and JWTs, from any text. It is applied where text
from outside becomes ours: every `ProviderError` (so every record, report and console line
built from one), the HTTP seam's error bodies, and the journal as a last net.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
PARTIAL_RUN_CHARS = 10  # a shared run this long with a key is the key, echoed in part
PARTIAL_MIN_KEY_CHARS = 16  # shorter values (simulator keys, test keys) are masked only whole
MIN_SECRET_CHARS = 6  # shorter values are no key; masking them would eat ordinary words
# Environment variable names that may hold a key besides those an adapter declares.
KEY_NAME_PATTERNS = ("*_API_KEY", "*_ACCESS_KEY", "*_SECRET_KEY")

_BEARER = re.compile(r"(?i)\b(Bearer)\s+[A-Za-z0-9._~+/=-]{6,}")
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+")

_lock = threading.Lock()
_values: set[str] = set()
_runs: dict[str, None] = {}  # every PARTIAL_RUN_CHARS-long run of every registered form


def _service_account_parts(value: str) -> list[str] | None:
    """The secret parts of a Google service-account JSON document (the private key's body,
    raw and as JSON escapes it, and its id), or None for any other value. The rest of such a
    document is no secret: its URLs (the simulators' token_uri is a server's own address) and
    e-mail would be masked wherever a 10-character run of them appears, in every answer."""
    if not value.lstrip().startswith("{"):
        return None
    try:
        document = json.loads(value)
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("private_key"), str):
        return None
    lines = document["private_key"].strip().splitlines()
    body = [line for line in lines if line and not line.startswith("-----")]
    parts = ["\n".join(body), "\\n".join(body)]
    if isinstance(document.get("private_key_id"), str):
        parts.append(document["private_key_id"])
    return [part for part in parts if part]


def register(value: str) -> None:
    """Remember a secret value (and its URL-encoded forms) for every later `redact`; of a
    service-account document, only its secret parts."""
    if len(value) < MIN_SECRET_CHARS:
        return
    parts = _service_account_parts(value)
    if parts is not None:
        for part in parts:
            register(part)
        return
    forms = {value, quote(value, safe=""), quote_plus(value)}
    with _lock:
        for form in forms - _values:
            _values.add(form)
            if len(form) < PARTIAL_MIN_KEY_CHARS:
                continue
            for start in range(len(form) - PARTIAL_RUN_CHARS + 1):
                _runs[form[start : start + PARTIAL_RUN_CHARS]] = None


def snapshot() -> tuple[frozenset[str], dict[str, None]]:
    """The registry's contents (tests restore it so one test's keys do not mask another's)."""
    with _lock:
        return frozenset(_values), dict(_runs)


def restore(state: tuple[frozenset[str], dict[str, None]]) -> None:
    """Put back a `snapshot`."""
    with _lock:
        _values.clear()
        _values.update(state[0])
        _runs.clear()
        _runs.update(state[1])


def registered_count() -> int:
    """How many secret forms are registered (for tests and `doctor`)."""
    with _lock:
        return len(_values)


def _mask_spans(text: str, extra: tuple[str, ...]) -> str:
    """Replace every span of `text` covered by a registered run or an extra value."""
    covered = bytearray(len(text))
    extra_runs = {
        value[start : start + PARTIAL_RUN_CHARS]: None
        for value in extra
        if len(value) >= PARTIAL_MIN_KEY_CHARS
        for start in range(len(value) - PARTIAL_RUN_CHARS + 1)
    }
    with _lock:
        short = [v for v in _values if len(v) < PARTIAL_MIN_KEY_CHARS]
        short += [v for v in extra if MIN_SECRET_CHARS <= len(v) < PARTIAL_MIN_KEY_CHARS]
        runs = _runs
        for value in short:
            start = text.find(value)
            while start != -1:
                covered[start : start + len(value)] = b"\x01" * len(value)
                start = text.find(value, start + 1)
        if runs or extra_runs:
            width = PARTIAL_RUN_CHARS
            for start in range(len(text) - width + 1):
                run = text[start : start + width]
                if run in runs or run in extra_runs:
                    covered[start : start + width] = b"\x01" * width
    if not any(covered):
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        if covered[index]:
            while index < len(text) and covered[index]:
                index += 1
            out.append(MASK)
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def redact(text: str, extra: tuple[str, ...] | list[str] = ()) -> str:
    """`text` without any registered secret (whole, URL-encoded or in part), any of `extra`,
    any bearer token or any JWT."""
    if not text:
        return text
    text = _mask_spans(text, tuple(extra))
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return _JWT.sub(MASK, text)


# Well-known cloud and CI credentials: never a video provider's key, whatever their suffix
# (AWS_SECRET_ACCESS_KEY ends in _ACCESS_KEY), unless an adapter declares one as its own.
CREDENTIAL_PREFIXES = (
    "AWS_", "AZURE_", "GOOGLE_", "GITHUB_", "GH_", "GITLAB_", "CI_", "ACTIONS_", "PYPI_",
    "DOCKER_", "HEROKU_", "DIGITALOCEAN_", "SSH_",
)  # fmt: skip
CREDENTIAL_NAMES = ("GITHUB_TOKEN", "NPM_TOKEN")


def key_refusal(env_var: str, declared: tuple[str, ...] | list[str] = ()) -> str | None:
    """Why a config may not read a key from `env_var`, or None when it may: the adapter's own
    variables, or a name shaped like a key that is no well-known cloud/CI credential."""
    if env_var in declared:
        return None
    if not any(fnmatch.fnmatchcase(env_var, p) for p in KEY_NAME_PATTERNS):
        return f"{env_var} is not a key variable"
    if env_var in CREDENTIAL_NAMES or env_var.startswith(CREDENTIAL_PREFIXES):
        return f"{env_var} is a cloud/CI credential, never sent to a video provider"
    return None


def may_hold_key(env_var: str, declared: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a config may read a key from `env_var` (see `key_refusal`): so a shared config
    cannot send, say, AWS_SESSION_TOKEN, AWS_SECRET_ACCESS_KEY or HOME."""
    return key_refusal(env_var, declared) is None


class Secret:
    """A key read from the environment; its repr never shows the value."""

    __slots__ = ("_value", "env_var")

    def __init__(self, value: str, env_var: str):
        self._value = value
        self.env_var = env_var
        register(value)

    def reveal(self) -> str:
        """The value, for the one header that carries it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret(env={self.env_var}, value=***)"

    __str__ = __repr__
