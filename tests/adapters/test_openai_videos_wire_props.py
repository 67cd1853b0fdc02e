"""OpenAI videos (Sora) wire functions as exact tables: sizes and snapping, seconds, the
multipart create, the letterboxed first frame, Video parsing over every status and error
shape, the poll hint and the error mapping."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image, ImageOps

from vidbench.adapters.openai_videos import wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import ErrorKind, GenerationInputs, GenerationRequest, TaskStatus


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "e",
        "provider_model": "sora-2",
        "text": "a lantern",
        "duration_s": 8,
        "ratio": "16:9",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def test_tables() -> None:
    assert wire.NAME == "openai_videos"
    assert wire.SECONDS == (4, 8, 12)
    assert wire.STANDARD_SIZES == ("720x1280", "1280x720")
    assert wire.PRO_SIZES == ("720x1280", "1280x720", "1024x1792", "1792x1024")
    assert wire.POLL_AFTER_HEADER == "openai-poll-after-ms"
    assert {"seconds", "size"} == wire.ALLOWED_PARAMS


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("sora-2", "sora-2"),
        ("sora-2-pro", "sora-2-pro"),
        ("sora-2-pro-2025-10-06", "sora-2-pro"),
        ("sora-2-2025-10-06", "sora-2"),
        ("x-sora-2-pro", "sora-2"),
    ],
)
def test_model_family_and_sizes(model: str, family: str) -> None:
    assert wire.model_family(model) == family
    expected = wire.PRO_SIZES if family == "sora-2-pro" else wire.STANDARD_SIZES
    assert wire.sizes_for(model) == expected


@pytest.mark.parametrize(
    ("size", "parsed", "resolution"),
    [
        ("1280x720", (1280, 720), "720p"),
        ("720X1280", (720, 1280), "720p"),
        ("1792x1024", (1792, 1024), "1080p"),
        ("1024x1792", (1024, 1792), "1080p"),
        ("1023x2000", (1023, 2000), "720p"),
    ],
)
def test_parse_size_and_resolution(size: str, parsed: tuple[int, int], resolution: str) -> None:
    assert wire.parse_size(size) == parsed
    assert wire.resolution_of_size(size) == resolution


def test_parse_size_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        wire.parse_size("big")


@pytest.mark.parametrize(
    ("model", "ratio", "resolution", "size"),
    [
        ("sora-2", "16:9", None, "1280x720"),
        ("sora-2", "9:16", "720p", "720x1280"),
        ("sora-2", "16:9", "1080p", "1280x720"),  # standard model: snapped down
        ("sora-2-pro", "16:9", "1080p", "1792x1024"),
        ("sora-2-pro", "9:16", "1080p", "1024x1792"),
        ("sora-2-pro", "9:16", "1024p", "1024x1792"),
        ("sora-2-pro", "16:9", "1440p", "1792x1024"),
        ("sora-2-pro", "16:9", "2160p", "1792x1024"),
        ("sora-2-pro", "16:9", "4k", "1792x1024"),
        ("sora-2-pro", "16:9", "480p", "1280x720"),
        ("sora-2-pro", "16:9", "720p", "1280x720"),
        ("sora-2-pro", "3:4", "1080p", "1024x1792"),  # taller than wide
        ("sora-2-pro", "4:3", "1080p", "1792x1024"),
        ("sora-2", "1:1", None, "1280x720"),  # square: landscape
        ("sora-2", "3:4", None, "720x1280"),
        ("sora-2", "tall", None, "1280x720"),  # unreadable: landscape
        ("sora-2", "a:b", None, "1280x720"),
    ],
)
def test_size_for(model: str, ratio: str, resolution: str | None, size: str) -> None:
    assert wire.size_for(model, ratio, resolution) == size


@pytest.mark.parametrize(
    ("duration_s", "seconds"),
    [
        (1, 4),
        (4, 4),
        (5, 4),
        (6, 8),
        (7, 8),
        (8, 8),
        (9, 8),
        (10, 12),
        (11, 12),
        (12, 12),
        (30, 12),
    ],
)
def test_nearest_seconds_ties_go_longer(duration_s: int, seconds: int) -> None:
    assert wire.nearest_seconds(duration_s) == seconds


def test_create_fields_and_params_override() -> None:
    assert wire.create_fields(request(duration_s=10, ratio="9:16")) == {
        "model": "sora-2",
        "prompt": "a lantern",
        "seconds": "12",
        "size": "720x1280",
    }
    overridden = wire.create_fields(request(params={"seconds": 4, "size": "1x1", "other": "no"}))
    assert overridden == {"model": "sora-2", "prompt": "a lantern", "seconds": "4", "size": "1x1"}


def _multipart(req: httpx.Request) -> bytes:
    return req.read()


def test_text_only_create_is_multipart() -> None:
    req = wire.build_create_request("https://gw.example/v1", "k-test", request())
    assert (req.method, str(req.url)) == ("POST", "https://gw.example/v1/videos")
    assert req.headers["authorization"] == "Bearer k-test"
    assert req.headers["accept"] == "application/json"
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = _multipart(req)
    for name, value in [("model", "sora-2"), ("prompt", "a lantern"), ("seconds", "8")]:
        assert f'name="{name}"\r\n\r\n{value}\r\n'.encode() in body
    assert b'name="size"\r\n\r\n1280x720\r\n' in body
    assert b"input_reference" not in body


def test_first_frame_is_letterboxed_to_size_as_png(tmp_path: Path) -> None:
    frame = tmp_path / "frame.jpg"
    Image.new("RGB", (100, 100), (255, 0, 0)).save(frame)
    req = wire.build_create_request(
        "https://gw.example/v1",
        "k-test",
        request(ratio="9:16", inputs=GenerationInputs(first_frame=frame)),
    )
    body = _multipart(req)
    assert (req.method, str(req.url)) == ("POST", "https://gw.example/v1/videos")
    assert req.headers["authorization"] == "Bearer k-test"
    assert req.headers["accept"] == "application/json"
    assert b'name="input_reference"; filename="input_reference.png"' in body
    assert b"Content-Type: image/png" in body
    assert b'name="size"\r\n\r\n720x1280\r\n' in body
    assert b'name="prompt"\r\n\r\na lantern\r\n' in body
    png = wire.fit_image_to_size(frame, "720x1280")
    assert png in body
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (720, 1280) and image.mode == "RGB"
        red, green, blue = image.getpixel((360, 640))  # type: ignore[misc]
        assert red >= 250 and green <= 5 and blue <= 5
        assert image.getpixel((360, 5)) == (0, 0, 0)  # black bar above
        assert image.getpixel((360, 1275)) == (0, 0, 0)  # and below


def test_retrieve_request_escapes_the_id() -> None:
    req = wire.build_retrieve_request("https://gw.example/v1", "k-test", "video/../x")
    assert req.method == "GET"
    assert str(req.url) == "https://gw.example/v1/videos/video%2F..%2Fx"
    assert req.headers["authorization"] == "Bearer k-test"
    assert req.headers["accept"] == "application/json"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("1500", 1.5), ("0", 0.0), ("-200", 0.0), ("abc", None), ("", None), (None, None)],
)
def test_poll_after(value: str | None, seconds: float | None) -> None:
    headers = httpx.Headers({} if value is None else {"openai-poll-after-ms": value})
    assert wire.poll_after_s(headers) == seconds


@pytest.mark.parametrize(
    ("code", "message", "moderated"),
    [
        ("moderation_blocked", None, True),
        (None, "Blocked by our Content_Policy", True),
        ("content_filter", "", True),
        (None, "safety system", True),
        ("policy_violation", None, True),
        ("server_error", "try again", False),
        (None, None, False),
    ],
)
def test_is_moderation(code: str | None, message: str | None, moderated: bool) -> None:
    assert wire.is_moderation(code, message) is moderated


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("queued", TaskStatus.QUEUED),
        ("in_progress", TaskStatus.RUNNING),
        ("completed", TaskStatus.SUCCEEDED),
    ],
)
def test_parse_video_statuses(raw: str, status: TaskStatus) -> None:
    state = wire.parse_video(
        {
            "status": raw,
            "progress": 40,
            "seconds": "8",
            "size": "1280x720",
            "model": "sora-2",
            "expires_at": 0,
            "completed_at": 1700,
        },
        httpx.Headers({"openai-poll-after-ms": "2000"}),
    )
    assert state.status is status
    assert state.raw_status == raw
    assert state.error_kind is None and state.detail is None
    assert state.progress == 0.4
    assert state.provider_duration_s == 8.0
    assert state.poll_after_s == 2.0
    assert state.extra == {"size": "1280x720", "model": "sora-2", "completed_at": 1700}


def test_parse_video_without_optional_fields() -> None:
    state = wire.parse_video({"status": "queued", "progress": "50", "seconds": "n/a"})
    assert (state.progress, state.provider_duration_s, state.poll_after_s) == (None, None, None)
    assert state.extra == {}
    assert wire.parse_video({"status": "queued", "progress": 12.5}).progress == 0.125


@pytest.mark.parametrize(
    ("error", "status", "kind", "detail"),
    [
        (
            {"code": "server_error", "message": "boom"},
            TaskStatus.FAILED,
            ErrorKind.TASK_FAILED,
            "server_error: boom",
        ),
        ({"message": "boom"}, TaskStatus.FAILED, ErrorKind.TASK_FAILED, "boom"),
        (None, TaskStatus.FAILED, ErrorKind.TASK_FAILED, "the video failed"),
        ({"code": ""}, TaskStatus.FAILED, ErrorKind.TASK_FAILED, "the video failed"),
        (
            {"code": "moderation_blocked", "message": "no"},
            TaskStatus.REJECTED,
            ErrorKind.CONTENT_REJECTED,
            "moderation_blocked: no",
        ),
        (
            {"message": "refused by the safety system"},
            TaskStatus.REJECTED,
            ErrorKind.CONTENT_REJECTED,
            "refused by the safety system",
        ),
    ],
)
def test_parse_video_failures(
    error: dict[str, str] | None, status: TaskStatus, kind: ErrorKind, detail: str
) -> None:
    state = wire.parse_video({"status": "failed", "error": error, "progress": 100})
    assert (state.status, state.error_kind, state.detail) == (status, kind, detail)
    assert state.raw_status == "failed" and state.progress == 1.0


@pytest.mark.parametrize("body", [None, [], {"id": "v"}, "text"])
def test_parse_video_without_a_video_object_is_transient(body: Any) -> None:
    with pytest.raises(errors.TransientError) as caught:
        wire.parse_video(body)
    assert caught.value.message == "retrieve answered without a Video object"
    assert caught.value.provider == "openai_videos"
    assert caught.value.body == str(body)


def test_parse_video_unknown_status_is_transient() -> None:
    with pytest.raises(errors.TransientError, match="unknown video status 'cancelled'") as caught:
        wire.parse_video({"status": "cancelled"})
    assert caught.value.provider == "openai_videos"


def test_as_float() -> None:
    assert (wire.as_float("4"), wire.as_float(None), wire.as_float("x")) == (4.0, None, None)


def _error(status: int | None, message: str, code: str | None = None) -> errors.ProviderError:
    return errors.InvalidRequest(
        message, provider="gw", status_code=status, code=code, request_id="req-1", body="{}"
    )


@pytest.mark.parametrize(
    ("status", "message", "code", "refined"),
    [
        (410, "gone", None, errors.ModelGone),
        (404, "The model does not exist", "model_not_found", errors.ModelGone),
        (404, "This API was Shut Down", None, errors.ModelGone),
        (404, "shutdown", None, errors.ModelGone),
        (404, "deprecated", None, errors.ModelGone),
        (404, "no longer available", None, errors.ModelGone),
        (404, "sunset", None, errors.ModelGone),
        (404, "video not found", None, None),
        (400, "model_not_found", "model_not_found", None),
        (429, "quota", "insufficient_quota", errors.BillingError),
        (429, "slow down", "rate_limit_exceeded", None),
        (402, "quota", "insufficient_quota", None),
        (400, "flagged", "moderation_blocked", errors.ContentRejected),
        (400, "violates our content_policy", None, errors.ContentRejected),
        (422, "flagged", "moderation_blocked", None),
        (400, "bad size", "invalid_value", None),
    ],
)
def test_refine_error(
    status: int, message: str, code: str | None, refined: type[errors.ProviderError] | None
) -> None:
    original = _error(status, message, code)
    out = wire.refine_error(original)
    if refined is None:
        assert out is original
        return
    assert type(out) is refined
    expected = f"{wire.GONE_MESSAGE} ({message})" if refined is errors.ModelGone else message
    assert out.message == expected
    assert (out.provider, out.status_code, out.code) == ("openai_videos", status, code)
    assert (out.request_id, out.body) == ("req-1", "{}")


def test_parse_video_keeps_every_extra_field_that_is_set() -> None:
    body = {"status": "completed", "size": "s", "model": "m", "expires_at": 9, "completed_at": 8}
    assert wire.parse_video(body).extra == {
        "size": "s",
        "model": "m",
        "expires_at": 9,
        "completed_at": 8,
    }


def test_a_transparent_frame_is_sent_as_rgb(tmp_path: Path) -> None:
    frame = tmp_path / "frame.png"
    Image.new("RGBA", (64, 36), (0, 255, 0, 128)).save(frame)
    with Image.open(io.BytesIO(wire.fit_image_to_size(frame, "1280x720"))) as image:
        assert (image.mode, image.size) == ("RGB", (1280, 720))


def test_the_frame_is_resampled_with_lanczos(tmp_path: Path) -> None:
    frame = tmp_path / "noise.png"
    noise = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    Image.fromarray(noise, "RGB").save(frame)
    expected = ImageOps.pad(
        Image.fromarray(noise, "RGB"),
        (720, 1280),
        method=Image.Resampling.LANCZOS,
        color=(0, 0, 0),
    )
    with Image.open(io.BytesIO(wire.fit_image_to_size(frame, "720x1280"))) as image:
        assert np.array_equal(np.asarray(image), np.asarray(expected))
