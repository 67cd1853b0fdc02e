"""Ark adapter: body building, status and error mapping, costs (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from vidbench.adapters.ark import wire as ark_wire
from vidbench.adapters.ark.adapter import ArkAdapter
from vidbench.adapters.ark.wire import build_create_body, parse_task
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.types import (
    ErrorKind,
    GenerationInputs,
    GenerationRequest,
    InputKind,
    TaskState,
    TaskStatus,
)

KEY = "ark-test-key-5e1f9c0d2b"
MODEL = "doubao-seedance-2-0-260128"
Handler = Callable[[httpx.Request], httpx.Response]


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "job-1",
        "external_id": "run1-job-1",
        "provider_model": MODEL,
        "text": "a red kite over a beach",
        "duration_s": 5,
        "ratio": "16:9",
        "resolution": "720p",
        "audio": True,
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


def make_adapter(handler: Handler, model: str = MODEL, **ctx: Any) -> ArkAdapter:
    context = AdapterContext(
        provider_model=model,
        base_url="https://ark.test/api/v3",
        secrets={"api_key": Secret(KEY, "ARK_API_KEY")},
        **ctx,
    )
    return ArkAdapter(context, httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def caps(model: str = MODEL):
    return ArkAdapter.capabilities(model)


def write_image(path: Path, width: int, height: int) -> Path:
    Image.fromarray(np.full((height, width, 3), 120, np.uint8)).save(path)
    return path


def test_text_body() -> None:
    body = build_create_body(make_request(), caps())
    assert body == {
        "model": MODEL,
        "content": [{"type": "text", "text": "a red kite over a beach"}],
        "duration": 5,
        "ratio": "16:9",
        "resolution": "720p",
        "watermark": False,
        "generate_audio": True,
    }
    assert "seed" not in build_create_body(make_request(seed=7), caps())  # 2.x: seed not sent


def test_seed_sent_where_supported() -> None:
    model = "doubao-seedance-1-0-pro-250528"
    body = build_create_body(
        make_request(provider_model=model, seed=7, ratio="adaptive"), caps(model)
    )
    assert body["seed"] == 7
    assert "generate_audio" not in body
    assert body["ratio"] == "16:9"  # 1.0 text-to-video cannot use adaptive


def test_first_frame_and_first_last(tmp_path: Path) -> None:
    first = write_image(tmp_path / "a.png", 320, 320)
    last = write_image(tmp_path / "b.JPG", 320, 320)
    body = build_create_body(make_request(inputs=GenerationInputs(first_frame=first)), caps())
    image = body["content"][1]
    assert image["role"] == "first_frame" and image["type"] == "image_url"
    prefix, data = image["image_url"]["url"].split(",", 1)
    assert prefix == "data:image/png;base64"
    assert base64.b64decode(data) == first.read_bytes()
    body = build_create_body(
        make_request(inputs=GenerationInputs(first_frame=first, last_frame=last)), caps()
    )
    roles = [item.get("role") for item in body["content"]]
    assert roles == [None, "first_frame", "last_frame"]
    assert body["content"][2]["image_url"]["url"].startswith("data:image/jpeg;base64,")


@pytest.mark.parametrize("count", [1, 9])
def test_reference_images(tmp_path: Path, count: int) -> None:
    refs = tuple(write_image(tmp_path / f"r{i}.webp", 300, 400) for i in range(count))
    body = build_create_body(make_request(inputs=GenerationInputs(reference_images=refs)), caps())
    images = body["content"][1:]
    assert len(images) == count
    assert all(i["role"] == "reference_image" for i in images)
    assert images[0]["image_url"]["url"].startswith("data:image/webp;base64,")


def test_reference_audio_and_videos(tmp_path: Path) -> None:
    audio = tmp_path / "voice.wav"
    audio.write_bytes(b"RIFF0000WAVE")
    ref = write_image(tmp_path / "r.png", 300, 300)
    video = Path("https://cdn.example.com/clip.mp4")
    inputs = GenerationInputs(
        reference_images=(ref,), reference_audios=(audio,), reference_videos=(video,)
    )
    body = build_create_body(make_request(inputs=inputs), caps())
    kinds = [(i["type"], i.get("role")) for i in body["content"]]
    assert kinds == [
        ("text", None),
        ("image_url", "reference_image"),
        ("video_url", "reference_video"),
        ("audio_url", "reference_audio"),
    ]
    assert body["content"][2]["video_url"]["url"] == "https://cdn.example.com/clip.mp4"
    assert (
        body["content"][3]["audio_url"]["url"]
        == "data:audio/wav;base64," + base64.b64encode(b"RIFF0000WAVE").decode()
    )
    local = GenerationInputs(reference_videos=(tmp_path / "clip.mp4",))
    with pytest.raises(errors.UnsupportedRequest, match="reference videos only as http"):
        build_create_body(make_request(inputs=local), caps())


def test_params_override_and_validation() -> None:
    body = build_create_body(
        make_request(params={"watermark": True, "return_last_frame": True, "duration": 8}), caps()
    )
    assert body["watermark"] is True and body["return_last_frame"] is True and body["duration"] == 8
    assert ArkAdapter.validate_params(MODEL, {"service_tier": "default", "priority": 3}) == []
    problems = ArkAdapter.validate_params(MODEL, {"content": [], "foo": 1})
    assert len(problems) == 2 and "'foo'" in problems[1]


def test_known_models_and_endpoint_ids() -> None:
    models = ArkAdapter.known_models()
    assert {
        "doubao-seedance-2-0-260128",
        "doubao-seedance-2-0-fast-260128",
        "doubao-seedance-2-0-mini-260615",
    } <= set(models)
    full = models[MODEL].capabilities
    assert full.durations_s == tuple(range(4, 16)) and "4k" in full.resolutions and not full.seed
    assert full.inputs == frozenset(InputKind) and full.max_reference_images == 9 and full.audio
    fast = models["doubao-seedance-2-0-fast-260128"].capabilities
    assert fast.resolutions == ("480p", "720p")
    lite = models["doubao-seedance-1-0-pro-250528"].capabilities
    assert lite.durations_s == tuple(range(2, 13)) and lite.seed and not lite.audio
    assert InputKind.REFERENCE_VIDEOS not in lite.inputs
    assert all("2026" in info.price_source for info in models.values())
    assert ArkAdapter.check_model_id("ep-20260101-abcde") is None
    assert "did you mean" in (ArkAdapter.check_model_id("doubao-seedance-2-0-26012") or "")


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({"status": "queued"}, TaskStatus.QUEUED, None),
        ({"status": "running"}, TaskStatus.RUNNING, None),
        ({"status": "cancelled"}, TaskStatus.CANCELLED, None),
        ({"status": "expired"}, TaskStatus.EXPIRED, ErrorKind.EXPIRED),
        (
            {
                "status": "failed",
                "error": {"code": "OutputVideoSensitiveContentDetected", "message": "x"},
            },
            TaskStatus.REJECTED,
            ErrorKind.CONTENT_REJECTED,
        ),
        (
            {
                "status": "failed",
                "error": {"code": "OutputAudioSensitiveContentDetected.PolicyViolation"},
            },
            TaskStatus.REJECTED,
            ErrorKind.CONTENT_REJECTED,
        ),
        (
            {"status": "failed", "error": {"code": "InternalServiceError"}},
            TaskStatus.FAILED,
            ErrorKind.TASK_FAILED,
        ),
    ],
)
def test_status_mapping(body: dict[str, Any], status: TaskStatus, kind: ErrorKind | None) -> None:
    state = parse_task({"id": "cgt-1", **body})
    assert (state.status, state.error_kind) == (status, kind)
    assert state.raw_status == body["status"]


def test_succeeded_fields() -> None:
    state = parse_task(
        {
            "id": "cgt-1",
            "status": "succeeded",
            "error": None,
            "content": {"video_url": "https://tos.example/v.mp4?sig=1"},
            "usage": {"completion_tokens": 108000, "total_tokens": 108000},
            "duration": 5,
            "resolution": "720p",
            "ratio": "16:9",
        }
    )
    assert state.status is TaskStatus.SUCCEEDED and state.error_kind is None
    assert (state.tokens, state.provider_duration_s, state.video_url) == (
        108000,
        5.0,
        "https://tos.example/v.mp4?sig=1",
    )
    assert parse_task({"status": "succeeded", "frames": 121}).provider_duration_s == pytest.approx(
        121 / 24
    )


def test_worked_example_cost() -> None:
    adapter = make_adapter(lambda r: httpx.Response(500))
    estimate = adapter.estimate_cost(make_request())
    assert estimate.tokens == 108_000
    assert estimate.native == pytest.approx(4.968)
    assert estimate.currency == "CNY" and estimate.usd == pytest.approx(4.968 / 7.1)
    done = TaskState(status=TaskStatus.SUCCEEDED, tokens=108_000, extra={"resolution": "720p"})
    assert adapter.actual_cost(make_request(), done).native == pytest.approx(4.968)
    failed = TaskState(status=TaskStatus.REJECTED, tokens=None)
    assert adapter.actual_cost(make_request(), failed).native == 0.0


def test_price_variants(tmp_path: Path) -> None:
    adapter = make_adapter(lambda r: httpx.Response(500))
    full_hd = adapter.estimate_cost(make_request(resolution="1080p"))
    assert full_hd.tokens == 1920 * 1080 * 24 * 5 // 1024
    assert full_hd.native == pytest.approx(full_hd.tokens / 1e6 * 51)
    video = GenerationInputs(reference_videos=(Path("https://x.example/a.mp4"),))
    with_video = adapter.estimate_cost(make_request(inputs=video))
    assert with_video.native == pytest.approx(108_000 / 1e6 * 28)
    fast = make_adapter(lambda r: httpx.Response(500), "doubao-seedance-2-0-fast-260128")
    assert fast.estimate_cost(
        make_request(provider_model="doubao-seedance-2-0-fast-260128")
    ).native == pytest.approx(108_000 / 1e6 * 37)
    # adaptive with a portrait first frame resolves to 9:16 (same pixel count as 16:9 here).
    portrait = write_image(tmp_path / "p.png", 360, 640)
    adaptive = make_request(
        ratio="adaptive", resolution="480p", inputs=GenerationInputs(first_frame=portrait)
    )
    assert ark_wire.resolved_ratio(adaptive) == "9:16"
    assert ark_wire.pixel_size(MODEL, "480p", "9:16") == (496, 864)
    assert ark_wire.resolved_ratio(make_request(ratio="adaptive")) == "16:9"
    override = make_adapter(
        lambda r: httpx.Response(500),
        price_override={"cny_per_million_tokens": 10.0},
        cny_per_usd=5.0,
    )
    cost = override.estimate_cost(make_request())
    assert (cost.native, cost.usd) == (pytest.approx(1.08), pytest.approx(1.08 / 5))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_submit_poll_cancel_wire_format() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(
                200, json={"id": "cgt-20260101000000-abcde"}, headers={"X-Request-Id": "rid-1"}
            )
        if request.method == "DELETE":
            return httpx.Response(200, json={})
        return httpx.Response(200, json={"id": "cgt-20260101000000-abcde", "status": "running"})

    adapter = make_adapter(handler)
    result = run(adapter.submit(make_request()))
    assert (result.task_id, result.request_id) == ("cgt-20260101000000-abcde", "rid-1")
    assert run(adapter.poll(result.task_id)).status is TaskStatus.RUNNING
    run(adapter.cancel(result.task_id))
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/api/v3/contents/generations/tasks"),
        ("GET", "/api/v3/contents/generations/tasks/cgt-20260101000000-abcde"),
        ("DELETE", "/api/v3/contents/generations/tasks/cgt-20260101000000-abcde"),
    ]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in seen)
    assert json.loads(seen[0].content)["model"] == MODEL
    spec = adapter.download_spec(
        "t", TaskState(status=TaskStatus.SUCCEEDED, video_url="https://v/x.mp4")
    )
    assert spec.url == "https://v/x.mp4" and spec.headers == {}
    with pytest.raises(NotImplementedError):
        run(adapter.find_task(make_request()))


def ark_error(status: int, code: str, message: str = "nope") -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "error": {
                "code": code,
                "message": f"{message} Request id: rid-9",
                "param": "",
                "type": "X",
            }
        }
        return httpx.Response(status, json=body, headers={"X-Request-Id": "rid-9"})

    return handler


@pytest.mark.parametrize(
    ("status", "code", "cls", "kind"),
    [
        (
            400,
            "InputTextSensitiveContentDetected",
            errors.ContentRejected,
            ErrorKind.CONTENT_REJECTED,
        ),
        (
            400,
            "InputImageSensitiveContentDetected.PrivacyInformation",
            errors.ContentRejected,
            ErrorKind.CONTENT_REJECTED,
        ),
        (400, "InvalidParameter", errors.InvalidRequest, ErrorKind.INVALID_REQUEST),
        (401, "AuthenticationError", errors.AuthError, ErrorKind.AUTH),
        (403, "AccountOverdueError", errors.BillingError, ErrorKind.BILLING),
        (403, "AccessDenied", errors.AuthError, ErrorKind.AUTH),
        (404, "InvalidEndpointOrModel.NotFound", errors.NotFound, ErrorKind.INVALID_REQUEST),
        (429, "RateLimitExceeded.EndpointRPMExceeded", errors.RateLimited, ErrorKind.RATE_LIMITED),
        (500, "InternalServiceError", errors.TransientError, ErrorKind.TRANSIENT),
    ],
)
def test_error_kinds_never_show_the_key(
    status: int, code: str, cls: type[errors.ProviderError], kind: ErrorKind
) -> None:
    adapter = make_adapter(ark_error(status, code))
    for call in (adapter.submit(make_request()), adapter.poll("cgt-x")):
        with pytest.raises(errors.ProviderError) as info:
            run(call)
        exc = info.value
        assert type(exc) is cls and exc.kind is kind
        assert exc.code == code and exc.request_id == "rid-9" and exc.status_code == status
        for text in (
            str(exc),
            repr(exc),
            exc.body,
            repr(adapter.context),
            repr(adapter.context.secrets),
        ):
            assert KEY not in text
    if code == "InvalidEndpointOrModel.NotFound":
        assert MODEL in str(exc)


def test_transport_error_and_malformed_body_never_show_the_key() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(errors.ConnectRefused) as info:
        run(make_adapter(refuse).submit(make_request()))
    assert KEY not in str(info.value)
    garbled = make_adapter(
        lambda r: httpx.Response(200, content=b'{"id": "cgt', headers={"X-Request-Id": "r"})
    )
    with pytest.raises(errors.TransientError, match="not a JSON object") as info2:
        run(garbled.poll("cgt-x"))
    assert KEY not in str(info2.value)


def test_poll_many_lists_tasks_by_repeated_task_id_filters() -> None:
    import asyncio as _asyncio

    import httpx as _httpx

    from vidbench.adapters.ark.adapter import ArkAdapter
    from vidbench.core.seam.adapter import AdapterContext, Secret
    from vidbench.core.seam.types import TaskStatus as _TaskStatus

    seen: list[_httpx.Request] = []

    def handler(request: _httpx.Request) -> _httpx.Response:
        seen.append(request)
        items = [{"id": "cgt-1", "status": "running"}, {"id": "cgt-2", "status": "queued"}]
        return _httpx.Response(200, json={"items": items, "total": 2})

    context = AdapterContext(
        "doubao-seedance-2-0-260128",
        "https://ark.test/api/v3",
        {"api_key": Secret("k-123", "ARK_API_KEY")},
    )
    adapter = ArkAdapter(context, _httpx.AsyncClient(transport=_httpx.MockTransport(handler)))
    states = _asyncio.run(adapter.poll_many(["cgt-1", "cgt-2", "cgt-3"]))
    assert {k: v.status for k, v in states.items()} == {
        "cgt-1": _TaskStatus.RUNNING,
        "cgt-2": _TaskStatus.QUEUED,
    }
    query = seen[0].url.params
    assert query.get_list("filter.task_ids") == ["cgt-1", "cgt-2", "cgt-3"]
    assert query["page_size"] == "3" and seen[0].url.path.endswith("/contents/generations/tasks")
