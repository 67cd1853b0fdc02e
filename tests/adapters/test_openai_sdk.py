"""The official `openai` SDK against the videos simulator: proof the simulator speaks the real contract."""

from __future__ import annotations

import io
import warnings

import av
import openai
import pytest
from openai import OpenAI
from PIL import Image

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.media import render_size
from vidbench.core.sim.server import SimServer

SCALE = 0.05


@pytest.fixture(scope="module")
def server():
    settings = {"openai": {"render_scale": SCALE, "poll_after_ms": 30}}
    with SimServer(default_profile="instant", settings=settings) as srv:
        yield srv


@pytest.fixture
def client(server: SimServer):
    with OpenAI(
        base_url=server.base_url("openai_videos"), api_key=SIM_API_KEY, max_retries=0
    ) as sdk:
        yield sdk


def test_sdk_marks_the_videos_api_deprecated(client: OpenAI) -> None:
    # The SDK warns on every videos call (the API shut down on 2026-09-24); the warning is a
    # DeprecationWarning, which the pytest config ignores, so the other tests run unaffected.
    with pytest.deprecated_call(match="September 24, 2026"):
        client.videos.retrieve(client.videos.create(prompt="x").id)


def test_create_retrieve_download(client: OpenAI) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        video = client.videos.create(
            prompt="a green tram at night", model="sora-2", seconds="4", size="1280x720"
        )
        assert video.status == "queued" and video.id.startswith("video_")
        assert video.size == "1280x720" and video.seconds == "4"
        done = client.videos.poll(video.id)  # sleeps the simulator's openai-poll-after-ms hint
        assert done.status == "completed" and done.progress == 100
        again = client.videos.retrieve(video.id)
        assert again.completed_at is not None and again.expires_at == again.completed_at + 86400
        content = client.videos.download_content(video.id)
        thumbnail = client.videos.download_content(video.id, variant="thumbnail")
    with av.open(io.BytesIO(content.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == render_size(
            1280, 720, SCALE
        )
    assert Image.open(io.BytesIO(thumbnail.content)).format == "WEBP"


def test_input_reference_upload_and_size_check(client: OpenAI) -> None:
    def png(width_px: int, height_px: int) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (width_px, height_px), (9, 9, 9)).save(buffer, format="PNG")
        return buffer.getvalue()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ok = client.videos.create(
            prompt="x", size="720x1280", input_reference=("ref.png", png(720, 1280), "image/png")
        )
        assert ok.status == "queued"
        with pytest.raises(openai.BadRequestError) as caught:
            client.videos.create(
                prompt="x", size="720x1280", input_reference=("ref.png", png(64, 64), "image/png")
            )
        with pytest.raises(openai.BadRequestError) as bad_seconds:
            client.videos.create(prompt="x", seconds="5")  # type: ignore[arg-type]
    assert "Inpaint image must match the requested width and height" in str(caught.value)
    assert bad_seconds.value.code == "invalid_value" and bad_seconds.value.param == "seconds"


def test_shutdown_mode_through_the_sdk() -> None:
    settings = {"openai": {"shutdown": True}}
    with SimServer(default_profile="instant", settings=settings) as srv, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sdk = OpenAI(base_url=srv.base_url("openai_videos"), api_key=SIM_API_KEY, max_retries=0)
        with sdk, pytest.raises(openai.NotFoundError) as caught:
            sdk.videos.create(prompt="x")
    assert caught.value.code == "model_not_found"
