"""`vidbench sim --tls` as a user runs it: a separate process whose printed lines are all an
official SDK needs — fal-client (https only) and google-genai on Vertex (a service-account
file the simulator wrote, its token endpoint the simulator's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fal_client")
pytest.importorskip("google.genai")

FAL_SCRIPT = """
import json, fal_client
result = fal_client.subscribe(
    "bytedance/seedance-2.0/fast/text-to-video",
    arguments={"prompt": "a paper lantern drifts over a lake", "duration": "4", "resolution": "480p"},
)
print(json.dumps(result))
"""
VERTEX_SCRIPT = """
import json, os, sys, time
from google import genai
from google.genai import types
from google.oauth2 import service_account
credentials = service_account.Credentials.from_service_account_file(
    os.environ["GOOGLE_APPLICATION_CREDENTIALS"],
    scopes=["https://www.googleapis.com/auth/cloud-platform"],
)
client = genai.Client(
    vertexai=True, project="sim-project", location="us-central1", credentials=credentials,
    http_options=types.HttpOptions(base_url=sys.argv[1] + "/"),
)
operation = client.models.generate_videos(
    model="veo-3.1-fast-generate-001",
    source=types.GenerateVideosSource(prompt="a red ball bounces on green grass"),
    config=types.GenerateVideosConfig(duration_seconds=4, number_of_videos=1),
)
deadline = time.monotonic() + 60
while not operation.done and time.monotonic() < deadline:
    time.sleep(0.2)
    operation = client.operations.get(operation)
video = operation.result.generated_videos[0].video
print(json.dumps({"magic": video.video_bytes[4:8].decode(), "token": credentials.token[:9]}))
"""


@pytest.fixture(scope="module")
def printed() -> Iterator[dict[str, str]]:
    """The lines a standalone `vidbench sim --tls` printed, as label → value."""
    command = [sys.executable, "-m", "vidbench", "sim", "--port", "0", "--profile", "instant",
               "--render-scale", "0.25", "--tls"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip()]
        while not lines[-1].startswith("stats:"):
            assert lines[-1] or proc.poll() is None, "vidbench sim exited"
            lines.append(proc.stdout.readline().strip())
        yield dict(line.split(": ", 1) for line in lines)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def sdk_env(printed: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    cert = printed["TLS CA certificate (SSL_CERT_FILE)"]
    return {**os.environ, "SSL_CERT_FILE": cert, "REQUESTS_CA_BUNDLE": cert,
            "HOME": str(tmp_path), **extra}  # fmt: skip


def test_prints_https_urls_a_private_certificate_and_identifies_itself(
    printed: dict[str, str],
) -> None:
    assert printed["fal"].startswith("https://127.0.0.1:")
    cert = printed["TLS CA certificate (SSL_CERT_FILE)"]
    answer = httpx.get(printed["stats"], verify=cert)
    assert answer.status_code == 200 and answer.headers["x-vidbench-simulator"] == "1"
    account = Path(printed["vertex_veo service_account file (GOOGLE_APPLICATION_CREDENTIALS)"])
    assert account.stat().st_mode & 0o777 == 0o600
    assert account.parent.stat().st_mode & 0o777 == 0o700
    assert json.loads(account.read_text())["token_uri"] == printed["vertex_veo"] + "/token"


def test_fal_client_with_only_the_printed_settings(printed: dict[str, str], tmp_path: Path) -> None:
    settings = dict(pair.split("=", 1) for pair in printed["fal-client"].split())
    done = subprocess.run(
        [sys.executable, "-c", FAL_SCRIPT], env=sdk_env(printed, tmp_path, **settings),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    video_url = json.loads(done.stdout.strip().splitlines()[-1])["video"]["url"]
    assert video_url.startswith(printed["stats"].split("/_sim")[0] + "/files/")


def test_google_genai_vertex_with_the_printed_service_account(
    printed: dict[str, str], tmp_path: Path
) -> None:
    account = printed["vertex_veo service_account file (GOOGLE_APPLICATION_CREDENTIALS)"]
    done = subprocess.run(
        [sys.executable, "-c", VERTEX_SCRIPT, printed["vertex_veo"]],
        env=sdk_env(printed, tmp_path, GOOGLE_APPLICATION_CREDENTIALS=account),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "magic": "ftyp",
        "token": "ya29.sim-",
    }
