"""Ark wire functions against values written out from the contract
(https://www.volcengine.com/docs/82379/1520757): pixel tables per series, the token formula, ratio choice over many image sizes, the
create body, task and error parsing."""

from __future__ import annotations

import base64
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from vidbench.adapters.ark import wire as ark_wire
from vidbench.core.seam import errors
from vidbench.core.seam.types import (
    Capabilities,
    ErrorKind,
    GenerationInputs,
    GenerationRequest,
    TaskStatus,
)

PROPS = settings(max_examples=400, deadline=None, database=None, derandomize=True)
V2 = "doubao-seedance-2-0-260128"
V1 = ("doubao-seedance-1-0-pro-250528", "doubao-seedance-1-0-lite-t2v-250428")
V15 = "doubao-seedance-1-5-pro-251215"
FIXED = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9")

# The create page's table: 2.0 series, landscape (W, H); portrait sizes are the transposes.
SPEC_2X = {
    ("480p", "16:9"): (864, 496),
    ("480p", "4:3"): (752, 560),
    ("480p", "1:1"): (640, 640),
    ("480p", "21:9"): (992, 432),
    ("720p", "16:9"): (1280, 720),
    ("720p", "4:3"): (1112, 834),
    ("720p", "1:1"): (960, 960),
    ("1080p", "16:9"): (1920, 1080),
    ("4k", "16:9"): (3840, 2160),
    ("4k", "21:9"): (4398, 1886),
}


def request(**changes: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "j",
        "external_id": "e",
        "provider_model": V2,
        "text": "a kite",
        "duration_s": 5,
        "ratio": "16:9",
    }
    fields.update(changes)
    return GenerationRequest(**fields)


@pytest.mark.parametrize(("key", "size"), SPEC_2X.items())
def test_2x_pixel_table(key: tuple[str, str], size: tuple[int, int]) -> None:
    resolution, ratio = key
    assert ark_wire.pixel_size(V2, resolution, ratio) == size
    assert ark_wire.pixel_size("ep-20260101-abc", resolution, ratio) == size  # endpoint id
    portrait = {"16:9": "9:16", "4:3": "3:4"}.get(ratio)
    if portrait:
        assert ark_wire.pixel_size(V2, resolution, portrait) == (size[1], size[0])


@pytest.mark.parametrize("model", [*V1, V15])
def test_1x_models_use_the_1x_table(model: str) -> None:
    # The create page: "1.0 differs" (720p 16:9 is 1248×704 there).
    assert ark_wire.pixel_size(model, "720p", "16:9") == (1248, 704)
    assert ark_wire.pixel_size(model, "720p", "9:16") == (704, 1248)
    assert ark_wire.pixel_size(model, "480p", "16:9") != ark_wire.pixel_size(V2, "480p", "16:9")


def test_token_formula_worked_example_and_truncation() -> None:
    assert ark_wire.tokens_for(V2, "720p", "16:9", 5) == 108_000  # Ark's worked example
    assert ark_wire.tokens_for(V2, "720p", "9:16", 5) == 108_000
    assert ark_wire.tokens_for(V1[0], "720p", "16:9", 5) == 1248 * 704 * 24 * 5 // 1024
    assert ark_wire.tokens_for(V2, "480p", "16:9", 0.1) == 1004  # 1004.4 truncated
    assert ark_wire.tokens_for(V2, "480p", "1:1", 10) == 640 * 640 * 24 * 10 // 1024


def aspect_distance(ratio: str, width: int, height: int) -> Fraction:
    w, h = ratio.split(":")
    return abs(Fraction(int(w), int(h)) - Fraction(width, height))


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (1920, 1080, "16:9"),
        (1080, 1920, "9:16"),
        (1000, 1000, "1:1"),
        (800, 600, "4:3"),
        (600, 800, "3:4"),
        (2520, 1080, "21:9"),
        (5000, 100, "21:9"),  # wider than anything: the widest
        (100, 5000, "9:16"),  # taller than anything: the tallest
        (1100, 1000, "1:1"),
    ],
)
def test_nearest_ratio_examples(width: int, height: int, expected: str) -> None:
    assert ark_wire.nearest_ratio(width, height) == expected


