"""The OpenRouter simulator over raw HTTP: envelope, job object, content proxy, model list."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer

AUTH = {"Authorization": f"Bearer {SIM_API_KEY}"}
PROFILES = {
    "done": Profile("done", "finished at once", queue_s=(0.0, 0.0), run_s=(0.0, 0.0)),
    "parked": Profile("parked", "stays queued", queue_s=(10_000.0, 0.0)),
}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="done", profiles=PROFILES, seed=3) as srv:
        yield srv


def submit(base: str, **given: object) -> httpx.Response:
    body = {
        "model": "bytedance/seedance-2.0",
        "prompt": "a kite over dunes",
        "duration": 4,
        **given,
    }
    return httpx.post(f"{base}/videos", json=body, headers=AUTH)


def test_completed_job_has_urls_cost_and_content(server: SimServer) -> None:
    base = server.base_url("openrouter")
    answer = submit(base, resolution="480p")
    assert answer.status_code == 202
    job = answer.json()
    assert job["status"] == "pending" and job["polling_url"] == f"/openrouter/api/v1/videos/{job['id']}"  # fmt: skip
    done = httpx.get(f"{server.url}{job['polling_url']}", headers=AUTH).json()
    assert done["status"] == "completed" and done["usage"]["cost"] == pytest.approx(4 * 0.3034)
    assert done["unsigned_urls"] == [f"{base}/videos/{job['id']}/content?index=0"]
    assert done["expires_at"] > 0 and done["urls"][0].startswith(f"{server.url}/files/")
    assert httpx.get(done["unsigned_urls"][0]).status_code == 401  # the proxy needs the key
    video = httpx.get(done["unsigned_urls"][0], headers=AUTH)
    assert video.headers["content-type"] == "video/mp4" and video.content[4:8] == b"ftyp"


def test_errors_model_list_and_key(server: SimServer) -> None:
    base = server.base_url("openrouter")
    bad = submit(base, aspect_ratio="2:1")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 400
    assert "aspect_ratio" in bad.json()["error"]["message"]
    assert submit(base, model="acme/none").status_code == 400
    listed = httpx.get(f"{base}/videos/models").json()["data"]  # public: no key
    assert {m["id"] for m in listed} >= {"bytedance/seedance-2.0"}
    assert all(isinstance(v, str) for m in listed for v in (m["pricing_skus"] or {}).values())
    assert httpx.get(f"{base}/key", headers={"Authorization": "Bearer no"}).status_code == 401
    assert httpx.get(f"{base}/key", headers=AUTH).json()["data"]["label"]
    parked = server.base_url("openrouter", "parked")
    job = submit(parked).json()
    early = httpx.get(f"{parked}/videos/{job['id']}/content", headers=AUTH)
    assert early.status_code == 400 and "not completed" in early.json()["error"]["message"]
    assert httpx.get(f"{parked}/videos/nope", headers=AUTH).status_code == 404
