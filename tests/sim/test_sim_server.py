"""The simulator server: starts on a free port, routes by prefix, counts requests."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from factories import SERVER_SIM, start_simulator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.sim import common
from vidbench.core.sim import server as server_module
from vidbench.core.sim.common import SimContext, SimError, SimMount, request_id
from vidbench.core.sim.profiles import Profile, Quality
from vidbench.core.sim.server import SimServer
from vidbench.core.sim.tasks import Phase, VideoSpec


@pytest.fixture(scope="module")
def server():
    with SimServer(default_profile="instant") as srv:
        yield srv


def test_stats_over_http(server: SimServer) -> None:
    assert server.port > 0
    response = httpx.get(f"{server.url}/_sim/stats")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"requests", "tasks_created", "total_requests"}
    assert body == server.stats()


def test_base_urls(server: SimServer) -> None:
    assert server.base_url("ark") == f"{server.url}/ark/api/v3"
    assert server.base_url("ark", "faulty") == f"{server.url}/p/faulty/ark/api/v3"
    assert server.base_url("kling") == f"{server.url}/kling"
    assert server.base_url("openai_videos", "instant") == f"{server.url}/openai/v1"
    assert server.base_url("veo", "premium") == f"{server.url}/p/premium/veo"
    with pytest.raises(KeyError):
        server.base_url("ark", "no-such-profile")


def test_unknown_prefix_is_404_and_uncounted_as_provider(server: SimServer) -> None:
    assert httpx.get(f"{server.url}/nowhere/x").status_code == 404
    assert httpx.get(f"{server.url}/p/no-such-profile/ark/api/v3/x").status_code == 404


def test_bad_file_token_is_404(server: SimServer) -> None:
    response = httpx.get(f"{server.url}/files/nope.mp4?expires=1&sig=00")
    assert response.status_code == 404
    assert server.counters.count(provider="files", operation="download", status=404) >= 1


def test_stop_releases_port() -> None:
    srv = SimServer().start()
    url = srv.url
    assert httpx.get(f"{url}/_sim/stats").status_code == 200
    srv.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_sim/stats", timeout=2.0)


# -- a toy provider plugged in the way real simulators are -----------------------------------

TOY_PROFILE = Profile("toy", "test profile", queue_s=(0.5, 0.0), run_s=(1.0, 0.0), rpm_limit=3)


def _toy_routes(ctx: SimContext) -> list[BaseRoute]:
    ctx.request_id_header = "X-Request-Id"

    def on_error(request: Request, exc: SimError) -> Response:
        return JSONResponse({"code": exc.code, "request_id": request_id(request)}, exc.status)

    async def create(request: Request) -> Response:
        body = await request.json()
        reason = ctx.admit_create("m")
        if reason:
            raise SimError(429, reason, "slow down")
        task = ctx.new_task("m", VideoSpec(body["prompt"], 64, 48, 1.0))
        return JSONResponse({"id": task.id})

    async def get(request: Request) -> Response:
        task = ctx.tasks.get(request.path_params["task_id"])
        if task is None:
            raise SimError(404, "NotFound", "no task")
        phase = ctx.observe(task)
        body = {"status": phase.value}
        if phase is Phase.SUCCEEDED:
            body["url"] = ctx.video_url(request, task)
        return JSONResponse(body)

    return [
        ctx.route("/tasks", create, methods=["POST"], operation="create", on_error=on_error),
        ctx.route("/tasks/{task_id}", get, methods=["GET"], operation="get", on_error=on_error),
    ]


def _fake_render(spec: VideoSpec, quality: Quality, cache_dir: Path) -> Path:
    # Only the URL signing is under test here; the Ark tests decode real renders.
    path = cache_dir / f"{abs(hash(spec))}.mp4"
    path.write_bytes(b"\x00" * 1000)
    return path


@pytest.fixture()
def toy_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    registered = server_module.mounts
    toy = SimMount(segment="toy", base_path="toy", routes=_toy_routes)
    monkeypatch.setattr(server_module, "mounts", lambda: {**registered(), "toy": toy})
    monkeypatch.setattr(common, "_render", _fake_render)
    with SimServer(default_profile="toy", profiles={"toy": TOY_PROFILE}, cache_dir=tmp_path) as srv:
        yield srv


def test_toy_provider_lifecycle_counters_and_files(toy_server: SimServer) -> None:
    root = toy_server.url
    created = httpx.post(f"{root}/toy/tasks", json={"prompt": "a red ball"})
    assert created.status_code == 200
    assert len(created.headers["x-request-id"]) > 10
    task_id = created.json()["id"]
    seen = [httpx.get(f"{root}/toy/tasks/{task_id}").json()]
    while seen[-1]["status"] in ("queued", "running"):
        time.sleep(0.05)
        seen.append(httpx.get(f"{root}/toy/tasks/{task_id}").json())
    statuses = [b["status"] for b in seen]
    assert statuses[0] == "queued" and "running" in statuses
    body = seen[-1]
    assert body["status"] == "succeeded"
    assert httpx.get(body["url"]).content == b"\x00" * 1000
    # Signature and expiry are checked.
    assert httpx.get(body["url"].replace("sig=", "sig=0")).status_code == 403
    toy_server.context("toy").clock = lambda: time.time() + 25 * 3600
    assert httpx.get(body["url"]).status_code == 403
    toy_server.context("toy").clock = time.time

    # Another profile's state is separate: the task is unknown there.
    other = httpx.get(f"{root}/p/instant/toy/tasks/{task_id}")
    assert other.status_code == 404 and other.json()["code"] == "NotFound"
    assert other.json()["request_id"] == other.headers["x-request-id"]

    # RPM limit 3 per minute: the 2 more creates pass, the next is a 429.
    codes = [httpx.post(f"{root}/toy/tasks", json={"prompt": "x"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]

    stats = httpx.get(f"{root}/_sim/stats").json()
    rows = {
        (r["provider"], r["profile"], r["operation"], r["status"]): r["count"]
        for r in stats["requests"]
    }
    assert rows[("toy", "toy", "create", 200)] == 3
    assert rows[("toy", "toy", "create", 429)] == 1
    assert rows[("toy", "toy", "get", 200)] == len(seen)
    assert rows[("toy", "instant", "get", 404)] == 1
    assert rows[("toy", "toy", "download", 200)] == 1
    assert rows[("toy", "toy", "download", 403)] == 2
    assert {"provider": "toy", "profile": "toy", "count": 3} in stats["tasks_created"]


def test_separate_process_prints_urls_and_serves() -> None:
    proc, urls = start_simulator("--profile", "instant", entry=SERVER_SIM)
    try:
        assert urls["ark"].endswith("/ark/api/v3")
        assert httpx.get(urls["stats"], timeout=5.0).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
