"""Where each key of a run will be sent, and which of those hosts are not the provider's own.

A shared config can name any `base_url`; the key from the user's environment would go there
as a Bearer token. Such a host is named before the first request and, like spending, needs
`--yes` or a confirmation on a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bench.adapter import load_adapter
from bench.adapter_factory import required_secrets
from bench.config import LoadedConfig


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


def _host(url: str) -> str:
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
    from adapters import registry

    hosts = set()
    for name in registry.names():
        cls = load_adapter(name)
        if env_var in cls.default_env.values():
            hosts.add(_host(cls.default_base_url))
    return hosts


def judge_key_host(judge: Any) -> ForeignKeyHost | None:
    """The judge's key, when its endpoint is not a host of the provider that key belongs to
    (e.g. ARK_API_KEY to anything but Ark's own host). Any OpenAI-compatible URL can be a
    judge, so a shared config could otherwise aim your key anywhere."""
    if judge is None or judge.simulate or not judge.api_key_env:
        return None
    host = _host(judge.endpoint)
    if host in own_hosts(judge.api_key_env):
        return None
    return ForeignKeyHost("judge", (judge.api_key_env,), host, "its provider's own host")


def foreign_key_hosts(config: LoadedConfig) -> list[ForeignKeyHost]:
    """Every non-simulated model (and the judge) whose keys go to a host other than the
    provider's default."""
    judge = judge_key_host(getattr(config.config, "judge", None))
    out = [judge] if judge is not None else []
    for model in config.config.models:
        if model.simulate is not None or not model.base_url:
            continue
        default = load_adapter(model.adapter).default_base_url
        if _host(model.base_url) == _host(default):
            continue
        env_vars = tuple(v for v in required_secrets(model).values() if v)
        if env_vars:
            out.append(ForeignKeyHost(model.id, env_vars, _host(model.base_url), _host(default)))
    return out
