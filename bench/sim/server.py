"""All provider simulators on one port over real HTTP (uvicorn in a thread), and `vidbench sim`.

The app and its URL layout are in `vidbench.core.sim.app`. Every provider package registered
in `adapters.registry` (built in or through the `vidbench.adapters` entry point) brings its
own `SimMount` (path segment, base path, routes); the server keeps no list of providers. The
judge scorer's endpoint is the one mount declared here. With `tls=True` the server speaks
https with a certificate made for it (`vidbench.core.sim.tls`), for SDKs that build https
URLs only (fal-client); a client trusts the printed certificate through `SSL_CERT_FILE`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.routing import BaseRoute

from vidbench.core import sim
from vidbench.core.sim import SIM_ACCESS_KEY, SIM_API_KEY, SIM_SECRET_KEY
from vidbench.core.sim.app import SimApp
from vidbench.core.sim.clip_cache import ClipCache
from vidbench.core.sim.common import FileEntry, Renderer, SimContext, SimMount
from vidbench.core.sim.counters import Stats
from vidbench.core.sim.files import FileStore
from vidbench.core.sim.profiles import PROFILES, Profile
from vidbench.core.sim.tls import TlsFiles, self_signed

logger = logging.getLogger("vidbench.core.sim")

# The judge scorer's OpenAI-compatible vision endpoint (config `judge.adapter: openai_chat`):
# a scorer's simulator, not a video provider, so it is not in the adapter registry.
JUDGE_ADAPTER = "openai_chat"

# The credential every simulator accepts for each secret role (unless its mount says).
SIM_SECRETS: dict[str, str] = {
    "api_key": sim.SIM_API_KEY,
    "access_key": sim.SIM_ACCESS_KEY,
    "secret_key": sim.SIM_SECRET_KEY,
}


def _judge_routes(ctx: SimContext) -> list[BaseRoute]:
    # Imported on first use: the judge pulls in OpenCV, which plain provider runs never need.
    from vidbench.core.sim import judge

    return judge.routes(ctx)


def mounts() -> dict[str, SimMount]:
    """Adapter name → simulator mount: every registered provider's, and the judge's."""
    registry = importlib.import_module("vidbench.adapters.registry")
    found: dict[str, SimMount] = registry.simulators()
    found[JUDGE_ADAPTER] = SimMount(segment="judge", base_path="judge/v1", routes=_judge_routes)
    return found


def adapter_paths() -> dict[str, str]:
    """Adapter name → base URL path under the server root, for every simulated adapter."""
    return {adapter: mount.base_path for adapter, mount in mounts().items()}


class SimServer:
    """Every provider simulator on one loopback port, in a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default_profile: str = "default",
        seed: int = 0,
        cache_dir: Path | None = None,
        profiles: dict[str, Profile] | None = None,
        settings: dict[str, dict[str, Any]] | None = None,
        tls: bool = False,
    ):
        self.host = host
        self.port = port
        self.profiles: dict[str, Profile] = {**PROFILES, **(profiles or {})}
        if default_profile not in self.profiles:
            raise KeyError(
                f"unknown simulator profile {default_profile!r}; known: {', '.join(self.profiles)}"
            )
        self.default_profile = default_profile
        self.seed = seed
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._private: tempfile.TemporaryDirectory[str] | None = None
        if cache_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="vidbench-sim-")
            cache_dir = Path(self._tmp.name)
        self.cache_dir = cache_dir
        self.settings = settings or {}  # provider → settings for every profile of it
        self.counters = Stats()
        self.files: FileStore[FileEntry] = FileStore()
        self.clips = ClipCache()
        self.renderer = Renderer(cache_dir)
        self._contexts: dict[tuple[str, str], SimContext] = {}
        self.mounts = mounts()  # adapter name → mount, read once per server
        self._app = SimApp(self)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.tls_files: TlsFiles | None = None  # https with a certificate made for this server
        if tls:
            self.tls_files = self_signed(self.private_dir / "tls", host)

    def mount_at(self, segment: str) -> SimMount | None:
        """The mount served under the path segment `segment`, if any."""
        return next((m for m in self.mounts.values() if m.segment == segment), None)

    def context(self, provider: str, profile: str | None = None) -> SimContext:
        """The state of one (provider, profile) simulator, created on first use."""
        name = profile or self.default_profile
        key = (provider, name)
        with self._lock:
            if key not in self._contexts:
                self._contexts[key] = SimContext(
                    provider,
                    self.profiles[name],
                    seed=self.seed,
                    stats=self.counters,
                    renderer=self.renderer,
                    files=self.files,
                    settings=self.settings.get(provider),
                )
            return self._contexts[key]

    def start(self) -> SimServer:
        """Start serving; returns once the port accepts connections."""
        # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
        # proto says TCP, and with Nagle on every response waited ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        tls = self.tls_files
        config = uvicorn.Config(
            self._app, log_level="warning", lifespan="off", access_log=False,
            ssl_certfile=str(tls.cert_path) if tls else None,
            ssl_keyfile=str(tls.key_path) if tls else None,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="sim-server"
        )
        self._thread.start()
        deadline = time.monotonic() + 10.0
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("simulator server failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and drop pending renders."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self._server = self._thread = None
        self.renderer.shutdown()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        if self._private is not None:
            self._private.cleanup()
            self._private = None

    @property
    def private_dir(self) -> Path:
        """A folder only this user can read (mode 0700), removed when the server stops:
        the TLS key and the credential files it writes."""
        if self._private is None:
            self._private = tempfile.TemporaryDirectory(prefix="vidbench-sim-private-")
            os.chmod(self._private.name, 0o700)
        return Path(self._private.name)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://HOST:PORT` of the running server (`https://` when serving TLS)."""
        return f"{'https' if self.tls_files else 'http'}://{self.host}:{self.port}"

    def base_url(self, adapter: str, profile: str | None = None) -> str:
        """The base URL an adapter is pointed at, optionally for a non-default profile."""
        if adapter not in self.mounts:
            known = ", ".join(self.mounts)
            raise KeyError(f"no simulator for adapter {adapter!r} (simulated: {known})")
        path = self.mounts[adapter].base_path
        if profile is None or profile == self.default_profile:
            return f"{self.url}/{path}"
        if profile not in self.profiles:
            raise KeyError(f"unknown simulator profile {profile!r}")
        return f"{self.url}/p/{profile}/{path}"

    def secret(self, adapter: str, role: str, profile: str | None = None) -> str:
        """The credential this simulator accepts for an adapter's secret `role`."""
        mount = self.mounts.get(adapter)
        value = (
            mount.secret(role, self.base_url(adapter, profile)) if mount and mount.secret else None
        )
        if value is not None:
            return value
        if role not in SIM_SECRETS:
            raise KeyError(f"the {adapter} simulator has no credential for role {role!r}")
        return SIM_SECRETS[role]

    def stats(self) -> dict[str, Any]:
        """Request and task counters (same as `GET /_sim/stats`)."""
        return self.counters.as_dict()


def write_credential_files(server: SimServer) -> dict[tuple[str, str], Path]:
    """Each JSON credential a mount gives (Vertex's service account, its `token_uri` this
    server's) as a file in the server's private folder (mode 0600): (adapter, role) → path.

    The account's key pair lives in this process, so the file is valid while it runs."""
    registry = importlib.import_module("vidbench.adapters.registry")
    written: dict[tuple[str, str], Path] = {}
    for adapter, mount in server.mounts.items():
        if mount.secret is None or adapter not in registry.names():
            continue
        for role in registry.get(adapter).secret_roles:
            value = mount.secret(role, server.base_url(adapter))
            if value is None or not value.lstrip().startswith("{"):
                continue
            path = server.private_dir / f"{adapter}-{role}.json"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(value)
            written[(adapter, role)] = path
    return written


def describe(server: SimServer) -> list[str]:
    """What `vidbench sim` prints: each base URL, the credentials, the files an SDK needs."""
    lines = [f"{adapter}: {server.base_url(adapter)}" for adapter in server.mounts]
    lines += [
        f"api key (Bearer / x-goog-api-key): {SIM_API_KEY}",
        f"access key (JWT issuer): {SIM_ACCESS_KEY}",
        f"secret key (JWT signing): {SIM_SECRET_KEY}",
    ]
    # The official SDKs' own settings (each takes a base URL and a key from its environment).
    if "runway" in server.mounts:
        runway = server.base_url("runway")
        lines.append(f"runwayml: RUNWAYML_API_SECRET={SIM_API_KEY} RUNWAYML_BASE_URL={runway}")
    if "luma" in server.mounts:
        luma = server.base_url("luma")
        lines.append(f"luma-agents: LUMA_AGENTS_API_KEY={SIM_API_KEY} LUMA_BASE_URL={luma}")
    for (adapter, role), path in write_credential_files(server).items():
        lines.append(f"{adapter} {role} file (GOOGLE_APPLICATION_CREDENTIALS): {path}")
    if server.tls_files is not None:
        lines.append(f"TLS CA certificate (SSL_CERT_FILE): {server.tls_files.cert_path}")
        if "fal" in server.mounts:
            host = server.base_url("fal").split("://", 1)[1]
            lines.append(f"fal-client: FAL_KEY={SIM_API_KEY} FAL_QUEUE_RUN_HOST={host}")
    lines.append(f"stats: {server.url}/_sim/stats")
    return lines


def serve(
    port: int, profile: str, host: str = "127.0.0.1", render_scale: float = 1.0, tls: bool = False
) -> None:
    """Run every simulator until interrupted (for `vidbench sim`); prints `describe` first, so
    a user's own client is not refused with a 401 it cannot explain; `render_scale` below 1
    renders smaller videos (cheap rehearsals); `tls` serves https."""
    settings = {mount.segment: {"render_scale": render_scale} for mount in mounts().values()}
    server = SimServer(host=host, port=port, default_profile=profile, settings=settings, tls=tls)
    server.start()
    try:
        print("\n".join(describe(server)), flush=True)
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m vidbench.core.sim.server --port N --profile NAME [--tls]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--render-scale", type=float, default=1.0)
    parser.add_argument("--tls", action="store_true", help="serve https with a new certificate")
    args = parser.parse_args(argv)
    serve(args.port, args.profile, args.host, args.render_scale, args.tls)


if __name__ == "__main__":
    main()