@PROPS
@given(st.integers(min_value=1, max_value=8000), st.integers(min_value=1, max_value=8000))
def test_nearest_ratio_is_nearest_for_any_size(width: int, height: int) -> None:
    got = ark_wire.nearest_ratio(width, height)
    assert got in FIXED
    best = min(aspect_distance(r, width, height) for r in FIXED)
    assert float(aspect_distance(got, width, height)) == pytest.approx(float(best), abs=1e-9)


def write_image(path: Path, width: int, height: int) -> Path:
    Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(path)
    return path


def test_resolved_ratio_reads_the_lead_image(tmp_path: Path) -> None:
    tall = write_image(tmp_path / "tall.png", 60, 80)
    wide = write_image(tmp_path / "wide.png", 210, 90)
    inputs = GenerationInputs
    assert ark_wire.resolved_ratio(request(ratio="4:3")) == "4:3"
    assert ark_wire.resolved_ratio(request(ratio="adaptive")) == "16:9"
    assert (
        ark_wire.resolved_ratio(request(ratio="adaptive", inputs=inputs(first_frame=tall))) == "3:4"
    )
    refs = inputs(reference_images=(wide, tall))
    assert ark_wire.resolved_ratio(request(ratio="adaptive", inputs=refs)) == "21:9"
    both = inputs(first_frame=tall, reference_images=(wide,))
    assert ark_wire.resolved_ratio(request(ratio="adaptive", inputs=both)) == "3:4"
    url = inputs(first_frame=Path("https://cdn.test/a.png"))
    assert ark_wire.resolved_ratio(request(ratio="adaptive", inputs=url)) == "16:9"
    (tmp_path / "broken.png").write_bytes(b"not an image")
    broken = inputs(first_frame=tmp_path / "broken.png")
    assert ark_wire.resolved_ratio(request(ratio="adaptive", inputs=broken)) == "16:9"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("name", "kind", "prefix"),
    [
        ("a.png", "image", "data:image/png;base64,"),
        ("a.JPG", "image", "data:image/jpeg;base64,"),
        ("a.webp", "image", "data:image/webp;base64,"),
        ("a.wav", "audio", "data:audio/wav;base64,"),
        ("a.mp3", "audio", "data:audio/mp3;base64,"),
        ("a.XQZ", "image", "data:image/xqz;base64,"),  # unknown to mimetypes: the suffix
    ],
)
def test_data_urls(tmp_path: Path, name: str, kind: str, prefix: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG-bytes")
    assert ark_wire.data_url(path, kind) == prefix + b64(b"\x89PNG-bytes")


def test_urls_pass_through_with_their_double_slash() -> None:
    assert ark_wire.data_url(Path("https://cdn.test/x.png"), "image") == "https://cdn.test/x.png"
    assert ark_wire.data_url(Path("http://cdn.test/x.wav"), "audio") == "http://cdn.test/x.wav"


def test_content_order_and_roles(tmp_path: Path) -> None:
    files = {n: tmp_path / f"{n}.png" for n in ("first", "last", "r1", "r2")}
    for name, path in files.items():
        path.write_bytes(name.encode())
    audio = tmp_path / "voice.mp3"
    audio.write_bytes(b"mp3")
    inputs = GenerationInputs(
        first_frame=files["first"],
        last_frame=files["last"],
        reference_images=(files["r1"], files["r2"]),
        reference_videos=(Path("https://cdn.test/v.mp4"),),
        reference_audios=(audio,),
    )
    content = ark_wire.build_content(request(inputs=inputs))

    def image(name: str, role: str) -> dict[str, Any]:
        url = "data:image/png;base64," + b64(name.encode())
        return {"type": "image_url", "image_url": {"url": url}, "role": role}

    assert content == [
        {"type": "text", "text": "a kite"},
        image("first", "first_frame"),
        image("last", "last_frame"),
        image("r1", "reference_image"),
        image("r2", "reference_image"),
        {
            "type": "video_url",
            "video_url": {"url": "https://cdn.test/v.mp4"},
            "role": "reference_video",
        },
        {
            "type": "audio_url",
            "audio_url": {"url": "data:audio/mp3;base64," + b64(b"mp3")},
            "role": "reference_audio",
        },
    ]
    assert ark_wire.build_content(request(text="")) == []


def test_local_reference_videos_are_refused(tmp_path: Path) -> None:
    inputs = GenerationInputs(reference_videos=(tmp_path / "clip.mp4",))
    with pytest.raises(errors.UnsupportedRequest, match=r"only as http\(s\) URLs.*: clip\.mp4$"):
        ark_wire.build_content(request(inputs=inputs))


def caps(audio: bool, seed: bool) -> Capabilities:
    return Capabilities(durations_s=(5,), ratios=("16:9",), resolutions=(), audio=audio, seed=seed)


def test_create_body_fields() -> None:
    body = ark_wire.build_create_body(
        request(resolution="720p", audio=True, seed=9), caps(audio=True, seed=True)
    )
    assert body == {
        "model": V2,
        "content": [{"type": "text", "text": "a kite"}],
        "duration": 5,
        "ratio": "16:9",
        "watermark": False,
        "resolution": "720p",
        "generate_audio": True,
        "seed": 9,
    }
    plain = ark_wire.build_create_body(request(seed=9), caps(audio=False, seed=False))
    assert set(plain) == {"model", "content", "duration", "ratio", "watermark"}
    no_seed = ark_wire.build_create_body(request(audio=False), caps(audio=True, seed=True))
    assert no_seed["generate_audio"] is False and "seed" not in no_seed


def test_params_override_everything_but_model_and_content() -> None:
    params = {"watermark": True, "ratio": "1:1", "model": "other", "content": [], "draft": True}
    body = ark_wire.build_create_body(request(params=params), caps(audio=False, seed=False))
    assert (body["watermark"], body["ratio"], body["draft"]) == (True, "1:1", True)
    assert body["model"] == V2 and body["content"] == [{"type": "text", "text": "a kite"}]


def test_adaptive_is_replaced_only_for_1_0_text_to_video(tmp_path: Path) -> None:
    image = write_image(tmp_path / "f.png", 10, 10)
    no_caps = caps(audio=False, seed=False)

    def ratio(model: str, inputs: GenerationInputs) -> str:
        built = request(provider_model=model, ratio="adaptive", inputs=inputs, text="")
        return str(ark_wire.build_create_body(built, no_caps)["ratio"])

    assert ratio(V1[1], GenerationInputs()) == "16:9"
    assert ratio(V1[0], GenerationInputs(first_frame=image)) == "adaptive"
    assert ratio(V1[0], GenerationInputs(reference_images=(image,))) == "adaptive"
    assert ratio(V2, GenerationInputs()) == "adaptive"
    assert ratio(V15, GenerationInputs()) == "adaptive"


@pytest.mark.parametrize(
    ("raw", "status", "kind"),
    [
        ("queued", TaskStatus.QUEUED, None),
        ("running", TaskStatus.RUNNING, None),
        ("succeeded", TaskStatus.SUCCEEDED, None),
        ("cancelled", TaskStatus.CANCELLED, None),
        ("expired", TaskStatus.EXPIRED, ErrorKind.EXPIRED),
        ("thinking", TaskStatus.RUNNING, None),  # unknown words keep polling
        ("", TaskStatus.RUNNING, None),
    ],
)
def test_status_words(raw: str, status: TaskStatus, kind: ErrorKind | None) -> None:
    state = ark_wire.parse_task({"status": raw})
    assert (state.status, state.error_kind, state.raw_status, state.detail) == (
        status,
        kind,
        raw,
        None,
    )


def test_failures_and_moderation() -> None:
    failed = ark_wire.parse_task(
        {"status": "failed", "error": {"code": "InternalServiceError", "message": "boom"}}
    )
    assert (failed.status, failed.error_kind) == (TaskStatus.FAILED, ErrorKind.TASK_FAILED)
    assert failed.detail == "InternalServiceError: boom"
    rejected = ark_wire.parse_task(
        {"status": "failed", "error": {"code": "OutputVideoSensitiveContentDetected"}}
    )
    assert (rejected.status, rejected.error_kind) == (
        TaskStatus.REJECTED,
        ErrorKind.CONTENT_REJECTED,
    )
    assert rejected.detail == "OutputVideoSensitiveContentDetected"
    silent = ark_wire.parse_task({"status": "failed", "error": "not an object"})
    assert (silent.status, silent.detail) == (TaskStatus.FAILED, None)
    message_only = ark_wire.parse_task({"status": "failed", "error": {"message": "why"}})
    assert message_only.detail is None  # a detail needs a code


def test_succeeded_fields_and_duration_sources() -> None:
    data = {
        "status": "succeeded",
        "content": {"video_url": "https://cdn.test/v.mp4"},
        "usage": {"completion_tokens": 108000},
        "frames": 121,
        "duration": 9,
        "resolution": "720p",
        "ratio": "16:9",
        "seed": 3,
        "generate_audio": True,
        "model": V2,
        "ignored": 1,
    }
    state = ark_wire.parse_task(data)
    assert state.video_url == "https://cdn.test/v.mp4" and state.tokens == 108000
    assert state.provider_duration_s == pytest.approx(121 / 24)  # frames win over duration
    assert state.extra == {
        "resolution": "720p",
        "ratio": "16:9",
        "seed": 3,
        "generate_audio": True,
        "model": V2,
    }
    assert ark_wire.parse_task({"status": "succeeded", "duration": 5}).provider_duration_s == 5.0
    assert ark_wire.parse_task({"duration": 4.5}).provider_duration_s == 4.5
    assert ark_wire.parse_task({"duration": "5"}).provider_duration_s is None
    assert ark_wire.parse_task({"frames": 48.0, "duration": 3}).provider_duration_s == 3.0
    assert ark_wire.parse_task({"usage": {"completion_tokens": "12"}}).tokens is None
    assert ark_wire.parse_task({"usage": [], "content": "x"}).video_url is None
    assert ark_wire.parse_task({}).raw_status == ""  # no status word at all


def test_a_detail_keeps_its_edges() -> None:
    error = {"code": "XCodecError", "message": "unsupported codec: X"}
    state = ark_wire.parse_task({"status": "failed", "error": error})
    assert state.detail == "XCodecError: unsupported codec: X"


def response(status: int, body: Any) -> httpx.Response:
    request_ = httpx.Request("POST", "https://ark.test/api/v3/contents/generations/tasks")
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, request=request_)
    return httpx.Response(status, json=body, request=request_)


