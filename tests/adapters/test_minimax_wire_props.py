"""MiniMax wire functions as exact tables: resolution words, the create body, `base_resp`
codes to typed errors, query statuses and failures, error bodies."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.adapters.minimax import wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import ErrorKind, GenerationInputs, GenerationRequest, TaskStatus


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "e",
        "provider_model": "MiniMax-Hailuo-2.3",
        "text": "a heron",
        "duration_s": 6,
        "ratio": "16:9",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


@pytest.mark.parametrize(
    ("resolution", "params", "word"),
    [
        ("720p", {}, "768P"),
        ("1080p", {}, "1080P"),
        ("480p", {}, "768P"),  # a class MiniMax does not sell: the default word
        (None, {}, "768P"),
        ("1080p", {"resolution": "2K"}, "2K"),  # the model's own param wins
        ("720p", {"resolution": ""}, "768P"),
    ],
)
def test_resolution_words(resolution: str | None, params: dict[str, Any], word: str) -> None:
    assert wire.resolution_word(request(resolution=resolution, params=params)) == word


def test_image_data_urls(tmp_path: Path) -> None:
    for name, mime in [("a.jpg", "image/jpeg"), ("a.png", "image/png"), ("a.qzx", "image/png")]:
        path = tmp_path / name
        path.write_bytes(b"pixels")
        assert (
            wire.image_data_url(path)
            == f"data:{mime};base64,{base64.b64encode(b'pixels').decode()}"
        )


def test_create_body(tmp_path: Path) -> None:
    assert wire.build_body(request(resolution="1080p")) == {
        "model": "MiniMax-Hailuo-2.3",
        "prompt": "a heron",
        "duration": 6,
        "resolution": "1080P",
        "prompt_optimizer": False,
    }
    first, last = tmp_path / "f.png", tmp_path / "l.png"
    first.write_bytes(b"first")
    last.write_bytes(b"last")
    params = {"resolution": "2K", "prompt_optimizer": True, "fast_pretreatment": True}
    body = wire.build_body(
        request(params=params, inputs=GenerationInputs(first_frame=first, last_frame=last))
    )
    assert (
        body["first_frame_image"] == "data:image/png;base64," + base64.b64encode(b"first").decode()
    )
    assert body["last_frame_image"] == "data:image/png;base64," + base64.b64encode(b"last").decode()
    assert (body["resolution"], body["prompt_optimizer"], body["fast_pretreatment"]) == (
        "2K",
        True,
        True,
    )
    empty = wire.build_body(request(resolution="1080p", params={"resolution": ""}))
    assert empty["resolution"] == "1080P"  # an empty param neither wins nor is sent
    only_last = wire.build_body(request(inputs=GenerationInputs(last_frame=last)))
    assert "first_frame_image" not in only_last and "last_frame_image" in only_last


@pytest.mark.parametrize("body", [{"task_id": "1"}, {"base_resp": {"status_code": 0}}, {"base_resp": {"status_code": None}}, {"base_resp": "x"}])  # fmt: skip
def test_success_bodies_pass_through(body: dict[str, Any]) -> None:
    assert wire.check_base_resp(body) is body


@pytest.mark.parametrize("body", [[1], "text", None, 3])
def test_a_body_that_is_not_an_object_is_transient(body: Any) -> None:
    with pytest.raises(errors.TransientError) as info:
        wire.check_base_resp(body)
    assert type(info.value) is errors.TransientError and info.value.provider == "minimax"
    assert str(info.value) == "minimax: answer is not a JSON object"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (1000, errors.TransientError),
        (1001, errors.TransientError),
        (1002, errors.RateLimited),
        (1004, errors.AuthError),
        (1008, errors.BillingError),
        (1026, errors.ContentRejected),
        (1027, errors.ContentRejected),
        (1039, errors.RateLimited),
        (2013, errors.InvalidRequest),
        (2049, errors.AuthError),
        (9999, errors.InvalidRequest),  # undocumented codes are the caller's problem
        ("1002", errors.InvalidRequest),  # not a number: nothing to look up
    ],
)
def test_error_codes(code: Any, cls: type[errors.ProviderError]) -> None:
    body = {"base_resp": {"status_code": code, "status_msg": "it went wrong"}}
    with pytest.raises(errors.ProviderError) as info:
        wire.check_base_resp(body)
    exc = info.value
    assert type(exc) is cls
    assert (exc.provider, exc.code) == ("minimax", str(code))
    assert str(exc).startswith("minimax: it went wrong")
    assert exc.body == str(body)


def test_an_invalid_request_about_the_model_is_not_found() -> None:
    body = {"base_resp": {"status_code": 2013, "status_msg": "invalid params, Model not exist"}}
    with pytest.raises(errors.NotFound):
        wire.check_base_resp(body)
    rate = {"base_resp": {"status_code": 1002, "status_msg": "model rate limit"}}
    with pytest.raises(errors.RateLimited):  # only invalid requests become not-found
        wire.check_base_resp(rate)
    with pytest.raises(errors.InvalidRequest) as info:
        wire.check_base_resp({"base_resp": {"status_code": 2013}})
    assert type(info.value) is errors.InvalidRequest and str(info.value).startswith(
        "minimax: error"
    )


def test_long_bodies_are_truncated_in_errors() -> None:
    body = {"base_resp": {"status_code": 1000, "status_msg": "x"}, "pad": "y" * 2000}
    with pytest.raises(errors.TransientError) as info:
        wire.check_base_resp(body)
    assert info.value.body == errors.truncate(str(body))[: errors.BODY_LIMIT_CHARS]
    assert len(info.value.body) == errors.BODY_LIMIT_CHARS


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Preparing", TaskStatus.QUEUED),
        ("Queueing", TaskStatus.QUEUED),
        ("Processing", TaskStatus.RUNNING),
        ("Success", TaskStatus.SUCCEEDED),
        ("Rendering", TaskStatus.RUNNING),  # unknown words keep polling
        ("", TaskStatus.RUNNING),
    ],
)
def test_query_statuses(raw: str, status: TaskStatus) -> None:
    state = wire.parse_query(
        {"status": raw, "file_id": "f-1", "video_width": 1366, "video_height": 0}
    )
    assert (state.status, state.raw_status, state.error_kind) == (status, raw, None)
    assert state.extra == {"file_id": "f-1", "video_width": 1366}  # falsy values are left out


def test_a_query_without_status() -> None:
    state = wire.parse_query({})
    assert (state.status, state.raw_status, state.extra) == (TaskStatus.RUNNING, "", {})


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        (1026, TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
        (1027, TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED),
        (1000, TaskStatus.FAILED, ErrorKind.TASK_FAILED),
        (None, TaskStatus.FAILED, ErrorKind.TASK_FAILED),
    ],
)
def test_failed_tasks(code: int | None, status: TaskStatus, kind: ErrorKind) -> None:
    body = {"status": "Fail", "base_resp": {"status_code": code, "status_msg": "why"}}
    state = wire.parse_query(body)
    assert (state.status, state.error_kind, state.detail, state.raw_status) == (
        status,
        kind,
        f"{code}: why",
        "Fail",
    )
    silent = wire.parse_query({"status": "Fail"})
    assert silent.detail == "None: the task failed" and silent.status is TaskStatus.FAILED


def response(status: int, body: Any) -> httpx.Response:
    req = httpx.Request("POST", "https://api.minimax.test/v1/video_generation")
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, request=req)
    return httpx.Response(status, json=body, request=req)


def test_error_bodies() -> None:
    full = {"base_resp": {"status_code": 1004, "status_msg": "bad key"}}
    assert wire.parse_error(response(401, full)) == ("bad key", "1004")
    assert wire.parse_error(response(401, {"base_resp": {"status_code": 1004}})) == (
        "Unauthorized",
        "1004",
    )
    assert wire.parse_error(response(502, b"<html>")) == ("Bad Gateway", None)
    assert wire.parse_error(response(400, {"base_resp": "flat"})) == ("Bad Request", None)
    assert wire.parse_error(response(599, b"")) == ("error", None)


def test_query_extra_keeps_the_reported_size() -> None:
    state = wire.parse_query({"status": "Success", "video_width": 1366, "video_height": 768})
    assert state.extra == {"video_width": 1366, "video_height": 768}
