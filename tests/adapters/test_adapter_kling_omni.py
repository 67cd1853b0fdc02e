"""Kling omni-video (kling-v3-omni): exact create bodies, shot splitting, routing, prices, params."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.adapters.kling import omni
from vidbench.adapters.kling import wire as kling_wire
from vidbench.adapters.kling.adapter import KlingAdapter
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.types import GenerationInputs, GenerationRequest, TaskState, TaskStatus

MODEL = "kling-v3-omni"
CAR = "Shot 1: a yellow car on a road. Shot 2: close-up of the car wheel"


def request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "job_id": "job-1", "external_id": "run1-job-1", "provider_model": MODEL,
        "text": "a corgi runs on a beach", "duration_s": 5, "ratio": "16:9", "resolution": "720p",
    }  # fmt: skip
    fields.update(overrides)
    return GenerationRequest(**fields)


def fake_read(path: Path) -> bytes:
    return f"bytes of {path.name}".encode()


def b64(name: str) -> str:
    return base64.b64encode(f"bytes of {name}".encode()).decode("ascii")


def adapter(**ctx: Any) -> KlingAdapter:
    context = AdapterContext(
        provider_model=MODEL, base_url="https://kling.test",
        secrets={"access_key": Secret("AK-omni-test-4c1d", "KLING_ACCESS_KEY"),
                 "secret_key": Secret("SK-omni-test-secret-0123456789abcdef", "KLING_SECRET_KEY")},
        **ctx,
    )  # fmt: skip
    return KlingAdapter(context, httpx.AsyncClient())


# --- bodies ----------------------------------------------------------------------------


def test_text_only_body_maps_the_shared_vocabulary() -> None:
    body = omni.build_omni_body(request(duration_s=8, ratio="9:16", resolution="1080p", audio=True))
    assert body == {
        "model_name": MODEL,
        "prompt": "a corgi runs on a beach",
        "duration": "8",
        "mode": "pro",
        "sound": "on",
        "aspect_ratio": "9:16",
        "external_task_id": "run1-job-1",
    }


@pytest.mark.parametrize(("resolution", "mode"), [("720p", "std"), ("1080p", "pro"), ("4k", "4k"),
                                                  (None, "std")])  # fmt: skip
def test_mode_follows_the_resolution(resolution: str | None, mode: str) -> None:
    body = omni.build_omni_body(request(resolution=resolution))
    assert body["mode"] == mode and body["sound"] == "off"


def test_frames_and_references_become_the_image_list_without_a_ratio() -> None:
    inputs = GenerationInputs(
        first_frame=Path("start.png"),
        last_frame=Path("end.png"),
        reference_images=(Path("girl.png"), Path("dog.png")),
    )
    body = omni.build_omni_body(request(inputs=inputs), read_bytes=fake_read)
    assert "aspect_ratio" not in body  # the first frame sets it
    assert body["image_list"] == [
        {"image_url": b64("start.png"), "type": "first_frame"},
        {"image_url": b64("end.png"), "type": "end_frame"},
        {"image_url": b64("girl.png")},
        {"image_url": b64("dog.png")},
    ]
    refs_only = omni.build_omni_body(
        request(inputs=GenerationInputs(reference_images=(Path("girl.png"),))), read_bytes=fake_read
    )
    assert refs_only["image_list"] == [{"image_url": b64("girl.png")}]
    assert refs_only["aspect_ratio"] == "16:9"  # references do not set the ratio


def test_shots_become_a_customized_multi_prompt_with_the_duration_split() -> None:
    body = omni.build_omni_body(request(text=CAR, shots=2, duration_s=5))
    assert body == {
        "model_name": MODEL,
        "prompt": CAR,
        "duration": "5",
        "mode": "std",
        "sound": "off",
        "aspect_ratio": "16:9",
        "external_task_id": "run1-job-1",
        "multi_shot": True,
        "shot_type": "customize",
        "multi_prompt": [
            {"index": 1, "prompt": "a yellow car on a road.", "duration": "3"},
            {"index": 2, "prompt": "close-up of the car wheel", "duration": "2"},
        ],
    }


def test_shot_prompts_keep_the_shared_context_and_read_cuts_and_chinese_markers() -> None:
    text = "A girl in a yellow raincoat. Shot 1: she walks her corgi. shot 2: her face"
    assert omni.shot_prompts(text, 2) == [
        "A girl in a yellow raincoat. she walks her corgi.",
        "A girl in a yellow raincoat. her face",
    ]
    assert omni.shot_prompts("a red door opens, cut to a dark hall", 2) == [
        "a red door opens,",
        "a dark hall",
    ]
    assert omni.shot_prompts("镜头1：女孩走路。镜头2：她的脸", 2) == ["女孩走路。", "她的脸"]
    assert omni.shot_prompts(CAR, 3) is None  # two parts for three shots
    assert omni.shot_prompts("one long take of a river", 2) is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"text": "a river, then a mountain", "shots": 2}, "prompt does not split"),
        ({"text": " ".join(f"Shot {i}: x" for i in range(1, 8)), "shots": 7, "duration_s": 10},
         "more than six shots"),
        ({"text": "Shot 1: a. Shot 2: b. Shot 3: c. Shot 4: d", "shots": 4, "duration_s": 3},
         "fewer seconds than shots"),
        ({"text": f"Shot 1: {'a' * 513}. Shot 2: b", "shots": 2}, "a shot prompt over 512"),
    ],
)  # fmt: skip
def test_unsplittable_shots_let_kling_place_the_cuts(
    overrides: dict[str, Any], reason: str
) -> None:
    body = omni.build_omni_body(request(**overrides))
    assert (body["multi_shot"], body["shot_type"]) == (True, "intelligence"), reason
    assert "multi_prompt" not in body and body["prompt"] == overrides["text"]


def test_one_shot_sends_no_multi_shot_fields() -> None:
    for shots in (None, 1):
        body = omni.build_omni_body(request(text=CAR, shots=shots))
        assert not {"multi_shot", "shot_type", "multi_prompt"} & set(body)


@pytest.mark.parametrize("total_s", [3, 5, 8, 15])
@pytest.mark.parametrize("shots", [1, 2, 3, 6])
def test_split_duration_sums_to_the_total_and_differs_by_at_most_a_second(
    total_s: int, shots: int
) -> None:
    parts = omni.split_duration(total_s, shots)
    assert len(parts) == shots and sum(parts) == total_s
    assert max(parts) - min(parts) <= 1 and parts == sorted(parts, reverse=True)


def test_model_params_win() -> None:
    body = omni.build_omni_body(
        request(params={"mode": "4k", "element_list": [{"element_id": 42}], "sound": "on"})
    )
    assert body["mode"] == "4k" and body["sound"] == "on"
    assert body["element_list"] == [{"element_id": 42}]


# --- routing ---------------------------------------------------------------------------


def test_omni_models_route_to_the_omni_family_whatever_the_inputs() -> None:
    framed = GenerationInputs(first_frame=Path("a.png"))
    assert kling_wire.family_for(request()) == "omni"
    assert kling_wire.family_for(request(inputs=framed)) == "omni"
    assert kling_wire.family_for(request(provider_model="kling-v3", inputs=framed)) == "i2v"
    assert kling_wire.FAMILY_PATHS["omni"] == "/v1/videos/omni-video"
    assert kling_wire.split_task_id("omni:8731") == ("omni", "8731")


# --- prices and params -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "usd"),
    [
        ({}, 5 * 0.168),
        ({"resolution": "1080p", "audio": True}, 5 * 0.168),
        ({"resolution": "4k"}, 5 * 0.42),
        ({"params": {"mode": "4k"}}, 5 * 0.42),
        ({"duration_s": 15}, 15 * 0.168),
    ],
)
def test_estimate_is_usd_per_second_by_mode(overrides: dict[str, Any], usd: float) -> None:
    cost = adapter().estimate_cost(request(**overrides))
    assert cost.currency == "USD" and cost.usd == pytest.approx(usd)


def test_estimate_reads_no_input_image() -> None:
    missing = GenerationInputs(first_frame=Path("/nonexistent/start.png"))
    assert adapter().estimate_cost(request(inputs=missing)).usd == pytest.approx(0.84)


def test_actual_cost_is_the_billed_units() -> None:
    state = TaskState(TaskStatus.SUCCEEDED, extra={"final_unit_deduction": "6"})
    assert adapter().actual_cost(request(), state).usd == pytest.approx(6 * 0.14)
    override = adapter(price_override={"usd_per_second": 0.2})
    assert override.estimate_cost(request()).usd == pytest.approx(1.0)


def test_validate_params_for_omni() -> None:
    fine = {"mode": "4k", "sound": "on", "duration": "15", "element_list": [{"element_id": 1}]}
    assert KlingAdapter.validate_params(MODEL, fine) == []
    problems = "\n".join(
        KlingAdapter.validate_params(
            MODEL, {"mode": "ultra", "negative_prompt": "blur", "duration": "16", "zzz": 1}
        )
    )
    for needle in ("mode must be", "negative_prompt is not a field of omni-video", "duration",
                   "unknown provider field 'zzz'"):  # fmt: skip
        assert needle in problems
    # 4k and the omni-only fields stay refused on the other models
    assert KlingAdapter.validate_params("kling-v3", {"mode": "4k"})
    refused = KlingAdapter.validate_params("kling-v3", {"image_list": [], "video_list": []})
    assert len(refused) == 2 and all("only ['kling-v3-omni']" in p for p in refused)
