"""The official google-genai SDK against `vidbench sim`: a Vertex Veo generation and a Gemini
Omni interaction, with the Vertex token minted by google-auth from the simulator."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest

from vidbench.core.sim.server import SimServer

genai = pytest.importorskip("google.genai")
from google.genai import types  # noqa: E402
from google.oauth2 import service_account  # noqa: E402

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="instant", seed=2) as srv:
        yield srv


def test_vertex_veo_generation_with_google_auth_token(server: SimServer) -> None:
    info = json.loads(server.secret("vertex_veo", "service_account"))
    credentials = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    client = genai.Client(
        vertexai=True, project="sim-project", location="us-central1", credentials=credentials,
        http_options=types.HttpOptions(base_url=server.base_url("vertex_veo") + "/"),
    )  # fmt: skip
    operation = client.models.generate_videos(
        model="veo-3.1-fast-generate-001",
        source=types.GenerateVideosSource(prompt="a red ball bounces on green grass"),
        config=types.GenerateVideosConfig(duration_seconds=4, number_of_videos=1),
    )
    deadline = time.monotonic() + 60
    while not operation.done and time.monotonic() < deadline:
        time.sleep(0.2)
        operation = client.operations.get(operation)
    assert operation.done and operation.result is not None
    video = operation.result.generated_videos[0].video
    assert video is not None and video.video_bytes is not None and video.video_bytes[4:8] == b"ftyp"
    assert credentials.token is not None and credentials.token.startswith("ya29.sim-")


def test_gemini_omni_interaction_completes_with_a_video(server: SimServer) -> None:
    from vidbench.core.sim import SIM_API_KEY

    client = genai.Client(
        api_key=SIM_API_KEY,
        http_options=types.HttpOptions(base_url=server.base_url("gemini_omni"), api_version="v1"),
    )
    interaction = client.interactions.create(
        model="gemini-omni-1.2-flash",
        input="a yellow raincoat girl walks her corgi",
        response_format={
            "type": "video",
            "aspect_ratio": "16:9",
            "resolution": "720p",
            "duration": "4",
        },
        background=True,
    )
    deadline = time.monotonic() + 60
    while interaction.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.2)
        interaction = client.interactions.get(interaction.id)
    assert interaction.status == "completed"
    video = interaction.steps[-1].content[-1]
    assert video.type == "video" and video.data is not None
    assert base64.b64decode(video.data)[4:8] == b"ftyp"
    assert interaction.usage is not None and interaction.usage.total_output_tokens == 4 * 5792
