"""One cheap request per endpoint before any create, so a dead endpoint stops the run at once.

DNS failure, a refused port, a TLS error or a refused key (401/403) would otherwise be found
job by job, each create retried and backed off. Every endpoint a run still needs is checked
at the same time (`Adapter.preflight`); if any cannot serve the run, nothing is sent to any
of them and the run stops with one message naming each dead endpoint and its models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from vidbench.core.run.runtime import ModelRuntime
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.http import CONNECT_TIMEOUT_S, PREFLIGHT_TIMEOUT_S

# The whole check of one endpoint: a connect timeout must surface as one (CONNECT_TIMEOUT_S),
# while a list answer slower than this only shows that the endpoint is there.
PREFLIGHT_DEADLINE_S = CONNECT_TIMEOUT_S + PREFLIGHT_TIMEOUT_S


def endpoint_label(adapter: Adapter) -> str:
    """ "<adapter> at <host[:port]>", the name a person recognises an endpoint by."""
    host = urlsplit(adapter.context.base_url).netloc or adapter.context.base_url
    return f"{adapter.name} at {host}"


@dataclass(frozen=True)
class DeadEndpoint:
    """An endpoint that cannot serve the run, the models sent there, and what it answered."""

    endpoint: str
    model_ids: tuple[str, ...]
    key_env_vars: tuple[str, ...]
    error: errors.ProviderError

    def __str__(self) -> str:
        models = ", ".join(self.model_ids)
        if isinstance(self.error, errors.AuthError):
            keys = " or ".join(self.key_env_vars) or "the configured key"
            why = f"the key in {keys} was refused ({self.error})"
        else:
            why = f"cannot connect ({self.error})"
        return f"{self.endpoint} (model {models}): {why}"


class PreflightFailed(errors.VidbenchError):
    """At least one endpoint cannot serve the run; nothing was sent."""

    def __init__(self, dead: list[DeadEndpoint]):
        self.dead = dead
        lines = "\n".join(f"  {d}" for d in dead)
        super().__init__(
            f"preflight: {len(dead)} endpoint(s) cannot serve this run; nothing was sent\n{lines}"
        )


def _endpoint_key(adapter: Adapter) -> tuple[str, str, tuple[str, ...]]:
    """Models behind the same endpoint with the same keys share one preflight."""
    env_vars = tuple(sorted(s.env_var for s in adapter.context.secrets.values()))
    return adapter.name, adapter.context.base_url, env_vars


async def _check(adapter: Adapter) -> errors.ProviderError | None:
    """What makes the endpoint unusable, or None when it answered at all."""
    try:
        await asyncio.wait_for(adapter.preflight(), PREFLIGHT_DEADLINE_S)
    except (errors.AuthError, errors.ConnectRefused) as exc:
        return exc
    except (TimeoutError, errors.ProviderError):
        return None  # connected, then slow, busy or refusing the read: the endpoint is there
    except Exception:  # noqa: BLE001 - an adapter's preflight bug must not stop a run
        return None
    return None


async def check_endpoints(runtimes: Iterable[ModelRuntime]) -> None:
    """Preflight every endpoint of `runtimes` that asks for one, all at once; raises
    PreflightFailed naming every dead one."""
    groups: dict[tuple[str, str, tuple[str, ...]], list[ModelRuntime]] = {}
    for runtime in runtimes:
        if runtime.preflight:
            groups.setdefault(_endpoint_key(runtime.adapter), []).append(runtime)
    found = await asyncio.gather(*(_check(group[0].adapter) for group in groups.values()))
    dead = [
        DeadEndpoint(
            endpoint_label(group[0].adapter),
            tuple(r.model_id for r in group),
            key,
            error,
        )
        for (_, _, key), group, error in zip(groups, groups.values(), found, strict=True)
        if error is not None
    ]
    if dead:
        raise PreflightFailed(dead)
