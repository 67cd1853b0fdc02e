"""The Replicate simulator over raw HTTP: problem details, the prediction object, retention."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer

AUTH = {"Authorization": f"Bearer {SIM_API_KEY}"}
PROFILES = {"done": Profile("done", "finished at once", queue_s=(0.0, 0.0), run_s=(0.0, 0.0))}


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="done", profiles=PROFILES, seed=8) as srv:
        yield srv


def create(
    server: SimServer, headers: dict[str, str] | None = None, **given: object
) -> httpx.Response:
    url = f"{server.base_url('replicate')}/models/bytedance/seedance-2.0/predictions"
    body = {"input": {"prompt": "a kite over dunes", "duration": 4, **given}}
    return httpx.post(url, json=body, headers={**AUTH, **(headers or {})})


def test_prediction_object_and_output_removed_after_an_hour(server: SimServer) -> None:
    answer = create(server)
    assert answer.status_code == 201
    prediction = answer.json()
    assert prediction["urls"]["get"].endswith(f"/replicate/v1/predictions/{prediction['id']}")
    done = httpx.get(prediction["urls"]["get"], headers=AUTH).json()
    assert done["status"] == "succeeded" and done["output"] and "predict_time" in done["metrics"]
    assert done["started_at"] and done["completed_at"]
    server.context("replicate").clock = lambda: time.time() + 3601
    later = httpx.get(prediction["urls"]["get"], headers=AUTH).json()
    assert later["output"] is None and later["data_removed"] is True and later["input"] == {}


def test_problem_details_errors(server: SimServer) -> None:
    bad = create(server, duration=30)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert bad.json()["invalid_fields"][0]["field"] == "input.duration"
    assert create(server, headers={"Cancel-After": "soon"}).status_code == 400
    unauth = httpx.get(
        f"{server.base_url('replicate')}/predictions/x", headers={"Authorization": "Bearer no"}
    )
    assert unauth.status_code == 401 and unauth.json()["status"] == 401
    assert (
        httpx.get(f"{server.base_url('replicate')}/predictions/nope", headers=AUTH).status_code
        == 404
    )
