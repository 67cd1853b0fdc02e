"""Kling wire functions as exact tables (Kling API documentation): bodies per model and
family, task ids, task parsing, and the error-code mapping with its message and ids."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from vidbench.adapters.kling import wire as kling_wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import ErrorKind, GenerationInputs, GenerationRequest, TaskStatus


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "ext-1",
        "provider_model": "kling-v2-5-turbo",
        "text": "a fox",
        "duration_s": 10,
        "ratio": "1:1",
        "resolution": "720p",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def test_token_claims_truncate_the_clock() -> None:
    token = kling_wire.make_token("ak", "a-secret-of-thirty-two-bytes-long!", 1_000.9)
    claims = jwt.decode(
        token,
        "a-secret-of-thirty-two-bytes-long!",
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert claims == {"iss": "ak", "exp": 2_800, "nbf": 995}
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


def test_a_short_secret_raises_no_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kling_wire.make_token("ak", "short", 0.0)


@pytest.mark.parametrize(
    ("model", "resolution", "audio", "shots", "expected"),
    [
        ("kling-v2-5-turbo", "720p", True, 3, {"mode": "std"}),
        ("kling-v2-5-turbo", "1080p", False, None, {"mode": "pro"}),
        ("kling-v2-5-turbo", None, False, None, {"mode": "std"}),
        ("kling-v2-6", "720p", False, None, {"mode": "std", "sound": "off"}),
        ("kling-v2-6", "720p", True, None, {"mode": "pro", "sound": "on"}),
        ("kling-v3", "720p", True, None, {"mode": "std", "sound": "on"}),
        ("kling-v3", "720p", False, 1, {"mode": "std", "sound": "off"}),
        (
            "kling-v3",
            "1080p",
            False,
            2,
            {"mode": "pro", "sound": "off", "multi_shot": True, "shot_type": "intelligence"},
        ),
    ],
)
def test_text2video_bodies(
    model: str, resolution: str | None, audio: bool, shots: int | None, expected: dict[str, Any]
) -> None:
    built = request(provider_model=model, resolution=resolution, audio=audio, shots=shots)
    body = kling_wire.build_text2video_body(built)
    assert body == {
        "model_name": model,
        "prompt": "a fox",
        "duration": "10",
        "external_task_id": "ext-1",
        "aspect_ratio": "1:1",
        **expected,
    }


def test_params_are_filtered_by_family(tmp_path: Path) -> None:
    params = {"static_mask": "m", "aspect_ratio": "9:16", "cfg_scale": 0.3}
    t2v = kling_wire.build_text2video_body(request(params=params))
    assert (t2v["aspect_ratio"], t2v["cfg_scale"]) == ("9:16", 0.3) and "static_mask" not in t2v
    first = tmp_path / "first.png"
    first.write_bytes(b"first-bytes")
    i2v = kling_wire.build_image2video_body(
        request(params=params, inputs=GenerationInputs(first_frame=first))
    )
    assert (i2v["static_mask"], i2v["cfg_scale"]) == ("m", 0.3) and "aspect_ratio" not in i2v
    assert i2v["image"] == base64.b64encode(b"first-bytes").decode()
    assert "image_tail" not in i2v


def test_image2video_reads_through_the_given_reader() -> None:
    read: list[Path] = []

    def reader(path: Path) -> bytes:
        read.append(path)
        return path.name.encode()

    inputs = GenerationInputs(last_frame=Path("tail.png"))
    body = kling_wire.build_image2video_body(request(inputs=inputs), read_bytes=reader)
    assert body["image_tail"] == base64.b64encode(b"tail.png").decode()
    assert "image" not in body and read == [Path("tail.png")]


def test_family_and_task_ids() -> None:
    assert kling_wire.family_for(request()) == "t2v"
    assert kling_wire.family_for(request(inputs=GenerationInputs(first_frame=Path("a")))) == "i2v"
    assert kling_wire.family_for(request(inputs=GenerationInputs(last_frame=Path("a")))) == "i2v"
    assert kling_wire.split_task_id("i2v:123:4") == ("i2v", "123:4")
    for bad in ("123", "v2v:1", "t2v:", ":1", ""):
        with pytest.raises(errors.InvalidRequest, match="not a Kling task id") as info:
            kling_wire.split_task_id(bad)
        assert info.value.provider == "kling"


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("x", None), ([], None), ("1.5", 1.5), (3, 3.0)]
)
def test_float_or_none(value: Any, expected: float | None) -> None:
    assert kling_wire.float_or_none(value) == expected


def test_task_timestamps_and_deduction() -> None:
    state = kling_wire.parse_task(
        {"task_status": "processing", "created_at": 1500, "updated_at": "bad"}
    )
    assert state.extra == {"created_at_s": 1.5, "updated_at_s": None}
    assert state.status is TaskStatus.RUNNING and state.error_kind is None
    empty = kling_wire.parse_task({"task_status": "submitted", "final_unit_deduction": ""})
    assert "final_unit_deduction" not in empty.extra and empty.status is TaskStatus.QUEUED
    zero = kling_wire.parse_task({"task_status": "submitted", "final_unit_deduction": 0})
    assert zero.extra["final_unit_deduction"] == "0"


@pytest.mark.parametrize("raw", ["", "paused", "SUCCEED"])
def test_unknown_statuses_keep_polling(raw: str) -> None:
    state = kling_wire.parse_task({"task_status": raw})
    assert (state.status, state.error_kind, state.raw_status) == (TaskStatus.RUNNING, None, raw)


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ("Risk control: sensitive", TaskStatus.REJECTED),
        ("内容审核未通过", TaskStatus.REJECTED),
        ("VIOLATES policy", TaskStatus.REJECTED),
        ("moderation", TaskStatus.REJECTED),
        ("GPU out of memory", TaskStatus.FAILED),
    ],
)
def test_failure_messages(message: str, status: TaskStatus) -> None:
    state = kling_wire.parse_task({"task_status": "failed", "task_status_msg": message})
    kind = ErrorKind.CONTENT_REJECTED if status is TaskStatus.REJECTED else ErrorKind.TASK_FAILED
    assert (state.status, state.error_kind, state.detail) == (status, kind, message)


def test_a_failure_without_a_message() -> None:
    state = kling_wire.parse_task({"task_status": "failed"})
    assert (state.status, state.detail) == (TaskStatus.FAILED, "task failed without a message")


def test_success_needs_a_video_url() -> None:
    result = {"videos": [{"url": "https://cdn/v.mp4", "watermark_url": "https://cdn/w.mp4"}]}
    state = kling_wire.parse_task({"task_status": "succeed", "task_result": result})
    assert (state.status, state.video_url, state.provider_duration_s) == (
        TaskStatus.SUCCEEDED,
        "https://cdn/v.mp4",
        None,
    )
    assert state.extra["watermark_url"] == "https://cdn/w.mp4"
    broken_results: list[dict[str, Any]] = [
        {},
        {"videos": []},
        {"videos": ["x"]},
        {"videos": [{"url": ""}]},
    ]
    for broken in broken_results:
        failed = kling_wire.parse_task({"task_status": "succeed", "task_result": broken})
        assert (failed.status, failed.error_kind, failed.detail) == (
            TaskStatus.FAILED,
            ErrorKind.TASK_FAILED,
            "succeeded without a video url",
        )
    assert kling_wire.parse_task({"task_status": "succeed", "task_result": None}).status is (
        TaskStatus.FAILED
    )


def response(status: int, body: Any) -> httpx.Response:
    req = httpx.Request("GET", "https://kling.test/v1/videos/text2video/1")
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, request=req)
    return httpx.Response(status, json=body, request=req)


def test_error_bodies() -> None:
    assert kling_wire.parse_error(response(400, {"code": 1201, "message": "bad"})) == (
        "bad",
        "1201",
    )
    assert kling_wire.parse_error(response(400, {"code": 1201})) == ("Bad Request", "1201")
    assert kling_wire.parse_error(response(400, {"message": "no code"})) == ("Bad Request", None)
    assert kling_wire.parse_error(response(502, b"<html>")) == ("Bad Gateway", None)
    assert kling_wire.parse_error(response(599, b"")) == ("error", None)


def http_error(code: str | None, body: str = "", cls: type = errors.InvalidRequest, **kw: Any) -> Any:  # fmt: skip
    return cls("http says no", provider="kling", status_code=400, code=code, request_id="hdr-id", body=body, **kw)  # fmt: skip


def test_refined_error_takes_message_and_request_id_from_the_body() -> None:
    body = json.dumps({"code": 1201, "message": "duration invalid", "request_id": "body-id"})
    refined = kling_wire.refine_error(http_error("1201", body))
    assert type(refined) is errors.InvalidRequest
    assert refined.request_id == "body-id" and refined.code == "1201"
    assert refined.status_code == 400 and refined.provider == "kling"
    assert str(refined).startswith("kling: invalid parameter: duration invalid | HTTP 400")
    assert refined.body == body


def test_refined_error_prefers_the_given_body_text() -> None:
    given = json.dumps({"message": "from text", "request_id": "text-id"})
    refined = kling_wire.refine_error(http_error("1200", "{}"), given)
    assert str(refined).startswith("kling: invalid request: from text")
    assert refined.request_id == "text-id"


def test_refined_error_falls_back_to_the_exception_message() -> None:
    refined = kling_wire.refine_error(http_error("1203", "not json"))
    assert type(refined) is errors.NotFound and refined.request_id == "hdr-id"
    assert str(refined).startswith("kling: resource not found: http says no | HTTP 400")
    no_id = kling_wire.refine_error(http_error("1203", json.dumps({"request_id": ""})))
    assert no_id.request_id == "hdr-id"
    assert str(no_id).startswith("kling: resource not found: http says no | HTTP 400")


@pytest.mark.parametrize("code", [None, "abc", "999"])
def test_unknown_codes_keep_the_class_and_message(code: str | None) -> None:
    refined = kling_wire.refine_error(http_error(code, "", errors.TransientError))
    assert type(refined) is errors.TransientError
    assert str(refined).startswith("kling: http says no | HTTP 400")


def test_rate_limits_keep_their_retry_after() -> None:
    limited = http_error("1302", "", errors.RateLimited, retry_after_s=7.0)
    refined = kling_wire.refine_error(limited)
    assert type(refined) is errors.RateLimited and refined.retry_after_s == 7.0
    assert str(refined).startswith("kling: rate limit: http says no")
    from_other = kling_wire.refine_error(http_error("1303", ""))
    assert type(from_other) is errors.RateLimited and from_other.retry_after_s is None