def test_error_bodies() -> None:
    full = {"error": {"code": "InvalidParameter", "message": "bad ratio", "param": "ratio"}}
    assert ark_wire.parse_error(response(400, full)) == (
        "bad ratio (param ratio)",
        "InvalidParameter",
    )
    assert ark_wire.parse_error(response(400, {"error": {"message": "m"}})) == ("m", None)
    assert ark_wire.parse_error(response(429, {"error": {"code": 7}})) == ("Too Many Requests", "7")
    assert ark_wire.parse_error(response(502, b"<html>")) == ("Bad Gateway", None)
    assert ark_wire.parse_error(response(400, {"error": "flat"})) == ("Bad Request", None)
    assert ark_wire.parse_error(response(599, b"")) == ("error", None)


def provider_error(status: int, code: str | None, cls: type[errors.ProviderError] = errors.InvalidRequest) -> errors.ProviderError:  # fmt: skip
    return cls("the message", provider="ark", status_code=status, code=code, request_id="req-1", body="{}")  # fmt: skip


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "InputTextSensitiveContentDetected", errors.ContentRejected),
        (400, "InputImageSensitiveContentDetected.PrivacyInformation", errors.ContentRejected),
        (400, "OutputVideoSensitiveContentDetected", errors.InvalidRequest),  # not an input
        (403, "InputTextSensitiveContentDetected", errors.InvalidRequest),  # not a 400
        (403, "AccountOverdueError", errors.BillingError),
        (403, "OperationDenied.ServiceNotOpen", errors.BillingError),
        (403, "OperationDenied.ServiceNotOpenYet", errors.BillingError),
        (403, "OperationDenied.Other", errors.InvalidRequest),
        (404, "InvalidEndpointOrModel.NotFound", errors.NotFound),
        (404, "ModelNotOpen", errors.NotFound),
        (404, "SomethingElse", errors.InvalidRequest),
        (400, "ModelNotOpen", errors.InvalidRequest),  # only a 404 means not found
        (400, None, errors.InvalidRequest),
    ],
)
def test_refined_error_classes(status: int, code: str | None, expected: type) -> None:
    refined = ark_wire.refine_error(provider_error(status, code), V2)
    assert type(refined) is expected
    assert (refined.provider, refined.status_code, refined.code, refined.request_id) == (
        "ark",
        status,
        code,
        "req-1",
    )
    assert refined.body == "{}"


