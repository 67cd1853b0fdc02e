"""The official `replicate` SDK (1.0.x) completes a generation against the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer

replicate = pytest.importorskip("replicate")
PROFILES = {"quick": Profile("quick", "queued, then runs", queue_s=(0.2, 0.0), run_s=(0.2, 0.0))}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="quick", profiles=PROFILES, seed=6) as srv:
        yield srv


def test_models_predictions_create_wait_and_download(server: SimServer) -> None:
    # The SDK's base URL is the API root without /v1 (it adds /v1/... itself).
    client = replicate.Client(api_token=SIM_API_KEY, base_url=f"{server.url}/replicate")
    prediction = client.models.predictions.create(
        model="bytedance/seedance-2.0",
        input={"prompt": "a heron lifts off a misty river", "duration": 4, "resolution": "480p"},
    )
    assert prediction.status == "starting"
    prediction.wait()
    assert prediction.status == "succeeded" and prediction.metrics["predict_time"] > 0
    video = httpx.get(prediction.output)
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    listed = client.predictions.list()
    assert prediction.id in {p.id for p in listed.results}
    with pytest.raises(replicate.exceptions.ReplicateError) as info:
        client.models.predictions.create(
            model="bytedance/seedance-2.0", input={"prompt": "x", "duration": 3}
        )
    assert info.value.status == 422 and "duration" in (info.value.detail or "")
