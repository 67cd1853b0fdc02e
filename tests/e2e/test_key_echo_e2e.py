"""A provider (or gateway) that echoes the key in every answer: the key reaches no file, no
report and no console line; a key bound for a foreign host needs --yes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from e2e_helpers import write_config

KEY = "ak-echo-9f8e7d6c5b4a39281706f5e4d3c2b1a0"  # test-only


class EchoHandler(BaseHTTPRequestHandler):
    """Answers every request with an error whose body, headers and message echo the key."""

    hits: list[str] = []

    def _answer(self, status: int) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        EchoHandler.hits.append(self.path)
        body = json.dumps(
            {
                "error": {
                    "code": f"Echo{token[:12]}",
                    "message": f"bad header {auth}; key={quote(token)}; part {token[4:20]}",
                }
            }
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-request-id", token)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(400 if len(EchoHandler.hits) % 2 else 401)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(500)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    EchoHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v3"
    server.shutdown()


def _config(tmp_path: Path, url: str, small_suite: Path) -> Path:
    return write_config(
        tmp_path,
        (
            f"  - {{id: seedance, adapter: ark, model: doubao-seedance-2-0-260128, "
            f"base_url: '{url}', api_key_env: ARK_API_KEY}}\n"
            f"  - {{id: fast, adapter: ark, model: doubao-seedance-2-0-fast-260128, "
            f"base_url: '{url}', api_key_env: ARK_API_KEY}}\n"
        ),
    )


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ARK_API_KEY=KEY)
    return subprocess.run(
        [sys.executable, "-m", "vidbench.cli.app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_echoed_key_is_written_nowhere(tmp_path: Path, echo_url: str, small_suite: Path) -> None:
    config = _config(tmp_path, echo_url, small_suite)
    result = _run(["run", str(config), "--yes"])
    assert EchoHandler.hits, "the endpoint was never called"
    console = result.stdout + result.stderr
    assert "would be sent to http://127.0.0.1" in " ".join(console.split())  # even with --yes
    runs = list((tmp_path / "runs").glob("*"))
    assert runs, console
    pieces = [KEY, quote(KEY), KEY[4:20], KEY[:12]]
    for path in runs[0].rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for piece in pieces:
                assert piece.encode() not in data, (path, piece)
    for piece in pieces:
        assert piece not in console
    records = (runs[0] / "records.jsonl").read_text()
    assert '"finished"' in records and "errored" in records


def test_key_to_a_foreign_host_needs_yes(tmp_path: Path, echo_url: str, small_suite: Path) -> None:
    config = _config(tmp_path, echo_url, small_suite)
    result = _run(["run", str(config)])
    assert result.returncode == 2, result.stderr
    assert "ARK_API_KEY would be sent to http://127.0.0.1" in " ".join(result.stderr.split())
    assert EchoHandler.hits == []


def test_a_non_key_variable_is_refused_by_validate(tmp_path: Path, small_suite: Path) -> None:
    config = write_config(
        tmp_path,
        "  - {id: s, adapter: ark, model: doubao-seedance-2-0-260128, api_key_env: AWS_SESSION_TOKEN}\n",
    )
    result = _run(["validate", str(config)])
    assert result.returncode == 2
    assert "AWS_SESSION_TOKEN is not a key variable" in " ".join(result.stderr.split())
