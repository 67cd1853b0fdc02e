"""The official `openrouter` SDK (1.3.84, its `video_generation` resource) completes a
generation against the simulator: list models, submit, poll, download, and a refusal."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer

openrouter = pytest.importorskip("openrouter")
PROFILES = {"quick": Profile("quick", "queued, then runs", queue_s=(0.2, 0.0), run_s=(0.2, 0.0))}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="quick", profiles=PROFILES, seed=7) as srv:
        yield srv


def test_generate_poll_and_download(server: SimServer) -> None:
    client = openrouter.OpenRouter(api_key=SIM_API_KEY, server_url=server.base_url("openrouter"))
    models = client.video_generation.list_videos_models()
    seedance = next(m for m in models.data if m.id == "bytedance/seedance-2.0")
    assert seedance.pricing_skus == {"per-video-second": "0.3034"}
    job = client.video_generation.generate(
        model="bytedance/seedance-2.0", prompt="a heron lifts off a misty river",
        duration=4, resolution="480p", aspect_ratio="16:9",
    )  # fmt: skip
    assert job.status == "pending" and job.polling_url.endswith(f"/api/v1/videos/{job.id}")
    seen = {job.status}
    deadline = time.monotonic() + 30
    while job.status not in ("completed", "failed", "cancelled", "expired"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        job = client.video_generation.get_generation(job_id=job.id)
        seen.add(job.status)
    assert job.status == "completed" and {"pending", "in_progress"} <= seen
    assert job.usage is not None and job.usage.cost == pytest.approx(4 * 0.3034)
    content = client.video_generation.get_video_content(job_id=job.id, index=0)
    assert content.read()[4:8] == b"ftyp"
    with pytest.raises(openrouter.errors.BadRequestResponseError, match="duration"):
        client.video_generation.generate(model="bytedance/seedance-2.0", prompt="x", duration=3)
