"""The official Ark SDK (volcengine-ark-runtime) works against the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from volcenginesdkarkruntime import Ark
from volcenginesdkarkruntime._exceptions import ArkBadRequestError, ArkNotFoundError

from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Profile
from vidbench.core.sim.server import SimServer

MODEL = "doubao-seedance-2-0-fast-260128"
PARKED = Profile("parked", "stays queued", queue_s=(10_000.0, 0.0))
DONE = Profile(
    "done",
    "finishes at once, output moderated (nothing to render)",
    queue_s=(0.0, 0.0),
    run_s=(0.0, 0.0),
    output_moderation_rate=1.0,
)


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(default_profile="parked", profiles={"parked": PARKED, "done": DONE}) as srv:
        yield srv


def client(server: SimServer, profile: str | None = None) -> Ark:
    return Ark(base_url=server.base_url("ark", profile), api_key=SIM_API_KEY, max_retries=0)


def test_create_get_list_delete(server: SimServer) -> None:
    ark = client(server)
    content = [{"type": "text", "text": "a paper boat on a pond --dur 4"}]
    created = ark.content_generation.tasks.create(
        model=MODEL, content=content, resolution="480p", safety_identifier="user-1"
    )
    assert created.id.startswith("cgt-") and created.safety_identifier == "user-1"
    task = ark.content_generation.tasks.get(task_id=created.id)
    assert (task.status, task.model, task.duration, task.resolution) == ("queued", MODEL, 4, "480p")
    other = ark.content_generation.tasks.create(model=MODEL, content=content)
    listed = ark.content_generation.tasks.list(
        page_num=1, page_size=10, status="queued", task_ids=[created.id, other.id], model=MODEL
    )
    assert listed.total == 2 and {t.id for t in listed.items} == {created.id, other.id}
    ark.content_generation.tasks.delete(created.id)
    assert ark.content_generation.tasks.get(task_id=created.id).status == "cancelled"
    with pytest.raises(ArkBadRequestError) as info:
        ark.content_generation.tasks.delete(created.id)
    assert "Request id:" in str(info.value)


def test_sdk_errors_and_finished_delete(server: SimServer) -> None:
    ark = client(server, "done")
    with pytest.raises(ArkBadRequestError):
        ark.content_generation.tasks.create(
            model=MODEL, content=[{"type": "text", "text": "x"}], resolution="1080p"
        )
    with pytest.raises(ArkNotFoundError):
        ark.content_generation.tasks.create(
            model="doubao-seedance-0-0", content=[{"type": "text", "text": "x"}]
        )
    task_id = ark.content_generation.tasks.create(
        model=MODEL, content=[{"type": "text", "text": "x"}]
    ).id
    failed = ark.content_generation.tasks.get(task_id=task_id)
    assert failed.status == "failed" and failed.error.code == "OutputVideoSensitiveContentDetected"
    ark.content_generation.tasks.delete(task_id)
    with pytest.raises(ArkNotFoundError):
        ark.content_generation.tasks.get(task_id=task_id)
