"""Kling adapter: JWT, body building, status and error mapping, prices (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from vidbench.adapters.kling import wire as kling_wire
from vidbench.adapters.kling.adapter import KlingAdapter
from vidbench.adapters.kling.wire import build_image2video_body, build_text2video_body, parse_task
from vidbench.core.seam import errors, retry
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.types import (
    ErrorKind,
    GenerationInputs,
    GenerationRequest,
    InputKind,
    TaskState,
    TaskStatus,
)

ACCESS = "AK-test-access-7f3e"
SECRET = "SK-test-secret-0123456789abcdef-xyz"
NOW_S = 1_790_000_000.0
Handler = Callable[[httpx.Request], httpx.Response]


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "job-1",
        "external_id": "run1-job-1",
        "provider_model": "kling-v3",
        "text": "a corgi runs on a beach",
        "duration_s": 5,
        "ratio": "16:9",
        "resolution": "720p",
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


def make_adapter(
    handler: Handler,
    model: str = "kling-v3",
    clock: Callable[[], float] = lambda: NOW_S,
    **ctx: Any,
) -> KlingAdapter:
    context = AdapterContext(
        provider_model=model,
        base_url="https://kling.test",
        secrets={
            "access_key": Secret(ACCESS, "KLING_ACCESS_KEY"),
            "secret_key": Secret(SECRET, "KLING_SECRET_KEY"),
        },
        **ctx,
    )
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return KlingAdapter(context, client, clock=clock)


def envelope(data: Any) -> dict[str, Any]:
    return {"code": 0, "message": "SUCCEED", "request_id": "req-ok", "data": data}


def kling_error(status: int, code: int, message: str = "boom") -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, json={"code": code, "message": message, "request_id": "req-err"}
        )

    return handler


def decode(token: str, **options: Any) -> dict[str, Any]:
    jwt_options: Any = options  # PyJWT types `options` as its own TypedDict
    return jwt.decode(token, SECRET, algorithms=["HS256"], options=jwt_options)


# --- JWT -------------------------------------------------------------------------------


def test_token_header_claims_and_signature() -> None:
    token = kling_wire.make_token(ACCESS, SECRET, NOW_S)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = decode(token, verify_exp=False, verify_nbf=False)
    assert claims == {"iss": ACCESS, "exp": int(NOW_S) + 1800, "nbf": int(NOW_S) - 5}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-sufficient-length!!", algorithms=["HS256"])


def test_fresh_token_per_request() -> None:
    seen: list[str] = []
    clock_s = iter([NOW_S, NOW_S + 60.0])

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers["Authorization"]
        assert auth.startswith("Bearer ") and auth.count(" ") == 1
        seen.append(auth.removeprefix("Bearer "))
        return httpx.Response(200, json=envelope({"task_id": "9", "task_status": "submitted"}))

    adapter = make_adapter(handler, clock=lambda: next(clock_s))
    asyncio.run(adapter.poll("t2v:9"))
    asyncio.run(adapter.poll("t2v:9"))
    assert len(seen) == 2 and seen[0] != seen[1]
    exps = [decode(t, verify_exp=False, verify_nbf=False)["exp"] for t in seen]
    assert exps == [int(NOW_S) + 1800, int(NOW_S) + 1860]


# --- bodies ----------------------------------------------------------------------------


def test_text2video_body_maps_shared_vocabulary() -> None:
    body = build_text2video_body(
        make_request(duration_s=8, ratio="9:16", resolution="1080p", audio=True)
    )
    assert body == {
        "model_name": "kling-v3",
        "prompt": "a corgi runs on a beach",
        "duration": "8",
        "mode": "pro",
        "aspect_ratio": "9:16",
        "sound": "on",
        "external_task_id": "run1-job-1",
    }


def test_sound_only_where_supported_and_v2_6_audio_forces_pro() -> None:
    assert "sound" not in build_text2video_body(
        make_request(provider_model="kling-v2-5-turbo", audio=True)
    )
    assert build_text2video_body(make_request(audio=False))["sound"] == "off"
    v26 = build_text2video_body(
        make_request(provider_model="kling-v2-6", audio=True, resolution="720p")
    )
    assert (v26["sound"], v26["mode"]) == ("on", "pro")


def test_multi_shot_only_on_v3_with_several_shots() -> None:
    body = build_text2video_body(make_request(shots=3))
    assert (body["multi_shot"], body["shot_type"]) == (True, "intelligence")
    assert "multi_shot" not in build_text2video_body(make_request(shots=1))
    assert "multi_shot" not in build_text2video_body(
        make_request(provider_model="kling-v2-6", shots=3)
    )


def test_params_override_derived_fields() -> None:
    body = build_text2video_body(make_request(params={"mode": "pro", "negative_prompt": "blur"}))
    assert body["mode"] == "pro" and body["negative_prompt"] == "blur"


def test_image2video_body_uses_raw_base64_and_no_ratio(tmp_path: Path) -> None:
    first, last = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(b"\x89PNG first")
    last.write_bytes(b"\x89PNG last")
    request = make_request(
        inputs=GenerationInputs(first_frame=first, last_frame=last), params={"aspect_ratio": "1:1"}
    )
    body = build_image2video_body(request)
    assert body["image"] == base64.b64encode(b"\x89PNG first").decode()
    assert body["image_tail"] == base64.b64encode(b"\x89PNG last").decode()
    assert not body["image"].startswith("data:")
    assert "aspect_ratio" not in body
    assert (
        kling_wire.family_for(request) == "i2v" and kling_wire.family_for(make_request()) == "t2v"
    )


def test_validate_params() -> None:
    assert KlingAdapter.validate_params("kling-v3", {"mode": "pro", "duration": "12"}) == []
    problems = KlingAdapter.validate_params(
        "kling-v2-5-turbo",
        {"mode": "ultra", "duration": "7", "cfg_scale": 0.5, "sound": "on", "x": 1},
    )
    joined = "\n".join(problems)
    for needle in ("'x'", "mode", "duration", "cfg_scale", "sound"):
        assert needle in joined
    assert KlingAdapter.validate_params("kling-v1", {"cfg_scale": 0.3}) == []


def test_known_models_capabilities() -> None:
    models = KlingAdapter.known_models()
    assert set(models) == {
        "kling-v1",
        "kling-v1-6",
        "kling-v2-master",
        "kling-v2-1-master",
        "kling-v2-5-turbo",
        "kling-v2-6",
        "kling-v3",
        "kling-v3-omni",
    }
    v3 = models["kling-v3"].capabilities
    assert v3.durations_s == tuple(range(3, 16)) and v3.audio and v3.multi_shot
    assert v3.inputs == {InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME}
    assert models["kling-v2-master"].capabilities.resolutions == ("1080p",)
    assert models["kling-v1-6"].capabilities.durations_s == (5, 10)
    assert not models["kling-v1-6"].capabilities.audio
    assert "2026-08-13" in models["kling-v3"].price_source
    omni = models["kling-v3-omni"]
    assert omni.capabilities.durations_s == tuple(range(3, 16))
    assert omni.capabilities.resolutions == ("720p", "1080p", "4k")
    assert omni.capabilities.audio and omni.capabilities.multi_shot
    assert InputKind.REFERENCE_IMAGES in omni.capabilities.inputs
    assert omni.capabilities.max_reference_images == 6
    assert omni.lifecycle.status.value == "live" and not omni.lifecycle.confirmed
    assert omni.lifecycle.source.startswith("https://") and omni.lifecycle.read_on == "2026-11-30"
    assert "third-party" in omni.price_source and "2026-11-30" in omni.price_source


# --- statuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [("submitted", TaskStatus.QUEUED), ("processing", TaskStatus.RUNNING)],
)
def test_non_terminal_statuses(raw: str, status: TaskStatus) -> None:
    state = parse_task({"task_id": "1", "task_status": raw, "created_at": 1_790_000_000_123})
    assert state.status is status and state.raw_status == raw
    assert state.extra["created_at_s"] == pytest.approx(1_790_000_000.123)


def test_succeed_status() -> None:
    state = parse_task(
        {
            "task_id": "1",
            "task_status": "succeed",
            "final_unit_deduction": "3",
            "task_result": {"videos": [{"id": "v", "url": "https://cdn/x.mp4", "duration": "5.1"}]},
        }
    )
    assert state.status is TaskStatus.SUCCEEDED and state.video_url == "https://cdn/x.mp4"
    assert state.provider_duration_s == pytest.approx(5.1)
    assert state.extra["final_unit_deduction"] == "3"


def test_failed_and_safety_failed() -> None:
    failed = parse_task({"task_status": "failed", "task_status_msg": "internal render error"})
    assert (failed.status, failed.error_kind) == (TaskStatus.FAILED, ErrorKind.TASK_FAILED)
    assert failed.detail == "internal render error"
    unsafe = parse_task(
        {"task_status": "failed", "task_status_msg": "Output triggered content safety review"}
    )
    assert (unsafe.status, unsafe.error_kind) == (TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED)


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, 1000, errors.AuthError),
        (401, 1001, errors.AuthError),
        (401, 1002, errors.AuthError),
        (401, 1003, errors.AuthError),
        (401, 1004, errors.AuthError),
        (429, 1100, errors.BillingError),
        (429, 1101, errors.BillingError),
        (429, 1102, errors.BillingError),
        (403, 1103, errors.AuthError),
        (400, 1200, errors.InvalidRequest),
        (400, 1201, errors.InvalidRequest),
        (404, 1202, errors.NotFound),
        (404, 1203, errors.NotFound),
        (400, 1300, errors.ContentRejected),
        (400, 1301, errors.ContentRejected),
        (429, 1302, errors.RateLimited),
        (429, 1303, errors.RateLimited),
        (429, 1304, errors.AuthError),
        (500, 5000, errors.TransientError),
        (503, 5001, errors.TransientError),
        (504, 5002, errors.TransientError),
    ],
)
def test_error_codes_map_to_kinds(status: int, code: int, cls: type[errors.ProviderError]) -> None:
    adapter = make_adapter(kling_error(status, code))
    with pytest.raises(errors.ProviderError) as info:
        asyncio.run(adapter.submit(make_request()))
    exc = info.value
    assert type(exc) is cls
    assert exc.code == str(code) and exc.status_code == status and exc.request_id == "req-err"


def test_auth_errors_name_the_cause() -> None:
    with pytest.raises(errors.AuthError, match="expired"):
        asyncio.run(make_adapter(kling_error(401, 1004)).poll("t2v:1"))
    with pytest.raises(errors.AuthError, match="not yet valid"):
        asyncio.run(make_adapter(kling_error(401, 1003)).poll("t2v:1"))


def test_billing_never_retried_but_concurrency_is() -> None:
    for code in (1100, 1101, 1102):
        with pytest.raises(errors.BillingError) as info:
            asyncio.run(make_adapter(kling_error(429, code)).submit(make_request()))
        assert retry.decide_create(info.value, 1) == retry.Decision(False)
        assert retry.decide_poll(info.value, 1) == retry.Decision(False)
    with pytest.raises(errors.RateLimited) as limited:
        asyncio.run(make_adapter(kling_error(429, 1303)).submit(make_request()))
    assert retry.decide_create(limited.value, 1).retry
    assert limited.value.kind is ErrorKind.RATE_LIMITED


def test_api_error_inside_http_200_is_mapped() -> None:
    adapter = make_adapter(kling_error(200, 1201, "duration invalid"))
    with pytest.raises(errors.InvalidRequest, match="duration invalid"):
        asyncio.run(adapter.submit(make_request()))


def test_keys_and_token_absent_from_errors_and_reprs() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        # A hostile proxy that echoes our credentials back.
        text = f"bad {request.headers['Authorization']} {ACCESS} {SECRET}"
        return httpx.Response(401, json={"code": 1002, "message": text, "request_id": "r"})

    adapter = make_adapter(echo)
    with pytest.raises(errors.AuthError) as info:
        asyncio.run(adapter.poll("t2v:1"))
    visible = f"{info.value} {info.value!r} {info.value.body} {adapter.context!r}"
    assert ACCESS not in visible and SECRET not in visible and "eyJ" not in visible
    assert "Bearer ***" in str(info.value)


# --- HTTP flow -------------------------------------------------------------------------


def test_submit_poll_find_and_download(tmp_path: Path) -> None:
    calls: list[tuple[str, str, Any]] = []
    frame = tmp_path / "f.png"
    frame.write_bytes(b"png")

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append((request.method, request.url.path, body))
        if request.method == "POST":
            return httpx.Response(
                200, json=envelope({"task_id": "777", "task_status": "submitted"})
            )
        if request.url.path.endswith("/missing-ext"):
            return httpx.Response(
                404, json={"code": 1203, "message": "not found", "request_id": "r"}
            )
        return httpx.Response(
            200,
            json=envelope(
                {
                    "task_id": "777",
                    "task_status": "succeed",
                    "task_result": {
                        "videos": [{"id": "v", "url": "https://cdn/v.mp4", "duration": "5"}]
                    },
                }
            ),
        )

    adapter = make_adapter(handler)
    request = make_request(inputs=GenerationInputs(first_frame=frame))
    result = asyncio.run(adapter.submit(request))
    assert result.task_id == "i2v:777" and result.request_id == "req-ok"
    assert calls[-1][:2] == ("POST", "/v1/videos/image2video")
    state = asyncio.run(adapter.poll(result.task_id))
    assert calls[-1][:2] == ("GET", "/v1/videos/image2video/777")
    assert adapter.download_spec(result.task_id, state).url == "https://cdn/v.mp4"
    assert adapter.download_spec(result.task_id, state).headers == {}
    assert asyncio.run(adapter.find_task(request)) == "i2v:777"
    assert calls[-1][:2] == ("GET", "/v1/videos/image2video/run1-job-1")
    assert asyncio.run(adapter.find_task(make_request(external_id="missing-ext"))) is None
    assert calls[-1][:2] == ("GET", "/v1/videos/text2video/missing-ext")
    with pytest.raises(errors.InvalidRequest):
        asyncio.run(adapter.poll("777"))


# --- prices ----------------------------------------------------------------------------


def no_http(request: httpx.Request) -> httpx.Response:
    raise AssertionError("pricing must not touch the network")


@pytest.mark.parametrize(
    ("model", "resolution", "audio", "usd_per_s"),
    [
        ("kling-v3", "720p", False, 0.084),
        ("kling-v3", "1080p", False, 0.112),
        ("kling-v3", "720p", True, 0.126),
        ("kling-v3", "1080p", True, 0.168),
        ("kling-v2-6", "720p", False, 0.042),
        ("kling-v2-6", "720p", True, 0.14),
        ("kling-v2-5-turbo", "1080p", False, 0.07),
        ("kling-v2-master", "1080p", False, 0.28),
        ("kling-v2-1-master", "1080p", False, 0.28),
        ("kling-v1-6", "720p", False, 0.056),
        ("kling-v1", "720p", False, 0.028),
    ],
)
def test_estimate_cost(model: str, resolution: str, audio: bool, usd_per_s: float) -> None:
    adapter = make_adapter(no_http, model=model)
    request = make_request(provider_model=model, resolution=resolution, audio=audio, duration_s=10)
    cost = adapter.estimate_cost(request)
    assert cost.usd == pytest.approx(usd_per_s * 10) and cost.native == cost.usd
    assert cost.currency == "USD"


def test_actual_cost_units_duration_failure_and_override() -> None:
    adapter = make_adapter(no_http)
    request = make_request(duration_s=5)
    by_units = TaskState(
        TaskStatus.SUCCEEDED, provider_duration_s=5.0, extra={"final_unit_deduction": "3"}
    )
    assert adapter.actual_cost(request, by_units).usd == pytest.approx(3 * 0.14)
    by_seconds = TaskState(TaskStatus.SUCCEEDED, provider_duration_s=5.5)
    assert adapter.actual_cost(request, by_seconds).usd == pytest.approx(0.084 * 5.5)
    for status in (TaskStatus.FAILED, TaskStatus.REJECTED):
        assert (
            adapter.actual_cost(request, TaskState(status, extra={"final_unit_deduction": "3"})).usd
            == 0
        )
    cheap = make_adapter(no_http, price_override={"usd_per_second": 0.05})
    assert cheap.estimate_cost(request).usd == pytest.approx(0.25)
    assert cheap.actual_cost(request, by_units).usd == pytest.approx(0.25)
