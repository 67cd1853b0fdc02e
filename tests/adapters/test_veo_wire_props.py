"""Veo (Gemini API) wire functions as exact tables: snapping, the 1080p-only-at-8-s rule,
input combinations, exact bodies and requests, every Operation shape and the error mapping."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.adapters.veo import wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import ErrorKind, GenerationInputs, GenerationRequest, TaskStatus


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "e",
        "provider_model": "veo-3.1-generate-preview",
        "text": "a lantern",
        "duration_s": 8,
        "ratio": "16:9",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def image(tmp_path: Path, name: str, data: bytes = b"img") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_tables() -> None:
    assert wire.NAME == "veo"
    assert (wire.DURATIONS_S, wire.RATIOS, wire.RESOLUTIONS) == (
        (4, 6, 8),
        ("16:9", "9:16"),
        ("720p", "1080p"),
    )
    assert (wire.HIGH_RESOLUTION_DURATION_S, wire.MAX_REFERENCE_IMAGES) == (8, 3)
    assert wire.KEY_HEADER == "x-goog-api-key"


@pytest.mark.parametrize(
    ("target", "found"),
    [(1, 4), (4, 4), (5, 6), (6, 6), (7, 8), (8, 8), (20, 8)],
)
def test_nearest_ties_go_larger(target: int, found: int) -> None:
    assert wire.nearest(wire.DURATIONS_S, target) == found


@pytest.mark.parametrize(
    ("ratio", "snapped"),
    [
        ("16:9", "16:9"),
        ("9:16", "9:16"),
        ("3:4", "9:16"),
        ("4:3", "16:9"),
        ("1:1", "16:9"),
        ("wide", "16:9"),
        ("x:y", "16:9"),
    ],
)
def test_snap_ratio(ratio: str, snapped: str) -> None:
    assert wire.snap_ratio(ratio) == snapped


@pytest.mark.parametrize(
    ("duration_s", "resolution", "expected_s", "expected_resolution"),
    [
        (8, None, 8, "720p"),
        (8, "720p", 8, "720p"),
        (8, "1080p", 8, "1080p"),
        (8, "1440p", 8, "1080p"),
        (8, "2160p", 8, "1080p"),
        (8, "4k", 8, "1080p"),
        (8, "480p", 8, "720p"),
        (6, "1080p", 6, "720p"),  # 1080p only at 8 s
        (4, "4k", 4, "720p"),
        (7, "1080p", 8, "1080p"),
    ],
)
def test_parameters_snap_duration_and_resolution(
    duration_s: int, resolution: str | None, expected_s: int, expected_resolution: str
) -> None:
    assert wire.parameters_for(request(duration_s=duration_s, resolution=resolution)) == {
        "aspectRatio": "16:9",
        "durationSeconds": expected_s,
        "resolution": expected_resolution,
        "sampleCount": 1,
    }


def test_parameters_seed_and_allowed_params() -> None:
    params = {"negativePrompt": "blur", "personGeneration": "dont_allow", "other": 1}
    found = wire.parameters_for(request(ratio="3:4", seed=0, params=params))
    assert found == {
        "aspectRatio": "9:16",
        "durationSeconds": 8,
        "resolution": "720p",
        "sampleCount": 1,
        "seed": 0,
        "negativePrompt": "blur",
        "personGeneration": "dont_allow",
    }
    overridden = wire.parameters_for(
        request(params={"durationSeconds": "8", "resolution": "1080p", "aspectRatio": "1:1"})
    )
    assert overridden["resolution"] == "1080p" and overridden["aspectRatio"] == "1:1"


def test_a_model_param_asking_1080p_at_another_length_is_refused() -> None:
    with pytest.raises(errors.UnsupportedRequest) as caught:
        wire.parameters_for(request(duration_s=6, params={"resolution": "1080p"}))
    assert str(caught.value) == "veo renders 1080p only for 8 s clips, not 6 s"
    with pytest.raises(errors.UnsupportedRequest, match="not 4 s"):
        wire.parameters_for(
            request(resolution="1080p", params={"durationSeconds": 4, "resolution": "1080p"})
        )
    # a params duration that makes 8 s keeps 1080p
    found = wire.parameters_for(
        request(duration_s=4, params={"durationSeconds": 8, "resolution": "1080p"})
    )
    assert found["resolution"] == "1080p"
    # a shared 1080p at 4 s with a params duration 6: snapped down, not refused
    assert (
        wire.parameters_for(request(resolution="1080p", params={"durationSeconds": 6}))[
            "resolution"
        ]
        == "720p"
    )


def test_inline_image(tmp_path: Path) -> None:
    encoded = base64.b64encode(b"img").decode()
    assert wire.inline_image(image(tmp_path, "a.jpg")) == {
        "bytesBase64Encoded": encoded,
        "mimeType": "image/jpeg",
    }
    assert wire.inline_image(image(tmp_path, "a.qzx"))["mimeType"] == "image/png"


def test_check_inputs(tmp_path: Path) -> None:
    frame, ref = image(tmp_path, "f.png"), image(tmp_path, "r.png")
    combine = "veo cannot combine reference images with a first or last frame"
    cases: list[tuple[GenerationInputs, str | None]] = [
        (GenerationInputs(first_frame=frame, reference_images=(ref,)), combine),
        (GenerationInputs(last_frame=frame, reference_images=(ref,)), combine),
        (GenerationInputs(reference_images=(ref,) * 4), "veo takes at most 3 reference images"),
        (GenerationInputs(last_frame=frame), "veo needs a first frame to use a last frame"),
        (GenerationInputs(reference_images=(ref,) * 3), None),
        (GenerationInputs(first_frame=frame, last_frame=frame), None),
        (GenerationInputs(first_frame=frame), None),
        (GenerationInputs(), None),
    ]
    for inputs, refusal in cases:
        if refusal is None:
            wire.check_inputs(request(inputs=inputs))
        else:
            with pytest.raises(errors.UnsupportedRequest) as caught:
                wire.check_inputs(request(inputs=inputs))
            assert str(caught.value) == refusal


def test_bodies(tmp_path: Path) -> None:
    first, last = image(tmp_path, "f.png", b"first"), image(tmp_path, "l.jpg", b"last")
    ref = image(tmp_path, "r.png", b"ref")
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    assert wire.build_body(request()) == {
        "instances": [{"prompt": "a lantern"}],
        "parameters": {
            "aspectRatio": "16:9",
            "durationSeconds": 8,
            "resolution": "720p",
            "sampleCount": 1,
        },
    }
    framed = wire.instance_for(request(inputs=GenerationInputs(first_frame=first, last_frame=last)))
    assert framed == {
        "prompt": "a lantern",
        "image": {"bytesBase64Encoded": b64(b"first"), "mimeType": "image/png"},
        "lastFrame": {"bytesBase64Encoded": b64(b"last"), "mimeType": "image/jpeg"},
    }
    refs = wire.instance_for(request(inputs=GenerationInputs(reference_images=(ref, first))))
    assert refs == {
        "prompt": "a lantern",
        "referenceImages": [
            {
                "image": {"bytesBase64Encoded": b64(b"ref"), "mimeType": "image/png"},
                "referenceType": "asset",
            },
            {
                "image": {"bytesBase64Encoded": b64(b"first"), "mimeType": "image/png"},
                "referenceType": "asset",
            },
        ],
    }
    with pytest.raises(errors.UnsupportedRequest):
        wire.instance_for(request(inputs=GenerationInputs(last_frame=last)))


def test_requests_carry_the_key_only_in_the_header() -> None:
    req = wire.build_create_request("https://g.example", "k-test", request(provider_model="veo/x"))
    assert req.method == "POST"
    assert str(req.url) == "https://g.example/v1beta/models/veo%2Fx:predictLongRunning"
    assert req.headers["x-goog-api-key"] == "k-test"
    assert json.loads(req.read()) == wire.build_body(request(provider_model="veo/x"))
    op = wire.build_operation_request("https://g.example", "k-test", "models/m/operations/o 1")
    assert (op.method, str(op.url)) == ("GET", "https://g.example/v1beta/models/m/operations/o%201")
    assert op.headers["x-goog-api-key"] == "k-test"
    assert "k-test" not in str(req.url) + str(op.url)


@pytest.mark.parametrize(
    ("message", "moderated"),
    [
        ("Safety filter", True),
        ("Responsible AI practices", True),
        ("violates our Usage Guidelines", True),
        ("content POLICY", True),
        ("internal error", False),
        ("", False),
    ],
)
def test_is_moderation(message: str, moderated: bool) -> None:
    assert wire.is_moderation(message) is moderated


def _state(body: Any) -> tuple[Any, ...]:
    state = wire.parse_operation(body)
    return (state.status, state.error_kind, state.detail, state.video_url, state.raw_status)


DONE = {"name": "op", "done": True}
RUNNING = (TaskStatus.RUNNING, None, None, None, "running")
FAILED, REJECTED = TaskStatus.FAILED, TaskStatus.REJECTED
TASK_FAILED, CONTENT = ErrorKind.TASK_FAILED, ErrorKind.CONTENT_REJECTED


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "op"}, RUNNING),
        ({"name": "op", "done": False}, RUNNING),
        (
            {**DONE, "error": {"code": 13, "message": "internal"}},
            (FAILED, TASK_FAILED, "13: internal", None, "error"),
        ),
        (
            {**DONE, "error": {"code": 0, "message": "internal"}},
            (FAILED, TASK_FAILED, "0: internal", None, "error"),
        ),
        ({**DONE, "error": {}}, (FAILED, TASK_FAILED, "the operation failed", None, "error")),
        (
            {**DONE, "error": {"code": 3, "message": "blocked by safety filters"}},
            (REJECTED, CONTENT, "3: blocked by safety filters", None, "error"),
        ),
        (
            {
                **DONE,
                "response": {
                    "generateVideoResponse": {
                        "generatedSamples": [{"video": {"uri": "https://v/1"}}]
                    }
                },
            },
            (TaskStatus.SUCCEEDED, None, None, "https://v/1", "done"),
        ),
        (
            {
                **DONE,
                "response": {"generateVideoResponse": {"raiMediaFilteredReasons": ["a", "b"]}},
            },
            (REJECTED, CONTENT, "a; b", None, "filtered"),
        ),
        (
            {**DONE, "response": {"generateVideoResponse": {"raiMediaFilteredCount": 1}}},
            (REJECTED, CONTENT, "filtered by responsible-AI checks", None, "filtered"),
        ),
        (
            {**DONE, "response": {"generateVideoResponse": {"generatedSamples": [None]}}},
            (FAILED, TASK_FAILED, "the operation finished without a video", None, "done"),
        ),
        (
            {**DONE, "response": {"generateVideoResponse": {"generatedSamples": [{"video": {}}]}}},
            (FAILED, TASK_FAILED, "the operation finished without a video", None, "done"),
        ),
        (
            {**DONE, "response": {"generateVideoResponse": {"raiMediaFilteredCount": 0}}},
            (FAILED, TASK_FAILED, "the operation finished without a video", None, "done"),
        ),
        (
            {**DONE, "response": None},
            (FAILED, TASK_FAILED, "the operation finished without a video", None, "done"),
        ),
        (DONE, (FAILED, TASK_FAILED, "the operation finished without a video", None, "done")),
    ],
)
def test_parse_operation(body: dict[str, Any], expected: tuple[Any, ...]) -> None:
    assert _state(body) == expected


def test_filtered_operation_keeps_the_count() -> None:
    body = {**DONE, "response": {"generateVideoResponse": {"raiMediaFilteredCount": 2}}}
    assert wire.parse_operation(body).extra == {"rai_filtered_count": 2}


@pytest.mark.parametrize("body", [None, [], {"done": True}, "x"])
def test_parse_operation_without_an_operation_is_transient(body: Any) -> None:
    with pytest.raises(errors.TransientError) as caught:
        wire.parse_operation(body)
    assert caught.value.message == "poll answered without an Operation"
    assert caught.value.provider == "veo" and caught.value.body == str(body)


@pytest.mark.parametrize(
    ("response", "parsed"),
    [
        (
            httpx.Response(
                400, json={"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}
            ),
            ("bad", "INVALID_ARGUMENT"),
        ),
        (httpx.Response(400, json={"error": {"code": 400}}), ("Bad Request", None)),
        (httpx.Response(503, json={"error": "down"}), ("Service Unavailable", None)),
        (httpx.Response(500, text="<html>"), ("Internal Server Error", None)),
        (httpx.Response(599, text="x"), ("error", None)),
    ],
)
def test_google_error_parser(response: httpx.Response, parsed: tuple[str, str | None]) -> None:
    assert wire.google_error_parser(response) == parsed


def _error(status: int, message: str, body: str = "{}") -> errors.ProviderError:
    return errors.InvalidRequest(
        message, provider="g", status_code=status, code="C", request_id="r-1", body=body
    )


@pytest.mark.parametrize(
    ("status", "message", "body", "refined", "refined_message"),
    [
        (400, "API key not valid. Please pass a valid API key.", "{}", errors.AuthError, None),
        (400, "bad", '{"reason": "API_KEY_INVALID"}', errors.AuthError, None),
        (400, "Billing account is disabled", "{}", errors.BillingError, None),
        (
            404,
            "Model is No Longer Available",
            "{}",
            errors.ModelGone,
            f"Model is No Longer Available {wire.GONE_HINT}",
        ),
        (401, "API key not valid", "{}", None, None),
        (403, "billing", "{}", None, None),
        (400, "no longer available", "{}", None, None),
        (404, "not found", "{}", None, None),
        (400, "bad value", "{}", None, None),
    ],
)
def test_refine_error(
    status: int,
    message: str,
    body: str,
    refined: type[errors.ProviderError] | None,
    refined_message: str | None,
) -> None:
    original = _error(status, message, body)
    out = wire.refine_error(original)
    if refined is None:
        assert out is original
        return
    assert type(out) is refined
    assert out.message == (refined_message or message)
    assert (out.provider, out.status_code, out.code, out.request_id, out.body) == (
        "veo",
        status,
        "C",
        "r-1",
        body,
    )