def test_refined_messages() -> None:
    rejected = ark_wire.refine_error(provider_error(400, "InputTextSensitiveContentDetected"), V2)
    assert str(rejected).startswith("ark: the message | HTTP 400")
    missing = ark_wire.refine_error(provider_error(404, "ModelNotOpen"), "ep-1")
    assert str(missing).startswith(
        "ark: model or endpoint 'ep-1' not found or not activated: the message | HTTP 404"
    )
    unchanged = provider_error(500, "InternalError", errors.TransientError)
    assert ark_wire.refine_error(unchanged, V2) is unchanged


def test_a_url_is_never_opened_as_a_local_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = Path("https://cdn.test/tall.png")  # pathlib keeps it as the relative "https:/cdn.test/…"
    url.parent.mkdir(parents=True)
    write_image(url, 60, 80)
    built = request(ratio="adaptive", inputs=GenerationInputs(first_frame=url))
    assert ark_wire.resolved_ratio(built) == "16:9"


def test_billing_errors_keep_the_message() -> None:
    refined = ark_wire.refine_error(provider_error(403, "AccountOverdueError"), V2)
    assert str(refined).startswith("ark: the message | HTTP 403")


RETIRED = "doubao-seedance-1-0-pro-250528"


def test_a_404_for_a_retired_model_says_so_and_names_the_replacement() -> None:
    refined = ark_wire.refine_error(provider_error(404, "ModelNotOpen"), RETIRED)
    assert type(refined) is errors.ModelGone
    assert str(refined).startswith(
        f"ark: model '{RETIRED}' is retired; use doubao-seedance-2-0-260128: the message | HTTP 404"
    )
    other = ark_wire.refine_error(provider_error(400, "InvalidParameter"), RETIRED)
    assert type(other) is errors.InvalidRequest  # only a 404 (or the provider's words) means gone
    assert type(ark_wire.refine_error(provider_error(405, None), RETIRED)) is errors.InvalidRequest


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("InvalidEndpoint.ClosedEndpoint", "the message"),
        ("InvalidParameter", "This model is No Longer Available"),
    ],
)
def test_the_provider_saying_gone_means_gone_for_any_model(code: str, message: str) -> None:
    exc = errors.InvalidRequest(message, provider="ark", status_code=400, code=code)
    refined = ark_wire.refine_error(exc, V2)  # a live model: no replacement to name
    assert type(refined) is errors.ModelGone
    assert str(refined).startswith(f"ark: model '{V2}' is retired: {message} | HTTP 400")
    unknown = ark_wire.refine_error(exc, "ep-2026")  # an endpoint id has no lifecycle
    assert str(unknown).startswith(f"ark: model 'ep-2026' is retired: {message}")
