"""The official `runwayml` (5.24.0) and `luma-agents` (0.5.0) SDKs each complete a generation
against a standalone `vidbench sim`, configured only by what it printed.

Both SDKs take a plain-HTTP base URL (`RUNWAYML_BASE_URL`, `LUMA_BASE_URL`), so no TLS is
needed; the simulator prints each SDK's two environment settings on a line of its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from factories import start_simulator

runwayml = pytest.importorskip("runwayml")
luma_agents = pytest.importorskip("luma_agents")


@pytest.fixture(scope="module")
def printed() -> Iterator[dict[str, str]]:
    """What `vidbench sim --profile instant` printed, label → value."""
    process, lines = start_simulator("--profile", "instant", "--render-scale", "0.25")
    try:
        yield lines
    finally:
        process.terminate()
        process.wait(timeout=10)


def settings(printed: dict[str, str], label: str) -> dict[str, str]:
    """One SDK's printed `NAME=value` settings."""
    return dict(pair.split("=", 1) for pair in printed[label].split())


def until_done(fetch: Any, done: Any, timeout_s: float = 30.0) -> tuple[Any, set[str]]:
    """Poll `fetch()` every 0.1 s until `done(answer)`; the answer and the states seen."""
    deadline = time.monotonic() + timeout_s
    seen: set[str] = set()
    while True:
        answer = fetch()
        seen.add(str(getattr(answer, "status", None) or getattr(answer, "state", None)))
        if done(answer) or time.monotonic() > deadline:
            return answer, seen
        time.sleep(0.1)


def test_runwayml_completes_a_generation(
    printed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = settings(printed, "runwayml")
    assert env["RUNWAYML_BASE_URL"] == printed["runway"]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = runwayml.RunwayML()  # key and base URL from the printed environment only
    created = client.text_to_video.create(
        model="gen4.5", prompt_text="a paper lantern drifts over a lake", ratio="1280:720",
        duration=5,
    )  # fmt: skip
    assert created.estimated_cost.credits == 60
    task, seen = until_done(
        lambda: client.tasks.retrieve(created.id),
        lambda t: t.status in ("SUCCEEDED", "FAILED", "CANCELLED"),
    )
    assert task.status == "SUCCEEDED", task
    assert task.cost.credits == 60 and seen <= {"PENDING", "THROTTLED", "RUNNING", "SUCCEEDED"}
    video = httpx.get(task.output[0], timeout=30)
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    with pytest.raises(runwayml.BadRequestError, match="duration"):
        client.text_to_video.create(model="gen4.5", prompt_text="x", ratio="1280:720", duration=11)
    client.close()


def test_luma_agents_completes_a_generation(
    printed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = settings(printed, "luma-agents")
    assert env["LUMA_BASE_URL"] == printed["luma"]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = luma_agents.Luma()  # key and base URL from the printed environment only
    generation = client.generations.create(
        model="ray-3.2", type="video", prompt="a heron lifts off a misty river",
        aspect_ratio="16:9", video={"duration": "5s", "resolution": "540p"},
    )  # fmt: skip
    assert generation.state in ("queued", "processing") and generation.model == "ray-3.2"
    done, _ = until_done(
        lambda: client.generations.get(generation.id), lambda g: g.state in ("completed", "failed")
    )
    assert done.state == "completed", done
    assert done.output and done.output[0].type == "video"
    video = httpx.get(done.output[0].url, timeout=30)
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    with pytest.raises(luma_agents.BadRequestError, match="duration"):
        client.generations.create(
            model="ray-3.2", type="video", prompt="x", video={"duration": "7s"}
        )  # type: ignore[typeddict-item]
    client.close()
