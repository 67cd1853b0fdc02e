"""The arena's poster frames (issue 23.9): each pair names a poster per clip, served as the
clip's first frame through the clip's own confined open, never for a clip that left the run."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from arena_helpers import make_arena_run
from PIL import Image
from starlette.testclient import TestClient

from vidbench.core.arena.server import Arena, build_app
from vidbench.core.arena.votes import VoteLog
from vidbench.core.common.video import open_container

PORT = 8771
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def arena(tmp_path: Path):  # type: ignore[no-untyped-def]
    run_dir = make_arena_run(tmp_path / "run")
    log = VoteLog(run_dir)
    try:
        yield Arena([run_dir], log)
    finally:
        log.close()


@pytest.fixture
def client(arena: Arena) -> TestClient:
    return TestClient(build_app(arena, "127.0.0.1", PORT), base_url=BASE)


def next_pair(client: TestClient) -> dict[str, str]:
    page = client.get("/").text
    token = page.split('name="arena-token" content="')[1].split('"')[0]
    answer = client.get("/api/next", headers={"X-Arena-Token": token})
    assert answer.status_code == 200
    return dict(answer.json())


def first_frame(path: Path) -> np.ndarray:
    with open_container(path) as container:
        return np.asarray(next(container.decode(video=0)).to_image().convert("RGB"), dtype=float)


def test_each_clip_has_its_first_frame_as_poster(arena: Arena, client: TestClient) -> None:
    pair = next_pair(client)
    for side in ("a", "b"):
        token = pair[side].removeprefix("clip/")
        assert pair[f"poster_{side}"] == f"poster/{token}"
        answer = client.get(f"/{pair[f'poster_{side}']}")
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        image = np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB"), dtype=float)
        frame = first_frame(arena.tokens[token].path)
        assert image.shape == frame.shape  # 64 × 48: small clips are not scaled
        assert np.abs(image - frame).mean() < 8.0  # JPEG of the same frame, not another one
        assert answer.headers["x-frame-options"] == "DENY"  # secured like every answer


def test_no_poster_for_a_clip_swapped_for_a_link_or_an_unknown_token(
    arena: Arena, client: TestClient, tmp_path: Path
) -> None:
    pair = next_pair(client)
    token = pair["a"].removeprefix("clip/")
    clip = arena.tokens[token].path
    outside = tmp_path / "outside.mp4"
    clip.rename(outside)  # a real video, now outside the run
    clip.symlink_to(outside)
    assert client.get(f"/poster/{token}").status_code == 404
    assert client.get(f"/clip/{token}").status_code == 404  # the same rule as the clip
    assert client.get("/poster/not-a-token").status_code == 404
    other = pair["b"].removeprefix("clip/")
    assert client.get(f"/poster/{other}").status_code == 200  # the untouched clip still has one
