"""Unit tests of the Veo adapter on httpx.MockTransport: body, key placement, operations, errors, prices."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.adapters.veo import ADAPTER
from vidbench.adapters.veo import wire as veo
from vidbench.adapters.veo.wire import build_body, build_create_request, parse_operation
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.types import (
    ErrorKind,
    GenerationInputs,
    GenerationRequest,
    TaskState,
    TaskStatus,
)

KEY = "AIza-TEST-SECRET-0123456789"
BASE = "https://generativelanguage.googleapis.com"
MODEL = "veo-3.1-fast-generate-preview"


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j1",
        "external_id": "run-j1",
        "provider_model": MODEL,
        "text": "a fox in snow",
        "duration_s": 8,
        "ratio": "16:9",
        "resolution": "720p",
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


def make_adapter(
    handler: Callable[[httpx.Request], httpx.Response],
    model: str = MODEL,
    price_override: dict[str, float] | None = None,
) -> Any:
    context = AdapterContext(
        provider_model=model,
        base_url=BASE,
        secrets={"api_key": Secret(KEY, "GEMINI_API_KEY")},
        price_override=price_override or {},
    )
    return ADAPTER(context, httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def write_png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (32, 24), (10, 200, 10)).save(path)
    return path


def test_create_request_puts_key_only_in_header() -> None:
    request = build_create_request(BASE, KEY, make_request(seed=7))
    assert str(request.url) == f"{BASE}/v1beta/models/{MODEL}:predictLongRunning"
    assert KEY not in str(request.url) and not request.url.query
    assert request.headers["x-goog-api-key"] == KEY
    assert "authorization" not in request.headers
    body = json.loads(request.read())
    assert body == {
        "instances": [{"prompt": "a fox in snow"}],
        "parameters": {
            "aspectRatio": "16:9",
            "durationSeconds": 8,
            "resolution": "720p",
            "sampleCount": 1,
            "seed": 7,
        },
    }


def test_images_are_inlined(tmp_path: Path) -> None:
    first, last = write_png(tmp_path / "a.png"), write_png(tmp_path / "b.png")
    instance = build_body(
        make_request(inputs=GenerationInputs(first_frame=first, last_frame=last))
    )["instances"][0]
    assert instance["image"]["mimeType"] == "image/png"
    assert base64.b64decode(instance["image"]["bytesBase64Encoded"]) == first.read_bytes()
    assert "lastFrame" in instance
    refs = tuple(write_png(tmp_path / f"r{i}.png") for i in range(3))
    instance = build_body(make_request(inputs=GenerationInputs(reference_images=refs)))[
        "instances"
    ][0]
    assert [r["referenceType"] for r in instance["referenceImages"]] == ["asset"] * 3
    with pytest.raises(errors.UnsupportedRequest):
        build_body(make_request(inputs=GenerationInputs(reference_images=refs + (refs[0],))))
    with pytest.raises(errors.UnsupportedRequest):
        build_body(
            make_request(inputs=GenerationInputs(first_frame=first, reference_images=refs[:1]))
        )


def test_parameters_snap_and_params_override() -> None:
    params = veo.parameters_for(make_request(duration_s=5, ratio="1:1", resolution="4k"))
    assert (
        params["durationSeconds"] == 6
        and params["aspectRatio"] == "16:9"
        and params["resolution"] == "720p"
    )
    # 1080p exists only for 8 s clips: a shorter clip is sent at 720p ...
    assert (
        veo.parameters_for(make_request(duration_s=6, resolution="1080p"))["resolution"] == "720p"
    )
    assert (
        veo.parameters_for(make_request(duration_s=8, resolution="1080p"))["resolution"] == "1080p"
    )
    assert veo.parameters_for(make_request(duration_s=8, resolution="4k"))["resolution"] == "1080p"
    # ... unless the model's own params insist on 1080p: then the request is refused.
    with pytest.raises(errors.UnsupportedRequest):
        veo.parameters_for(make_request(duration_s=4, params={"resolution": "1080p"}))
    overridden = veo.parameters_for(
        make_request(params={"negativePrompt": "blur", "aspectRatio": "9:16"})
    )
    assert overridden["negativePrompt"] == "blur" and overridden["aspectRatio"] == "9:16"


def test_validate_params() -> None:
    assert (
        ADAPTER.validate_params(MODEL, {"negativePrompt": "x", "durationSeconds": 6, "seed": 3})
        == []
    )
    problems = ADAPTER.validate_params(
        MODEL, {"durationSeconds": 5, "resolution": "1080p", "key": "x"}
    )
    assert len(problems) == 3  # unknown field, bad duration, 1080p without 8 s
    assert ADAPTER.validate_params(MODEL, {"seed": -1}) != []


def operation(**fields: Any) -> dict[str, Any]:
    return {"name": f"models/{MODEL}/operations/op1", **fields}


def test_parse_operation_states() -> None:
    assert parse_operation(operation()).status is TaskStatus.RUNNING
    assert parse_operation(operation(done=False)).status is TaskStatus.RUNNING
    uri = f"{BASE}/v1beta/files/abc:download?alt=media"
    done = parse_operation(
        operation(
            done=True,
            response={"generateVideoResponse": {"generatedSamples": [{"video": {"uri": uri}}]}},
        )
    )
    assert done.status is TaskStatus.SUCCEEDED and done.video_url == uri
    failed = parse_operation(operation(done=True, error={"code": 13, "message": "internal"}))
    assert (failed.status, failed.error_kind) == (TaskStatus.FAILED, ErrorKind.TASK_FAILED)
    filtered = parse_operation(
        operation(
            done=True,
            response={
                "generateVideoResponse": {
                    "raiMediaFilteredCount": 1,
                    "raiMediaFilteredReasons": ["The video may depict a minor."],
                }
            },
        )
    )
    assert (filtered.status, filtered.error_kind) == (
        TaskStatus.REJECTED,
        ErrorKind.CONTENT_REJECTED,
    )
    assert filtered.detail == "The video may depict a minor."
    empty = parse_operation(operation(done=True, response={"generateVideoResponse": {}}))
    assert empty.status is TaskStatus.FAILED
    with pytest.raises(errors.TransientError):
        parse_operation({"unexpected": 1})


def test_submit_poll_download_spec() -> None:
    seen: list[httpx.Request] = []
    uri = f"{BASE}/v1beta/files/abc:download?alt=media"

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(200, json={"name": f"models/{MODEL}/operations/op1"})
        return httpx.Response(
            200,
            json=operation(
                done=True,
                response={"generateVideoResponse": {"generatedSamples": [{"video": {"uri": uri}}]}},
            ),
        )

    adapter = make_adapter(handler)
    task_id = asyncio.run(adapter.submit(make_request())).task_id
    assert task_id == f"models/{MODEL}/operations/op1"
    state = asyncio.run(adapter.poll(task_id))
    assert str(seen[1].url) == f"{BASE}/v1beta/models/{MODEL}/operations/op1"
    assert all(KEY not in str(r.url) and r.headers["x-goog-api-key"] == KEY for r in seen)
    spec = adapter.download_spec(task_id, state)
    assert spec.url == uri and "key=" not in spec.url and spec.headers == {"x-goog-api-key": KEY}
    # A uri on another origin never gets the key.
    elsewhere = adapter.download_spec(
        task_id, TaskState(TaskStatus.SUCCEEDED, video_url="https://cdn.example/v.mp4")
    )
    assert elsewhere.headers == {}


def google_error(status: int, google_status: str, message: str, **headers: str) -> httpx.Response:
    body = {"error": {"code": status, "message": message, "status": google_status}}
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


@pytest.mark.parametrize(
    ("response", "error_type"),
    [
        (
            google_error(400, "INVALID_ARGUMENT", "durationSeconds must be 4, 6 or 8"),
            errors.InvalidRequest,
        ),
        (google_error(400, "INVALID_ARGUMENT", f"API key not valid: {KEY}"), errors.AuthError),
        (google_error(403, "PERMISSION_DENIED", "no access"), errors.AuthError),
        (
            google_error(429, "RESOURCE_EXHAUSTED", "quota", **{"retry-after": "3"}),
            errors.RateLimited,
        ),
        (google_error(404, "NOT_FOUND", "models/veo-9 is not found"), errors.NotFound),
        (google_error(500, "INTERNAL", "oops"), errors.TransientError),
        (google_error(503, "UNAVAILABLE", "overloaded"), errors.TransientError),
    ],
)
def test_error_mapping_and_no_key_in_text(
    response: httpx.Response, error_type: type[Exception]
) -> None:
    with pytest.raises(errors.ProviderError) as caught:
        asyncio.run(make_adapter(lambda request: response).submit(make_request()))
    assert type(caught.value) is error_type
    assert KEY not in str(caught.value) and KEY not in caught.value.body
    assert caught.value.code == json.loads(response.content)["error"]["status"]
    if error_type is errors.RateLimited:
        assert caught.value.retry_after_s == 3.0  # type: ignore[attr-defined]


def test_prices() -> None:
    def adapter_for(model: str, **kw: Any) -> Any:
        return make_adapter(lambda r: httpx.Response(500), model=model, **kw)

    expected = {
        "veo-3.1-generate-preview": 3.2,
        "veo-3.1-fast-generate-preview": 0.8,
        "veo-3.1-lite-generate-preview": 0.4,
        "veo-3.0-generate-001": 3.2,
    }
    for model, usd in expected.items():
        cost = adapter_for(model).estimate_cost(make_request(provider_model=model, duration_s=8))
        assert cost.usd == pytest.approx(usd) and cost.currency == "USD"
    # The estimate uses the duration actually sent (5 s snaps to 6 s, ties going longer).
    assert adapter_for(MODEL).estimate_cost(make_request(duration_s=5)).usd == pytest.approx(0.6)
    override = adapter_for(MODEL, price_override={"usd_per_second": 1.0})
    assert override.estimate_cost(make_request(duration_s=6)).usd == pytest.approx(6.0)
    # The planner prices every job first: a request Veo cannot serve is refused there, unsent.
    both = GenerationInputs(first_frame=Path("a.png"), reference_images=(Path("b.png"),))
    with pytest.raises(errors.UnsupportedRequest):
        adapter_for(MODEL).estimate_cost(make_request(inputs=both))
    rejected = TaskState(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED)
    assert adapter_for(MODEL).actual_cost(make_request(), rejected).usd == 0.0
    done = TaskState(TaskStatus.SUCCEEDED, video_url="x")
    assert adapter_for(MODEL).actual_cost(make_request(), done).usd == pytest.approx(0.8)


def test_registry_metadata() -> None:
    from vidbench.adapters.registry import get

    assert get("veo") is ADAPTER
    assert ADAPTER.default_env == {"api_key": "GEMINI_API_KEY"}
    assert set(ADAPTER.known_models()) == set(veo.PRICE_USD_PER_S)
    caps = ADAPTER.capabilities(MODEL)
    assert (
        caps.durations_s == (4, 6, 8)
        and caps.audio
        and caps.seed
        and caps.max_reference_images == 3
    )
    with pytest.raises(NotImplementedError):
        asyncio.run(make_adapter(lambda r: httpx.Response(500)).find_task(make_request()))
