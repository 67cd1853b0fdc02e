"""The Kling simulator's omni-video family (`kling-v3-omni`): create-body validation and units.

Contract, from third-party sources only (read 2026-11-30): Kling's omni-video page as
transcribed at https://github.com/WHQ25/rawgenai/blob/main/docs/research/kling/omni-video-o1.md
and the kling-v3-omni schemas of https://replicate.com/kwaivgi/kling-v3-omni-video and
https://apimodels.app/en/docs/kling-omni-video, read apart from the adapter. Durations
"3"…"15"; `mode` std (720p), pro (1080p) or 4k (2160p, the only 4k output); `sound` on / off,
not with a reference video; `aspect_ratio` required without a first frame and refused with
one; `image_list` ≤ 7 images (first_frame / end_frame typed, the rest references), an
end frame only after a first frame and with at most two images; images + elements ≤ 7
(≤ 4 with a reference video); `multi_shot` with `shot_type` customize (`multi_prompt`: 1–6
shots of ≤ 512 characters whose durations sum to `duration`) or intelligence. Each shot is
rendered as a cut. Errors are the text2video ones: 1201 invalid parameter, 1203 model not found.
"""

from __future__ import annotations

from typing import Any

from vidbench.adapters.kling.sim_checks import RATIOS, image_ratio, invalid, kling_error
from vidbench.core.sim.tasks import shots_in

MAX_PROMPT_CHARS = 2500
MAX_SHOTS = 6
MAX_SHOT_PROMPT_CHARS = 512
MAX_IMAGES = 7
MAX_IMAGES_WITH_VIDEO = 4
DURATIONS = tuple(str(d) for d in range(3, 16))
# Units per output second by mode (the provider's side of the price; sound costs no more).
UNITS_PER_S: dict[str, dict[str, float]] = {"kling-v3-omni": {"std": 1.2, "pro": 1.2, "4k": 3.0}}


def validate_omni_create(body: dict[str, Any]) -> dict[str, Any]:
    """The normalised task fields of an omni-video create body, or a 1201/1203 SimError."""
    model = body.get("model_name") or ""
    if model not in UNITS_PER_S:
        raise kling_error(404, 1203, f"model {model!r} not found for omni-video")
    prompt = body.get("prompt") or ""
    if not isinstance(prompt, str) or len(prompt) > MAX_PROMPT_CHARS:
        raise invalid(f"prompt must be a string of at most {MAX_PROMPT_CHARS} characters")
    if not prompt and body.get("shot_type") != "customize":
        raise invalid("prompt is required")
    duration = body.get("duration", "5")
    if duration not in DURATIONS:
        raise invalid(f"duration must be one of {list(DURATIONS)} (a string) for {model}")
    mode = body.get("mode", "pro")
    if mode not in UNITS_PER_S[model]:
        raise invalid(f"mode must be one of {list(UNITS_PER_S[model])}")
    sound = body.get("sound", "off")
    if sound not in ("on", "off"):
        raise invalid("sound must be 'on' or 'off'")
    has_video = _check_videos(body.get("video_list"))
    if sound == "on" and has_video:
        raise invalid("sound cannot be generated with a reference video")
    ratio = _ratio(body, _check_images(body, has_video))
    shots, render_prompt = _shots(body, prompt, int(duration))
    external_id = body.get("external_task_id")
    if external_id is not None and (not isinstance(external_id, str) or not external_id):
        raise invalid("external_task_id must be a non-empty string")
    watermark = bool((body.get("watermark_info") or {}).get("enabled", False))
    return {"model": model, "prompt": render_prompt, "duration": duration, "mode": mode,
            "sound": sound == "on", "ratio": ratio, "shots": shots, "external_id": external_id,
            "watermark": watermark}  # fmt: skip


