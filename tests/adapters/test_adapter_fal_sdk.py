"""The official fal SDK (`fal-client`) completes a generation against the simulator.

fal-client builds every queue URL as `https://{FAL_QUEUE_RUN_HOST}/{model_id}` (https only),
so the simulator's app is served here over TLS with a certificate made for 127.0.0.1
(`vidbench.core.sim.tls`), trusted through `SSL_CERT_FILE`; the SDK itself is not patched. It
runs in its own process, configured only by environment variables, as a user would run it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer
from vidbench.core.sim.tls import TlsFiles, self_signed

pytest.importorskip("fal_client")

SDK_SCRIPT = """
import json, sys
import fal_client
updates = []
result = fal_client.subscribe(
    "bytedance/seedance-2.0/fast/text-to-video",
    arguments={"prompt": "a paper lantern drifts over a lake", "duration": "4", "resolution": "480p"},
    with_logs=True,
    on_queue_update=lambda status: updates.append(type(status).__name__),
)
from fal_client.client import FalClientHTTPError
try:
    fal_client.submit("bytedance/seedance-2.0/fast/text-to-video", arguments={"prompt": "x", "duration": "3"})
except FalClientHTTPError as exc:
    error = [exc.status_code, str(exc)]
else:
    error = None
print(json.dumps({"result": result, "updates": updates, "error": error}))
"""
PROFILES = {"quick": Profile("quick", "queued, then runs", queue_s=(0.3, 0.0), run_s=(0.3, 0.0))}


@pytest.fixture(scope="module")
def tls_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimServer, int, TlsFiles]]:
    """The simulators' app on a second, TLS port (the plain server keeps serving /files/)."""
    files = self_signed(tmp_path_factory.mktemp("tls"))
    with SimServer(default_profile="quick", profiles=PROFILES, seed=2) as server:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            server._app,  # the same app, so the same simulator state
            log_level="warning",
            lifespan="off",
            ssl_certfile=str(files.cert_path),
            ssl_keyfile=str(files.key_path),
        )
        tls_server = uvicorn.Server(config)
        thread = threading.Thread(target=tls_server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not tls_server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        yield server, sock.getsockname()[1], files
        tls_server.should_exit = True
        thread.join(timeout=10)


def test_key_file_is_private(tls_sim: tuple[SimServer, int, TlsFiles]) -> None:
    files = tls_sim[2]
    assert files.key_path.stat().st_mode & 0o777 == 0o600
    assert b"BEGIN CERTIFICATE" in files.cert_path.read_bytes()


def test_fal_client_subscribe_completes_a_generation(
    tls_sim: tuple[SimServer, int, TlsFiles], tmp_path: Path
) -> None:
    server, port, files = tls_sim
    env = {
        **os.environ,
        "FAL_KEY": SIM_API_KEY,
        "FAL_QUEUE_RUN_HOST": f"127.0.0.1:{port}/fal",
        "SSL_CERT_FILE": str(files.cert_path),
        "HOME": str(tmp_path),  # no saved `fal auth login` tokens are read
    }
    done = subprocess.run(
        [sys.executable, "-c", SDK_SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    video_url = answer["result"]["video"]["url"]
    assert video_url.startswith(f"https://127.0.0.1:{port}/files/")
    assert {"Queued", "InProgress", "Completed"} <= set(answer["updates"])
    status_code, message = answer["error"]  # "3" is not one of the model's durations
    assert status_code == 422 and "duration" in message
    created = {row["provider"]: row["count"] for row in server.stats()["tasks_created"]}
    assert created == {"fal": 1}
