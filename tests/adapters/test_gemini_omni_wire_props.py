"""Gemini Omni (Interactions API) wire functions as exact tables: media parts, the task the
inputs imply, the exact create body, the last video of the steps, token counts, every
Interaction status and failure shape, and the error mapping."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.adapters.gemini_omni import wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import ErrorKind, GenerationInputs, GenerationRequest, TaskStatus


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "e",
        "provider_model": "gemini-omni-1.2-flash",
        "text": "a lantern",
        "duration_s": 6,
        "ratio": "16:9",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(name.encode())
    return path


def test_tables() -> None:
    assert (wire.PROVIDER, wire.API_VERSION, wire.KEY_HEADER) == (
        "gemini_omni",
        "v1",
        "x-goog-api-key",
    )
    assert (wire.RATIOS, wire.RESOLUTIONS) == (("16:9", "9:16"), ("720p", "1080p", "4k"))
    assert {"resolution", "aspect_ratio", "duration", "delivery", "gcs_uri"} == wire.FORMAT_FIELDS
    assert {"task", "seed"} == wire.CONFIG_FIELDS


def test_media_parts(tmp_path: Path) -> None:
    assert wire.media_part(write(tmp_path, "a.jpg"), "image") == {
        "type": "image",
        "data": b64(b"a.jpg"),
        "mime_type": "image/jpeg",
    }
    assert wire.media_part(write(tmp_path, "a.qzx"), "video") == {
        "type": "video",
        "data": b64(b"a.qzx"),
        "mime_type": "video/octet-stream",
    }


def test_task_for(tmp_path: Path) -> None:
    frame, ref = write(tmp_path, "f.png"), write(tmp_path, "r.png")
    assert wire.task_for(request()) == "text_to_video"
    assert wire.task_for(request(inputs=GenerationInputs(first_frame=frame))) == "image_to_video"
    both = GenerationInputs(first_frame=frame, reference_images=(ref,))
    assert wire.task_for(request(inputs=both)) == "image_to_video"
    refs = GenerationInputs(reference_images=(ref,))
    assert wire.task_for(request(inputs=refs)) == "reference_to_video"


def test_text_body_exact() -> None:
    assert wire.build_body(request()) == {
        "model": "gemini-omni-1.2-flash",
        "input": [{"type": "text", "text": "a lantern"}],
        "response_format": {
            "type": "video",
            "aspect_ratio": "16:9",
            "resolution": "720p",
            "duration": "6",
        },
        "generation_config": {"video_config": {"task": "text_to_video"}},
        "background": True,
    }


def test_body_with_images_settings_and_params(tmp_path: Path) -> None:
    frame, ref = write(tmp_path, "f.png"), write(tmp_path, "r.jpg")
    body = wire.build_body(
        request(
            ratio="9:16",
            resolution="4k",
            seed=0,
            inputs=GenerationInputs(first_frame=frame, reference_images=(ref,)),
        )
    )
    assert body["input"] == [
        {"type": "text", "text": "a lantern"},
        {"type": "image", "data": b64(b"f.png"), "mime_type": "image/png"},
        {"type": "image", "data": b64(b"r.jpg"), "mime_type": "image/jpeg"},
    ]
    assert body["response_format"] == {
        "type": "video",
        "aspect_ratio": "9:16",
        "resolution": "4k",
        "duration": "6",
    }
    assert body["generation_config"] == {"video_config": {"task": "image_to_video"}, "seed": 0}
    odd = wire.build_body(request(ratio="4:3", resolution="1440p"))["response_format"]
    assert (odd["aspect_ratio"], odd["resolution"]) == ("16:9", "720p")
    overridden = wire.build_body(
        request(
            seed=1,
            params={"delivery": "uri", "duration": "10", "task": "extend", "seed": 7, "other": 1},
        )
    )
    assert overridden["response_format"] == {
        "type": "video",
        "aspect_ratio": "16:9",
        "resolution": "720p",
        "duration": "10",
        "delivery": "uri",
    }
    assert overridden["generation_config"] == {"video_config": {"task": "extend"}, "seed": 7}
    assert "other" not in str(overridden)


def _output(*content: Any) -> dict[str, Any]:
    return {"type": "model_output", "content": list(content)}


def test_last_video() -> None:
    v1, v2, v3 = ({"type": "video", "uri": f"u{i}"} for i in (1, 2, 3))
    steps = [
        _output(v1),
        {"type": "thought", "content": [v3]},
        _output({"type": "text", "text": "hi"}, v2, {"type": "text"}),
        "junk",
    ]
    assert wire.last_video(steps) == v2
    assert wire.last_video([_output(v1), _output({"type": "text"})]) is None
    assert wire.last_video([_output(v1), {"type": "model_output"}]) is None
    assert wire.last_video([_output("junk", v1)]) == v1
    assert wire.last_video([{"type": "thought", "content": [v1]}]) is None
    assert wire.last_video(None) is None
    assert wire.last_video([]) is None


@pytest.mark.parametrize(
    ("usage", "tokens"),
    [
        (
            {
                "output_tokens_by_modality": [
                    {"modality": "TEXT", "tokens": 5},
                    {"modality": "VIDEO", "tokens": 34752},
                ]
            },
            34752,
        ),
        ({"output_tokens_by_modality": [{"modality": "video"}], "total_output_tokens": 9}, 0),
        (
            {
                "output_tokens_by_modality": ["x", {"modality": "text", "tokens": 3}],
                "total_output_tokens": 9,
            },
            9,
        ),
        ({"output_tokens_by_modality": [{"tokens": 3}], "total_output_tokens": 9}, 9),
        ({"total_output_tokens": 12}, 12),
        ({"total_output_tokens": "12"}, None),
        ({}, None),
        (None, None),
        ([1], None),
    ],
)
def test_video_tokens(usage: Any, tokens: int | None) -> None:
    assert wire.video_tokens(usage) == tokens


def _state(body: Any) -> tuple[Any, ...]:
    state = wire.parse_interaction(body)
    return (
        state.status,
        state.error_kind,
        state.detail,
        state.video_url,
        state.tokens,
        state.raw_status,
    )


FAILED, REJECTED = TaskStatus.FAILED, TaskStatus.REJECTED
TASK_FAILED, CONTENT = ErrorKind.TASK_FAILED, ErrorKind.CONTENT_REJECTED
USAGE = {"output_tokens_by_modality": [{"modality": "video", "tokens": 100}]}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "queued"}, (TaskStatus.QUEUED, None, None, None, None, "queued")),
        ({"status": "in_progress"}, (TaskStatus.RUNNING, None, None, None, None, "in_progress")),
        ({"status": "cancelled"}, (TaskStatus.CANCELLED, None, None, None, None, "cancelled")),
        (
            {
                "status": "failed",
                "errors": [
                    {"code": "INTERNAL", "message": "boom"},
                    "x",
                    {"code": 2, "message": "m"},
                ],
            },
            (FAILED, TASK_FAILED, "INTERNAL: boom; 2: m", None, None, "failed"),
        ),
        ({"status": "failed"}, (FAILED, TASK_FAILED, "interaction failed", None, None, "failed")),
        (
            {"status": "incomplete", "errors": None},
            (FAILED, TASK_FAILED, "interaction incomplete", None, None, "incomplete"),
        ),
        (
            {"status": "budget_exceeded", "errors": ["x"]},
            (FAILED, TASK_FAILED, "interaction budget_exceeded", None, None, "budget_exceeded"),
        ),
        (
            {"status": "failed", "errors": [{"code": "SAFETY", "message": "Blocked"}]},
            (REJECTED, CONTENT, "SAFETY: Blocked", None, None, "failed"),
        ),
        (
            {"status": "failed", "errors": [{"code": 3, "message": "prohibited content"}]},
            (REJECTED, CONTENT, "3: prohibited content", None, None, "failed"),
        ),
        (
            {"status": "failed", "errors": [{"code": 3, "message": "against our Policy"}]},
            (REJECTED, CONTENT, "3: against our Policy", None, None, "failed"),
        ),
        (
            {
                "status": "completed",
                "usage": USAGE,
                "steps": [_output({"type": "video", "data": "QUJD", "mime_type": "video/webm"})],
            },
            (TaskStatus.SUCCEEDED, None, None, "data:video/webm;base64,QUJD", 100, "completed"),
        ),
        (
            {"status": "completed", "steps": [_output({"type": "video", "data": "QUJD"})]},
            (TaskStatus.SUCCEEDED, None, None, "data:video/mp4;base64,QUJD", None, "completed"),
        ),
        (
            {
                "status": "completed",
                "usage": USAGE,
                "steps": [_output({"type": "video", "data": "", "uri": "https://v/1"})],
            },
            (TaskStatus.SUCCEEDED, None, None, "https://v/1", 100, "completed"),
        ),
        (
            {"status": "completed", "usage": USAGE, "steps": [_output({"type": "video"})]},
            (FAILED, TASK_FAILED, "completed without a video", None, None, "completed"),
        ),
        (
            {"status": "completed", "steps": []},
            (FAILED, TASK_FAILED, "completed without a video", None, None, "completed"),
        ),
        (
            {"status": "completed"},
            (FAILED, TASK_FAILED, "completed without a video", None, None, "completed"),
        ),
    ],
)
def test_parse_interaction(body: dict[str, Any], expected: tuple[Any, ...]) -> None:
    assert _state(body) == expected


@pytest.mark.parametrize("body", [None, [], {"id": "i"}, "completed"])
def test_parse_interaction_without_one_is_transient(body: Any) -> None:
    with pytest.raises(errors.TransientError) as caught:
        wire.parse_interaction(body)
    assert caught.value.message == "answer is not an Interaction"
    assert caught.value.provider == "gemini_omni"


@pytest.mark.parametrize(
    ("response", "parsed"),
    [
        (
            httpx.Response(
                400, json={"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}
            ),
            ("bad", "INVALID_ARGUMENT"),
        ),
        (httpx.Response(404, json={"error": {"status": "NOT_FOUND"}}), ("Not Found", "NOT_FOUND")),
        (httpx.Response(502, json={"error": "x"}), ("Bad Gateway", None)),
        (httpx.Response(500, text="oops"), ("Internal Server Error", None)),
        (httpx.Response(599, text="oops"), ("error", None)),
    ],
)
def test_parse_error(response: httpx.Response, parsed: tuple[str, str | None]) -> None:
    assert wire.parse_error(response) == parsed


def _error(
    status: int,
    message: str,
    code: str | None = None,
    body: str = "{}",
    cls: type[errors.ProviderError] = errors.InvalidRequest,
) -> errors.ProviderError:
    return cls(message, provider="g", status_code=status, code=code, request_id="r-1", body=body)


@pytest.mark.parametrize(
    ("original", "refined"),
    [
        (_error(400, "API Key not valid. Pass a valid key."), errors.AuthError),
        (_error(403, "denied", body='{"reason": "API_KEY_INVALID"}'), errors.AuthError),
        (_error(404, "Model is No Longer Available"), errors.ModelGone),
        (_error(400, "no longer available"), None),
        (_error(404, "not found"), None),
        (_error(429, "quota", "RESOURCE_EXHAUSTED", cls=errors.TransientError), errors.RateLimited),
        (_error(429, "quota", "RESOURCE_EXHAUSTED", cls=errors.RateLimited), None),
        (_error(429, "quota", "OTHER"), None),
        (_error(400, "bad request", "INVALID_ARGUMENT"), None),
    ],
)
def test_refine_error(
    original: errors.ProviderError, refined: type[errors.ProviderError] | None
) -> None:
    out = wire.refine_error(original)
    if refined is None:
        assert out is original
        return
    assert type(out) is refined
    assert (out.message, out.provider, out.status_code, out.code) == (
        original.message,
        "gemini_omni",
        original.status_code,
        original.code,
    )
    assert (out.request_id, out.body) == ("r-1", original.body)