def _check_videos(videos: Any) -> bool:
    if videos in (None, []):
        return False
    if not isinstance(videos, list) or len(videos) > 1 or not isinstance(videos[0], dict):
        raise invalid("video_list takes at most one {video_url, refer_type} object")
    if videos[0].get("refer_type", "base") not in ("feature", "base"):
        raise invalid("video_list[0].refer_type must be 'feature' or 'base'")
    if not str(videos[0].get("video_url") or "").startswith(("http://", "https://")):
        raise invalid("video_list[0].video_url must be a URL")
    return True


def _check_images(body: dict[str, Any], has_video: bool) -> str | None:
    """Validate image_list and element_list; the first frame's ratio ("" if none is given)."""
    images, elements = body.get("image_list") or [], body.get("element_list") or []
    if not isinstance(images, list) or not all(isinstance(i, dict) for i in images):
        raise invalid("image_list must be a list of {image_url, type} objects")
    if not isinstance(elements, list) or not all(
        isinstance(e, dict) and e.get("element_id") for e in elements
    ):
        raise invalid("element_list must be a list of {element_id} objects")
    limit = MAX_IMAGES_WITH_VIDEO if has_video else MAX_IMAGES
    if len(images) + len(elements) > limit:
        raise invalid(f"at most {limit} reference images and elements together")
    types = [image.get("type") for image in images]
    if any(t not in (None, "first_frame", "end_frame") for t in types):
        raise invalid("image_list type must be 'first_frame' or 'end_frame'")
    if types.count("first_frame") > 1 or types.count("end_frame") > 1:
        raise invalid("image_list takes one first_frame and one end_frame at most")
    if "end_frame" in types and ("first_frame" not in types or len(images) > 2):
        raise invalid("end_frame needs a first_frame and at most two images")
    first: str | None = ""
    for i, image in enumerate(images):
        ratio = image_ratio(str(image.get("image_url") or ""), f"image_list[{i}].image_url")
        if image.get("type") == "first_frame":
            first = ratio
    return first


def _ratio(body: dict[str, Any], first_frame_ratio: str | None) -> str:
    if first_frame_ratio != "":  # a first frame (None: a URL the simulator does not fetch)
        if "aspect_ratio" in body:
            raise invalid("aspect_ratio cannot be set with a first frame (the image sets it)")
        return first_frame_ratio or "16:9"
    ratio = body.get("aspect_ratio")
    if ratio not in RATIOS:
        raise invalid(f"aspect_ratio must be one of {list(RATIOS)} without a first frame")
    return str(ratio)


def _shots(body: dict[str, Any], prompt: str, duration_s: int) -> tuple[int, str]:
    """(shots to render, the text to render them from)."""
    if not body.get("multi_shot"):
        return 1, prompt
    shot_type = body.get("shot_type")
    if shot_type == "intelligence":  # Kling places the cuts: as many as the prompt names
        return max(2, min(MAX_SHOTS, shots_in(prompt))), prompt
    if shot_type != "customize":
        raise invalid("shot_type must be 'customize' or 'intelligence'")
    shots = body.get("multi_prompt")
    if not isinstance(shots, list) or not 1 <= len(shots) <= MAX_SHOTS:
        raise invalid(f"multi_prompt must list 1 to {MAX_SHOTS} shots")
    try:
        texts = [str(shot["prompt"]) for shot in shots]
        seconds = [int(shot["duration"]) for shot in shots]
    except (KeyError, TypeError, ValueError):
        raise invalid("each multi_prompt shot needs a prompt and a duration") from None
    if any(not t or len(t) > MAX_SHOT_PROMPT_CHARS for t in texts):
        raise invalid(f"each multi_prompt prompt must be 1 to {MAX_SHOT_PROMPT_CHARS} characters")
    if min(seconds) < 1 or sum(seconds) != duration_s:
        raise invalid("multi_prompt durations must be at least 1 s and sum to duration")
    return len(shots), " ".join(f"Shot {i}: {t}" for i, t in enumerate(texts, start=1))


def units(fields: dict[str, Any]) -> str:
    """`final_unit_deduction` of a finished omni task."""
    rate = UNITS_PER_S[fields["model"]][fields["mode"]]
    return f"{round(rate * int(fields['duration']), 4):g}"
