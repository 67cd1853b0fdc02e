"""The fal.ai queue simulator over raw HTTP: the documented codes, URLs, bodies and headers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer

MODEL = "bytedance/seedance-2.0/fast/text-to-video"
KEY = {"Authorization": f"Key {SIM_API_KEY}"}
PROFILES = {
    "parked": Profile("parked", "stays queued", queue_s=(10_000.0, 0.0)),
    "done": Profile("done", "finished at once", queue_s=(0.0, 0.0), run_s=(0.0, 0.0)),
    "censor": Profile(
        "censor", "moderated", queue_s=(0.0, 0.0), run_s=(0.0, 0.0), output_moderation_rate=1.0
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="parked", profiles=PROFILES, seed=1) as srv:
        yield srv


def submit(server: SimServer, profile: str | None = None, **body: object) -> httpx.Response:
    url = f"{server.base_url('fal', profile)}/{MODEL}"
    return httpx.post(url, json={"prompt": "a lantern at dusk", **body}, headers=KEY)


def test_submit_returns_urls_without_the_model_subpath(server: SimServer) -> None:
    answer = submit(server, duration="5", resolution="480p")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    base = f"{server.base_url('fal')}/bytedance/seedance-2.0/requests/{body['request_id']}"
    assert body["response_url"] == base and "/fast/" not in base
    assert (body["status_url"], body["cancel_url"]) == (f"{base}/status", f"{base}/cancel")
    status = httpx.get(body["status_url"], headers=KEY)
    assert status.status_code == 202
    assert status.json()["status"] == "IN_QUEUE" and isinstance(
        status.json()["queue_position"], int
    )
    # The same id under the model's full path is not a request URL.
    wrong = httpx.get(f"{server.base_url('fal')}/{MODEL}/requests/{body['request_id']}/status", headers=KEY)  # fmt: skip
    assert wrong.status_code in (404, 405)


def test_completed_is_200_with_logs_and_metrics_and_the_result_has_video_url(
    server: SimServer,
) -> None:
    body = submit(server, "done").json()
    status = httpx.get(body["status_url"], params={"logs": "1"}, headers=KEY)
    assert status.status_code == 200
    assert status.json()["status"] == "COMPLETED" and status.json()["logs"] == []
    assert "inference_time" in status.json()["metrics"]
    result = httpx.get(body["response_url"], headers=KEY).json()
    assert result["video"]["content_type"] == "video/mp4" and "/files/" in result["video"]["url"]
    cancel = httpx.put(body["cancel_url"], headers=KEY)
    assert (cancel.status_code, cancel.json()) == (400, {"status": "ALREADY_COMPLETED"})


def test_moderated_output_carries_error_type_in_body_and_header(server: SimServer) -> None:
    body = submit(server, "censor").json()
    status = httpx.get(body["status_url"], headers=KEY).json()
    assert status["error_type"] == "content_policy_violation" and status["error"]
    result = httpx.get(body["response_url"], headers=KEY)
    assert result.status_code == 422
    assert result.headers["x-fal-error-type"] == "content_policy_violation"
    assert result.json()["detail"][0]["type"] == "content_policy_violation"


def test_bad_input_key_and_cancel(server: SimServer) -> None:
    bad = submit(server, duration=5)  # fal's durations are strings
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "duration"]
    assert submit(server, aspect_ratio="2:1").status_code == 422
    url = f"{server.base_url('fal')}/{MODEL}"
    assert httpx.post(url, json={"prompt": "x"}, headers={"Authorization": f"Bearer {SIM_API_KEY}"}).status_code == 401  # fmt: skip
    body = submit(server).json()
    cancel = httpx.put(body["cancel_url"], headers=KEY)
    assert (cancel.status_code, cancel.json()) == (202, {"status": "CANCELLATION_REQUESTED"})
    status = httpx.get(body["status_url"], headers=KEY).json()
    assert status["status"] == "COMPLETED" and status["error_type"] == "request_cancelled"
    missing = httpx.put(body["cancel_url"].replace(body["request_id"], "nope"), headers=KEY)
    assert (missing.status_code, missing.json()) == (404, {"status": "NOT_FOUND"})
