"""Unit tests of the OpenAI videos adapter on httpx.MockTransport: builders, statuses, errors, prices."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from vidbench.adapters.openai_videos import ADAPTER
from vidbench.adapters.openai_videos import wire as openai_videos
from vidbench.adapters.openai_videos.wire import build_create_request, parse_video
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.types import (
    ErrorKind,
    GenerationInputs,
    GenerationRequest,
    TaskState,
    TaskStatus,
)

KEY = "sk-test-SECRET-0123456789"
BASE = "https://gateway.example/v1"


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j1",
        "external_id": "run-j1",
        "provider_model": "sora-2",
        "text": "a cat surfing",
        "duration_s": 8,
        "ratio": "16:9",
        "resolution": "720p",
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


def make_adapter(
    handler: Callable[[httpx.Request], httpx.Response],
    model: str = "sora-2",
    price_override: dict[str, float] | None = None,
) -> Any:
    context = AdapterContext(
        provider_model=model,
        base_url=BASE,
        secrets={"api_key": Secret(KEY, "OPENAI_API_KEY")},
        price_override=price_override or {},
    )
    return ADAPTER(context, httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def multipart_parts(request: httpx.Request) -> dict[str, tuple[str | None, bytes]]:
    """Parse a multipart body into name → (filename, bytes) with the stdlib email parser."""
    from email.parser import BytesParser
    from email.policy import HTTP

    raw = (
        b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.read()
    )
    message = BytesParser(policy=HTTP).parsebytes(raw)
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = (part.get_filename(), part.get_payload(decode=True))
    return parts


def test_create_is_multipart_with_string_fields_and_no_key_in_url() -> None:
    request = build_create_request(BASE, KEY, make_request(ratio="9:16", duration_s=12))
    assert request.url == httpx.URL(f"{BASE}/videos")
    assert KEY not in str(request.url)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"].startswith("multipart/form-data")
    parts = multipart_parts(request)
    assert {name: value.decode() for name, (_, value) in parts.items()} == {
        "model": "sora-2",
        "prompt": "a cat surfing",
        "seconds": "12",
        "size": "720x1280",
    }


def test_input_reference_is_a_file_part_letterboxed_to_size(tmp_path: Path) -> None:
    frame = tmp_path / "start.png"
    Image.new("RGB", (300, 300), (200, 10, 10)).save(frame)
    request = build_create_request(
        BASE, KEY, make_request(inputs=GenerationInputs(first_frame=frame))
    )
    parts = multipart_parts(request)
    filename, data = parts["input_reference"]
    assert filename == "input_reference.png"
    image = Image.open(io.BytesIO(data))
    assert image.size == (1280, 720)
    # Square source in a 16:9 frame: black bars left and right, the red image in the middle.
    assert image.getpixel((10, 360)) == (0, 0, 0)
    red, green, _ = image.getpixel((640, 360))
    assert red > 150 and green < 60
    assert parts["size"][1] == b"1280x720"


def test_sizes_snap_to_what_the_model_takes() -> None:
    assert openai_videos.size_for("sora-2-pro", "9:16", "1080p") == "1024x1792"
    assert openai_videos.size_for("sora-2-pro", "16:9", "1080p") == "1792x1024"
    assert openai_videos.size_for("sora-2", "16:9", "1080p") == "1280x720"  # not a sora-2 size
    assert openai_videos.size_for("sora-2", "1:1", None) == "1280x720"
    assert openai_videos.size_for("sora-2", "3:4", "720p") == "720x1280"
    assert openai_videos.nearest_seconds(5) == 4 and openai_videos.nearest_seconds(10) == 12


def test_model_params_override_derived_fields() -> None:
    fields = openai_videos.create_fields(
        make_request(provider_model="sora-2-pro", params={"seconds": 4, "size": "1792x1024"})
    )
    assert fields["seconds"] == "4" and fields["size"] == "1792x1024"


def test_validate_params() -> None:
    assert ADAPTER.validate_params("sora-2", {"seconds": "8", "size": "1280x720"}) == []
    problems = ADAPTER.validate_params("sora-2", {"seconds": "5", "size": "1792x1024", "fps": 30})
    assert len(problems) == 3
    assert ADAPTER.validate_params("sora-2-pro", {"size": "1792x1024"}) == []


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({"status": "queued", "progress": 0}, TaskStatus.QUEUED, None),
        ({"status": "in_progress", "progress": 40}, TaskStatus.RUNNING, None),
        ({"status": "completed", "progress": 100, "seconds": "8"}, TaskStatus.SUCCEEDED, None),
        (
            {"status": "failed", "error": {"code": "internal_error", "message": "boom"}},
            TaskStatus.FAILED,
            ErrorKind.TASK_FAILED,
        ),
        (
            {"status": "failed", "error": {"code": "moderation_blocked", "message": "blocked"}},
            TaskStatus.REJECTED,
            ErrorKind.CONTENT_REJECTED,
        ),
    ],
)
def test_parse_video_statuses(
    body: dict[str, Any], status: TaskStatus, kind: ErrorKind | None
) -> None:
    state = parse_video({"id": "video_1", **body}, httpx.Headers({"openai-poll-after-ms": "2500"}))
    assert state.status is status and state.error_kind is kind
    assert state.poll_after_s == 2.5
    assert state.raw_status == body["status"]


def test_parse_video_progress_and_duration() -> None:
    state = parse_video(
        {"status": "in_progress", "progress": 40, "seconds": "8", "size": "1280x720"}
    )
    assert state.progress == pytest.approx(0.4)
    assert state.provider_duration_s == 8.0
    assert state.extra["size"] == "1280x720"
    with pytest.raises(errors.TransientError):
        parse_video({"status": "melting"})
    with pytest.raises(errors.TransientError):
        parse_video("<html>")


def test_submit_poll_and_download_spec() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(
                200,
                json={"id": "video_abc", "object": "video", "status": "queued"},
                headers={"x-request-id": "req_1"},
            )
        return httpx.Response(
            200,
            json={"id": "video_abc", "status": "in_progress", "progress": 10},
            headers={"openai-poll-after-ms": "1500"},
        )

    adapter = make_adapter(handler)
    submitted = asyncio.run(adapter.submit(make_request()))
    assert submitted.task_id == "video_abc" and submitted.request_id == "req_1"
    state = asyncio.run(adapter.poll("video_abc"))
    assert state.status is TaskStatus.RUNNING and state.poll_after_s == 1.5
    assert str(seen[1].url) == f"{BASE}/videos/video_abc"
    assert all(KEY not in str(r.url) for r in seen)
    spec = adapter.download_spec("video_abc", state)
    assert spec.url == f"{BASE}/videos/video_abc/content"
    assert spec.headers == {"Authorization": f"Bearer {KEY}"}


def error_response(status: int, code: str | None, message: str, **headers: str) -> httpx.Response:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


@pytest.mark.parametrize(
    ("response", "error_type"),
    [
        (error_response(400, "invalid_value", "Invalid value for seconds"), errors.InvalidRequest),
        (
            error_response(401, "invalid_api_key", f"Incorrect API key provided: {KEY}"),
            errors.AuthError,
        ),
        (error_response(403, None, "Your organization must be verified"), errors.AuthError),
        (
            error_response(429, "rate_limit_exceeded", "slow down", **{"retry-after-ms": "1200"}),
            errors.RateLimited,
        ),
        (error_response(429, "insufficient_quota", "You exceeded your quota"), errors.BillingError),
        (
            error_response(400, "moderation_blocked", "Your request was blocked by moderation"),
            errors.ContentRejected,
        ),
        (error_response(404, "model_not_found", "The Sora API was shut down"), errors.ModelGone),
        (error_response(404, None, "This model is deprecated"), errors.ModelGone),
        (error_response(410, None, "Gone"), errors.ModelGone),
        (error_response(404, "not_found", "Video video_x not found"), errors.NotFound),
        (error_response(503, None, "overloaded"), errors.TransientError),
    ],
)
def test_error_mapping_and_no_key_in_text(
    response: httpx.Response, error_type: type[Exception]
) -> None:
    adapter = make_adapter(lambda request: response)
    with pytest.raises(errors.ProviderError) as caught:
        asyncio.run(adapter.submit(make_request()))
    assert type(caught.value) is error_type
    assert KEY not in str(caught.value) and KEY not in caught.value.body
    if error_type is errors.RateLimited:
        assert caught.value.retry_after_s == pytest.approx(1.2)  # type: ignore[attr-defined]
    if error_type is errors.ModelGone:
        assert "point base_url at an OpenAI-compatible gateway" in str(caught.value)


def test_transport_error_is_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(errors.ConnectRefused):
        asyncio.run(make_adapter(handler).poll("video_1"))


def test_prices() -> None:
    never = make_adapter(lambda r: httpx.Response(500))
    assert never.estimate_cost(make_request(duration_s=8)).usd == pytest.approx(0.80)
    pro = make_adapter(lambda r: httpx.Response(500), model="sora-2-pro")
    assert pro.estimate_cost(
        make_request(provider_model="sora-2-pro", duration_s=4)
    ).usd == pytest.approx(1.20)
    big = make_request(provider_model="sora-2-pro", duration_s=12, resolution="1080p")
    assert pro.estimate_cost(big).usd == pytest.approx(6.00)
    cost = pro.estimate_cost(big)
    assert cost.currency == "USD" and cost.native == cost.usd
    override = make_adapter(lambda r: httpx.Response(500), price_override={"usd_per_second": 0.2})
    assert override.estimate_cost(make_request(duration_s=4)).usd == pytest.approx(0.8)
    done = TaskState(TaskStatus.SUCCEEDED, provider_duration_s=12.0, extra={"size": "1280x720"})
    assert never.actual_cost(make_request(duration_s=12), done).usd == pytest.approx(1.2)
    failed = TaskState(TaskStatus.FAILED, ErrorKind.TASK_FAILED)
    assert never.actual_cost(make_request(), failed).usd == 0.0


def test_registry_metadata() -> None:
    from vidbench.adapters.registry import get

    assert get("openai_videos") is ADAPTER
    assert ADAPTER.default_env == {"api_key": "OPENAI_API_KEY"}
    assert "2026-09-24" in ADAPTER.note and "2026-09-24" in (openai_videos.__doc__ or "")
    caps = ADAPTER.capabilities("sora-2-pro-2025-10-06")
    assert caps.durations_s == (4, 8, 12) and caps.audio and not caps.seed
    assert "1080p" in caps.resolutions and "1080p" not in ADAPTER.capabilities("sora-2").resolutions
    with pytest.raises(NotImplementedError):
        asyncio.run(make_adapter(lambda r: httpx.Response(500)).find_task(make_request()))
