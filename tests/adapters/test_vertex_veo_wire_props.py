"""Veo on Vertex AI wire functions as exact tables: hosts and model paths, the exact body,
storage URLs, every Operation shape and the error mapping per lifecycle."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.adapters.vertex_veo import wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import ErrorKind, GenerationInputs, GenerationRequest, TaskStatus


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "e",
        "provider_model": "veo-3.1-generate-001",
        "text": "a lantern",
        "duration_s": 6,
        "ratio": "16:9",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_tables() -> None:
    assert wire.PROVIDER == "vertex_veo"
    assert (wire.DURATIONS_S, wire.RATIOS, wire.RESOLUTIONS) == (
        (4, 6, 8),
        ("16:9", "9:16"),
        ("720p", "1080p"),
    )
    assert wire.DEFAULT_LOCATION == "us-central1"
    assert wire.GLOBAL_HOST == "https://aiplatform.googleapis.com"
    assert wire.STORAGE_HOST == "https://storage.googleapis.com"


@pytest.mark.parametrize(
    ("base", "location", "host"),
    [
        (
            "https://aiplatform.googleapis.com",
            "us-central1",
            "https://us-central1-aiplatform.googleapis.com",
        ),
        (
            "https://aiplatform.googleapis.com/",
            "europe-west4",
            "https://europe-west4-aiplatform.googleapis.com",
        ),
        ("https://aiplatform.googleapis.com", "global", "https://aiplatform.googleapis.com"),
        ("http://127.0.0.1:9000/", "us-central1", "http://127.0.0.1:9000"),
        ("http://127.0.0.1:9000", "global", "http://127.0.0.1:9000"),
    ],
)
def test_host_for(base: str, location: str, host: str) -> None:
    assert wire.host_for(base, location) == host


def test_model_path_escapes_each_segment() -> None:
    assert wire.model_path("p", "us-central1", "veo-3.1-generate-001") == (
        "projects/p/locations/us-central1/publishers/google/models/veo-3.1-generate-001"
    )
    assert wire.model_path("a/b", "l?", "m#1") == (
        "projects/a%2Fb/locations/l%3F/publishers/google/models/m%231"
    )


def test_inline_media(tmp_path: Path) -> None:
    jpg, odd = tmp_path / "a.jpg", tmp_path / "a.qzx"
    jpg.write_bytes(b"jpg")
    odd.write_bytes(b"odd")
    assert wire.inline_media(jpg) == {"bytesBase64Encoded": b64(b"jpg"), "mimeType": "image/jpeg"}
    assert wire.inline_media(odd) == {"bytesBase64Encoded": b64(b"odd"), "mimeType": "image/png"}


def test_text_body_exact() -> None:
    assert wire.build_body(request()) == {
        "instances": [{"prompt": "a lantern"}],
        "parameters": {
            "durationSeconds": 6,
            "aspectRatio": "16:9",
            "resolution": "720p",
            "generateAudio": False,
            "sampleCount": 1,
        },
    }


def test_body_settings_and_params() -> None:
    body = wire.build_body(
        request(
            ratio="9:16",
            resolution="1080p",
            audio=True,
            seed=0,
            params={"negativePrompt": "blur", "project": "p", "location": "l", "bogus": 1},
        )
    )
    assert body["parameters"] == {
        "durationSeconds": 6,
        "aspectRatio": "9:16",
        "resolution": "1080p",
        "generateAudio": True,
        "sampleCount": 1,
        "seed": 0,
        "negativePrompt": "blur",
    }
    odd = wire.build_body(request(ratio="4:3", resolution="4k"))["parameters"]
    assert (odd["aspectRatio"], odd["resolution"]) == ("16:9", "720p")
    overridden = wire.build_body(request(params={"sampleCount": 2, "aspectRatio": "1:1"}))
    assert overridden["parameters"]["sampleCount"] == 2
    assert overridden["parameters"]["aspectRatio"] == "1:1"


def test_instances_with_frames_and_references(tmp_path: Path) -> None:
    first, last, ref = tmp_path / "f.png", tmp_path / "l.jpg", tmp_path / "r.png"
    for path in (first, last, ref):
        path.write_bytes(path.stem.encode())
    framed = wire.instance_for(request(inputs=GenerationInputs(first_frame=first, last_frame=last)))
    assert framed == {
        "prompt": "a lantern",
        "image": {"bytesBase64Encoded": b64(b"f"), "mimeType": "image/png"},
        "lastFrame": {"bytesBase64Encoded": b64(b"l"), "mimeType": "image/jpeg"},
    }
    only_last = wire.instance_for(request(inputs=GenerationInputs(last_frame=last)))
    assert set(only_last) == {"prompt", "lastFrame"}
    refs = wire.instance_for(request(inputs=GenerationInputs(reference_images=(ref, first))))
    assert refs == {
        "prompt": "a lantern",
        "referenceImages": [
            {
                "image": {"bytesBase64Encoded": b64(b"r"), "mimeType": "image/png"},
                "referenceType": "asset",
            },
            {
                "image": {"bytesBase64Encoded": b64(b"f"), "mimeType": "image/png"},
                "referenceType": "asset",
            },
        ],
    }
    for inputs in (
        GenerationInputs(first_frame=first, reference_images=(ref,)),
        GenerationInputs(last_frame=last, reference_images=(ref,)),
    ):
        with pytest.raises(errors.UnsupportedRequest, match="cannot combine reference images"):
            wire.instance_for(request(inputs=inputs))


@pytest.mark.parametrize(
    ("uri", "base", "url"),
    [
        (
            "gs://bucket/a/b c.mp4",
            wire.STORAGE_HOST,
            "https://storage.googleapis.com/download/storage/v1/b/bucket/o/a%2Fb%20c.mp4?alt=media",
        ),
        (
            "gs://b/o.mp4",
            "http://127.0.0.1:9/",
            "http://127.0.0.1:9/download/storage/v1/b/b/o/o.mp4?alt=media",
        ),
        ("b/o.mp4", "http://s", "http://s/download/storage/v1/b/b/o/o.mp4?alt=media"),
    ],
)
def test_storage_url(uri: str, base: str, url: str) -> None:
    assert wire.storage_url(uri, base) == url


def test_storage_url_default_host_and_a_base_ending_in_x() -> None:
    assert wire.storage_url("gs://b/o").startswith("https://storage.googleapis.com/download/")
    assert wire.storage_url("gs://b/o", "http://boX//") == (
        "http://boX/download/storage/v1/b/b/o/o?alt=media"
    )


DONE = {"name": "op", "done": True}
FAILED, REJECTED, SUCCEEDED = TaskStatus.FAILED, TaskStatus.REJECTED, TaskStatus.SUCCEEDED
TASK_FAILED, CONTENT = ErrorKind.TASK_FAILED, ErrorKind.CONTENT_REJECTED
NO_VIDEO: tuple[Any, ...] = (FAILED, TASK_FAILED, "done without a video", None, "done", {})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "op"}, (TaskStatus.RUNNING, None, None, None, "running", {})),
        ({"name": "op", "done": False}, (TaskStatus.RUNNING, None, None, None, "running", {})),
        (
            {**DONE, "error": {"code": 13, "message": "internal"}},
            (FAILED, TASK_FAILED, "13: internal", None, "error", {}),
        ),
        (
            {**DONE, "error": {}},
            (FAILED, TASK_FAILED, "None: the operation failed", None, "error", {}),
        ),
        (
            {**DONE, "error": {"code": 3, "message": "Blocked by Responsible AI"}},
            (REJECTED, CONTENT, "3: Blocked by Responsible AI", None, "error", {}),
        ),
        (
            {**DONE, "error": {"code": 3, "message": "usage guidelines / policy / safety"}},
            (REJECTED, CONTENT, "3: usage guidelines / policy / safety", None, "error", {}),
        ),
        ({**DONE, "error": "text", "response": None}, NO_VIDEO),
        (
            {
                **DONE,
                "response": {"videos": [{"bytesBase64Encoded": "QUJD", "mimeType": "video/webm"}]},
            },
            (SUCCEEDED, None, None, "data:video/webm;base64,QUJD", "done", {}),
        ),
        (
            {**DONE, "response": {"videos": [{"bytesBase64Encoded": "QUJD"}]}},
            (SUCCEEDED, None, None, "data:video/mp4;base64,QUJD", "done", {}),
        ),
        (
            {**DONE, "response": {"videos": ["junk", {"gcsUri": "gs://b/o.mp4"}]}},
            (SUCCEEDED, None, None, None, "done", {"gcs_uri": "gs://b/o.mp4"}),
        ),
        (
            {
                **DONE,
                "response": {
                    "videos": [{"bytesBase64Encoded": ""}],
                    "raiMediaFilteredReasons": ["r1", 2],
                },
            },
            (REJECTED, CONTENT, "r1; 2", None, "filtered", {}),
        ),
        (
            {**DONE, "response": {"raiMediaFilteredCount": 1}},
            (REJECTED, CONTENT, "filtered by responsible-AI checks", None, "filtered", {}),
        ),
        ({**DONE, "response": {"raiMediaFilteredCount": 0, "videos": []}}, NO_VIDEO),
        ({**DONE, "response": ["not", "a", "dict"]}, NO_VIDEO),
        (DONE, NO_VIDEO),
    ],
)
def test_parse_operation(body: dict[str, Any], expected: tuple[Any, ...]) -> None:
    state = wire.parse_operation(body)
    found = (
        state.status,
        state.error_kind,
        state.detail,
        state.video_url,
        state.raw_status,
        state.extra,
    )
    assert found == expected


@pytest.mark.parametrize("body", [None, [], {"done": True}])
def test_parse_operation_without_an_operation_is_transient(body: Any) -> None:
    with pytest.raises(errors.TransientError, match="poll answered without an Operation") as caught:
        wire.parse_operation(body)
    assert caught.value.provider == "vertex_veo"


@pytest.mark.parametrize(
    ("response", "parsed"),
    [
        (
            httpx.Response(
                429,
                json={"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}},
            ),
            ("quota", "RESOURCE_EXHAUSTED"),
        ),
        (httpx.Response(404, json={"error": {"message": ""}}), ("Not Found", None)),
        (httpx.Response(502, json=["error"]), ("Bad Gateway", None)),
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
    cls: type[errors.ProviderError] = errors.InvalidRequest,
) -> errors.ProviderError:
    return cls(message, provider="g", status_code=status, code=code, request_id="r-1", body="{}")


@pytest.mark.parametrize(
    ("model", "status", "message", "gone_message"),
    [
        (
            "veo-3.0-generate-001",
            404,
            "not found",
            "veo-3.0-generate-001 is retired; use veo-3.1-generate-001: not found",
        ),
        (
            "veo-3.1-generate-preview",
            404,
            "x",
            "veo-3.1-generate-preview is retired; use veo-3.1-generate-001: x",
        ),
        ("veo-9", 404, "Model No Longer Available", "veo-9 is retired: Model No Longer Available"),
        (
            "veo-3.1-generate-001",
            404,
            "no longer available",
            "veo-3.1-generate-001 is retired: no longer available",
        ),
        ("veo-3.1-generate-001", 404, "not found", None),
        ("veo-9", 404, "not found", None),
        ("veo-3.0-generate-001", 400, "no longer available", None),
    ],
)
def test_refine_error_gone(model: str, status: int, message: str, gone_message: str | None) -> None:
    original = _error(status, message)
    out = wire.refine_error(original, model)
    if gone_message is None:
        assert out is original
        return
    assert type(out) is errors.ModelGone
    assert out.message == gone_message
    assert (out.provider, out.status_code, out.request_id, out.body) == (
        "vertex_veo",
        404,
        "r-1",
        "{}",
    )


def test_refine_error_quota_is_rate_limited() -> None:
    out = wire.refine_error(
        _error(429, "quota", "RESOURCE_EXHAUSTED", errors.TransientError), "veo-9"
    )
    assert type(out) is errors.RateLimited
    assert (out.message, out.provider, out.status_code, out.code) == (
        "quota",
        "vertex_veo",
        429,
        "RESOURCE_EXHAUSTED",
    )
    assert (out.request_id, out.body) == ("r-1", "{}")
    already = _error(429, "quota", "RESOURCE_EXHAUSTED", errors.RateLimited)
    assert wire.refine_error(already, "veo-9") is already
    other = _error(429, "quota", "OTHER")
    assert wire.refine_error(other, "veo-9") is other
