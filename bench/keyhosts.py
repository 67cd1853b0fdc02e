"""Where each key of a run will be sent, and which of those hosts are not the provider's own.

A shared config can name any `base_url`; the key from the user's environment would go there
as a Bearer token. Such a host is named before the first request and, like spending, needs
`--yes` or a confirmation on a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.adapter import load_adapter
from bench.config import LoadedConfig
from bench.plan import required_secrets


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


def foreign_key_hosts(config: LoadedConfig) -> list[ForeignKeyHost]:
    """Every non-simulated model whose keys go to a base_url host other than the default."""
    out = []
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
