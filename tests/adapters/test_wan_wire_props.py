"""Wan (DashScope) wire functions as exact tables: media, the create body, task statuses and
failures, error bodies and the code mapping."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.adapters.wan import wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import ErrorKind, GenerationInputs, GenerationRequest, TaskStatus


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "e",
        "provider_model": "wan3.0-video",
        "text": "a lantern",
        "duration_s": 8,
        "ratio": "4:3",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_data_urls(tmp_path: Path) -> None:
    for name, mime in [
        ("a.png", "image/png"),
        ("a.mp3", "audio/mpeg"),
        ("a.qzx", "application/octet-stream"),
    ]:
        path = tmp_path / name
        path.write_bytes(b"bytes")
        assert wire.data_url(path) == f"data:{mime};base64,{b64(b'bytes')}"


def test_text_body() -> None:
    assert wire.build_body(request()) == {
        "model": "wan3.0-video",
        "input": {"prompt": "a lantern"},
        "parameters": {
            "resolution": "720P",
            "duration": 8,
            "audio": False,
            "prompt_extend": False,
            "watermark": False,
            "ratio": "4:3",
        },
    }
    sized = wire.build_body(request(resolution="1080p", audio=True, seed=0))
    assert sized["parameters"]["resolution"] == "1080P"
    assert (sized["parameters"]["audio"], sized["parameters"]["seed"]) == (True, 0)


def test_media_and_params(tmp_path: Path) -> None:
    files = {n: tmp_path / n for n in ("f.png", "l.png", "v1.wav", "v2.wav")}
    for name, path in files.items():
        path.write_bytes(name.encode())
    inputs = GenerationInputs(
        first_frame=files["f.png"],
        last_frame=files["l.png"],
        reference_audios=(files["v1.wav"], files["v2.wav"]),
    )
    params = {"negative_prompt": "blur", "prompt_extend": True, "ratio": "1:1"}
    body = wire.build_body(request(inputs=inputs, params=params))
    assert body["input"] == {
        "prompt": "a lantern",
        "media": [
            {"type": "first_frame", "url": f"data:image/png;base64,{b64(b'f.png')}"},
            {"type": "last_frame", "url": f"data:image/png;base64,{b64(b'l.png')}"},
            {"type": "driving_audio", "url": f"data:audio/x-wav;base64,{b64(b'v1.wav')}"},
        ],
        "negative_prompt": "blur",
    }
    # A first frame fixes the shape: no ratio is derived, but a model param may still set one.
    assert body["parameters"]["prompt_extend"] is True and body["parameters"]["ratio"] == "1:1"
    no_ratio = wire.build_body(request(inputs=GenerationInputs(first_frame=files["f.png"])))
    assert "ratio" not in no_ratio["parameters"]
    last_only = wire.build_body(request(inputs=GenerationInputs(last_frame=files["l.png"])))
    assert [m["type"] for m in last_only["input"]["media"]] == ["last_frame"]
    assert last_only["parameters"]["ratio"] == "4:3"


def task(status: str, **output: Any) -> dict[str, Any]:
    return {"output": {"task_status": status, **output}, "request_id": "r"}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("PENDING", TaskStatus.QUEUED),
        ("SUSPENDED", TaskStatus.QUEUED),
        ("RUNNING", TaskStatus.RUNNING),
        ("CANCELED", TaskStatus.CANCELLED),
        ("THINKING", TaskStatus.RUNNING),  # unknown words keep polling
    ],
)
def test_task_statuses(raw: str, status: TaskStatus) -> None:
    state = wire.parse_task(task(raw, video_url="https://x/v.mp4"))
    assert (state.status, state.raw_status, state.error_kind, state.video_url) == (
        status,
        raw,
        None,
        None,  # a url only counts once the task succeeded
    )


def test_success_with_usage() -> None:
    body = task("SUCCEEDED", video_url="https://x/v.mp4")
    body["usage"] = {"video_duration": 8, "duration": 99, "video_ratio": "1280*720"}
    state = wire.parse_task(body)
    assert (state.status, state.video_url, state.provider_duration_s) == (
        TaskStatus.SUCCEEDED,
        "https://x/v.mp4",
        8.0,
    )
    assert state.extra == {"video_ratio": "1280*720"}
    fallback = task("SUCCEEDED")
    fallback["usage"] = {"duration": 5.5}
    state = wire.parse_task(fallback)
    assert (state.video_url, state.provider_duration_s, state.extra) == (None, 5.5, {})
    odd = task("SUCCEEDED")
    odd["usage"] = {"video_duration": "8"}
    assert wire.parse_task(odd).provider_duration_s is None
    listed = task("SUCCEEDED")
    listed["usage"] = ["not", "a", "dict"]
    assert wire.parse_task(listed).provider_duration_s is None


@pytest.mark.parametrize(
    ("code", "message", "status", "detail"),
    [
        ("DataInspectionFailed", "unsafe", TaskStatus.REJECTED, "DataInspectionFailed: unsafe"),
        ("DataInspection.Output", "x", TaskStatus.REJECTED, "DataInspection.Output: x"),
        ("IPInfringementSuspect", "ip", TaskStatus.REJECTED, "IPInfringementSuspect: ip"),
        ("InternalError", "boom", TaskStatus.FAILED, "InternalError: boom"),
        ("XCodecError", "at frame X", TaskStatus.FAILED, "XCodecError: at frame X"),
        (None, "just words", TaskStatus.FAILED, "just words"),
        (None, None, TaskStatus.FAILED, "the task failed"),
    ],
)
def test_failures(code: str | None, message: str | None, status: TaskStatus, detail: str) -> None:
    output: dict[str, Any] = {}
    if code is not None:
        output["code"] = code
    if message is not None:
        output["message"] = message
    state = wire.parse_task(task("FAILED", **output))
    kind = ErrorKind.CONTENT_REJECTED if status is TaskStatus.REJECTED else ErrorKind.TASK_FAILED
    assert (state.status, state.error_kind, state.detail, state.raw_status) == (
        status,
        kind,
        detail,
        "FAILED",
    )


def test_unknown_tasks_have_expired() -> None:
    state = wire.parse_task(task("UNKNOWN"))
    assert (state.status, state.error_kind, state.detail) == (
        TaskStatus.EXPIRED,
        ErrorKind.EXPIRED,
        "task unknown or expired (24 h)",
    )


@pytest.mark.parametrize("body", [None, [], {"output": "x"}, {"output": {"task_id": "1"}}])
def test_a_task_without_status_is_transient(body: Any) -> None:
    with pytest.raises(errors.TransientError) as info:
        wire.parse_task(body)
    assert info.value.provider == "wan" and info.value.body == errors.truncate(str(body))
    assert str(info.value) == "wan: task answered without output.task_status"


def response(status: int, body: Any) -> httpx.Response:
    req = httpx.Request("POST", "https://dashscope.test" + wire.CREATE_PATH)
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, request=req)
    return httpx.Response(status, json=body, request=req)


def test_error_bodies() -> None:
    assert wire.parse_error(response(400, {"code": "InvalidParameter", "message": "bad"})) == (
        "bad",
        "InvalidParameter",
    )
    assert wire.parse_error(response(400, {"code": "X"})) == ("Bad Request", "X")
    assert wire.parse_error(response(400, {"message": "only words"})) == ("only words", None)
    assert wire.parse_error(response(400, {"request_id": "r"})) == ("Bad Request", None)
    assert wire.parse_error(response(502, b"<html>")) == ("Bad Gateway", None)
    assert wire.parse_error(response(599, b"")) == ("error", None)


def http_error(code: str | None, message: str = "said no", cls: type = errors.InvalidRequest) -> Any:  # fmt: skip
    return cls(message, provider="wan", status_code=400, code=code, request_id="rid", body="{}")


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("DataInspectionFailed", "said no", errors.ContentRejected),
        ("IPInfringementSuspect.Output", "said no", errors.ContentRejected),
        ("Arrearage", "said no", errors.BillingError),
        ("Arrearage.Extra", "said no", errors.InvalidRequest),
        ("InvalidApiKey", "said no", errors.AuthError),
        ("Throttling.RateQuota", "said no", errors.RateLimited),
        ("ModelNotFound", "said no", errors.NotFound),
        ("Model.NotFound", "said no", errors.NotFound),
        ("InvalidParameter", "Model Not Exist: wan9", errors.NotFound),
        ("InvalidParameter", "said no", errors.InvalidRequest),
        (None, "said no", errors.InvalidRequest),
    ],
)
def test_refined_errors(code: str | None, message: str, expected: type) -> None:
    refined = wire.refine_error(http_error(code, message))
    assert type(refined) is expected
    assert (refined.provider, refined.status_code, refined.code, refined.request_id) == (
        "wan",
        400,
        code,
        "rid",
    )
    assert refined.body == "{}" and str(refined).startswith(f"wan: {message} | HTTP 400")


def test_a_rate_limit_keeps_its_retry_after() -> None:
    limited = errors.RateLimited("slow", provider="wan", code="Throttling", retry_after_s=4.0)
    assert wire.refine_error(limited) is limited
    unrelated = http_error("InternalError", cls=errors.TransientError)
    assert wire.refine_error(unrelated) is unrelated
