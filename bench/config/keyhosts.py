"""Where each key of a run will be sent, and which of those hosts are not the provider's own.

A shared config can name any `base_url`; the key from the user's environment would go there
as a Bearer token. Such a host is named before the first request and, like spending, needs
`--yes` or a confirmation on a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from vidbench.adapters import registry


@dataclass(frozen=True)
class ForeignKeyHost:
    """A key that would be sent to a host other than its provider's default."""

    model_id: str
    env_vars: tuple[str, ...]
    host: str
    default_host: str

    def __str__(self) -> str:
        names = ", ".join(self.env_vars)
        return (
            f"model {self.model_id}: {names} would be sent to {self.host} "
            f"(not the provider's own {self.default_host})"
        )


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


_confirmed: set[tuple[str, str]] = set()  # (env var, host) the user agreed to this process


def confirm(items: list[ForeignKeyHost]) -> None:
    """Remember that the user agreed to send these keys to these hosts (--yes or a prompt)."""
    _confirmed.update((env_var, item.host) for item in items for env_var in item.env_vars)


def is_confirmed(item: ForeignKeyHost) -> bool:
    """Whether every key of `item` was agreed to for its host in this process."""
    return all((env_var, item.host) in _confirmed for env_var in item.env_vars)


def own_hosts(env_var: str) -> set[str]:
    """The default hosts of every provider that declares `env_var` as its own key."""
    hosts = set()
    for name in registry.names():
        cls = registry.load_adapter(name)
        if env_var in cls.default_env.values():
            hosts.add(host_of(cls.default_base_url))
    return hosts


def judge_key_host(judge: Any) -> ForeignKeyHost | None:
    """The judge's key, when its endpoint is not a host of the provider that key belongs to
    (e.g. ARK_API_KEY to anything but Ark's own host). Any OpenAI-compatible URL can be a
    judge, so a shared config could otherwise aim your key anywhere."""
    if judge is None or judge.simulate or not judge.api_key_env:
        return None
    host = host_of(judge.endpoint)
    if host in own_hosts(judge.api_key_env):
        return None
    return ForeignKeyHost("judge", (judge.api_key_env,), host, "its provider's own host")
