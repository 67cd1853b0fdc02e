"""Kling's omni-video family (`kling-v3-omni`) as pure functions: catalogue, price, create body.

Contract, from third-party sources only (read 2026-11-30): `POST /v1/videos/omni-video`, poll
`GET /v1/videos/omni-video/{task_id or external_task_id}`, with the JWT, the
`{code, message, request_id, data}` envelope and the task statuses of text2video
(https://apimodels.app/en/docs/kling-omni-video, a gateway in front of it; Kling's omni-video
page as transcribed at
https://github.com/WHQ25/rawgenai/blob/main/docs/research/kling/omni-video-o1.md). Body:
`prompt` (≤ 2500 characters; `<<<image_N>>>` names the N-th image), `duration` a string
"3"…"15", `mode` std (720p) / pro (1080p) / 4k, `sound` on / off, `aspect_ratio` unless a
first frame sets it, `image_list` of `{image_url, type?}` — `first_frame` / `end_frame`, and
untyped entries are element references (≤ 7 images) —, `element_list` of `{element_id}` from
Kling's element library, and `multi_shot` + `shot_type` + `multi_prompt` (≤ 6 shots whose
durations sum to `duration`; https://replicate.com/kwaivgi/kling-v3-omni-video). Whether a
`multi_prompt` entry needs `index` is unconfirmed: we send it, 1-based, as text2video does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidbench.adapters.kling.wire import raw_base64
from vidbench.core.seam.lifecycle import Lifecycle, ModelStatus
from vidbench.core.seam.types import Capabilities, GenerationInputs, GenerationRequest, InputKind

DURATIONS_S = tuple(range(3, 16))
RATIOS = ("16:9", "9:16", "1:1")
MODES = {"720p": "std", "1080p": "pro", "4k": "4k"}  # shared resolution → Kling `mode`
MAX_SHOTS = 6
MAX_SHOT_PROMPT_CHARS = 512
MAX_IMAGES = 7  # image_list + element_list together, without a reference video
# Fields of the omni-video body a config's `params` may set (no negative_prompt, cfg_scale or
# camera_control there: the omni-video page lists none of them).
# fmt: off
FIELDS = frozenset({
    "mode", "sound", "aspect_ratio", "duration", "watermark_info", "callback_url",
    "multi_shot", "shot_type", "multi_prompt", "image_list", "element_list", "video_list",
})
# fmt: on

USD_PER_S = {"std": 0.168, "pro": 0.168, "4k": 0.42}
PRICE_SOURCE = (
    "third-party: std/pro at the top non-4k rate of a gateway, "
    "https://runware.ai/docs/models/klingai-video-3-0-omni-pro (1.2 units/s at USD 0.14); "
    "4k at kling-v3's 4k list rate (kling.ai/document-api/pricing/base/video), assumed; "
    "read 2026-11-30"
)
LIFECYCLES: dict[str, Lifecycle] = {
    "kling-v3-omni": Lifecycle(
        ModelStatus.LIVE,
        source="https://apimodels.app/en/docs/kling-omni-video",
        read_on="2026-11-30",
        confirmed=False,
    ),  # fmt: skip
}

# "Shot 2:" / "镜头2：" opens a shot; "cut to" separates two.
_SHOT_MARK = re.compile(r"(?:\bshot\s*\d+|镜头\s*\d+)\s*[:：.]\s*", re.IGNORECASE)
_CUT = re.compile(r"\s*(?:\bcut to\b|切换镜头|镜头切换)\s*[:：,，]?\s*", re.IGNORECASE)


def capabilities() -> Capabilities:
    """What kling-v3-omni takes: 3–15 s, 720p/1080p/4k, sound, shots, frames and references."""
    return Capabilities(
        durations_s=DURATIONS_S,
        ratios=RATIOS,
        resolutions=tuple(MODES),
        inputs=frozenset(
            {InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME, InputKind.REFERENCE_IMAGES}
        ),
        max_reference_images=MAX_IMAGES - 1,  # room for a first frame
        audio=True,
        multi_shot=True,
        default_resolution="720p",
        fps=24,
        max_prompt_chars=2500,
    )


def mode_for(request: GenerationRequest) -> str:
    """Kling's `mode` for the request's resolution (std when none is asked for)."""
    return MODES.get(request.resolution or "720p", "std")


def shot_prompts(text: str, shots: int) -> list[str] | None:
    """Per-shot prompts from "Shot N:" markers or "cut to", or None unless exactly `shots`.

    Text before the first "Shot N:" marker (shared context) is kept at the head of each shot.
    """
    parts = _SHOT_MARK.split(text)
    if len(parts) > 1:
        preamble, bodies = parts[0].strip(), [p.strip() for p in parts[1:]]
        prompts = [f"{preamble} {body}".strip() for body in bodies]
    else:
        prompts = [p.strip() for p in _CUT.split(text)]
    if len(prompts) != shots or not all(prompts):
        return None
    return prompts


def split_duration(total_s: int, shots: int) -> list[int]:
    """`total_s` in whole seconds over `shots`, the earlier shots one second longer if uneven."""
    base, extra = divmod(total_s, shots)
    return [base + (1 if i < extra else 0) for i in range(shots)]


def shot_fields(request: GenerationRequest) -> dict[str, Any]:
    """The multi-shot fields: customize with per-shot prompts and durations where the prompt
    splits into the requested shots, else `intelligence` (Kling places the cuts)."""
    shots = request.shots or 1
    if shots <= 1:
        return {}
    prompts = shot_prompts(request.text, shots)
    if (
        prompts is None
        or shots > min(MAX_SHOTS, request.duration_s)
        or any(len(p) > MAX_SHOT_PROMPT_CHARS for p in prompts)
    ):
        return {"multi_shot": True, "shot_type": "intelligence"}
    durations = split_duration(request.duration_s, shots)
    multi_prompt = [
        {"index": i + 1, "prompt": prompt, "duration": str(seconds)}
        for i, (prompt, seconds) in enumerate(zip(prompts, durations, strict=True))
    ]
    return {"multi_shot": True, "shot_type": "customize", "multi_prompt": multi_prompt}


def image_list(
    inputs: GenerationInputs, read_bytes: Callable[[Path], bytes] = Path.read_bytes
) -> list[dict[str, str]]:
    """`image_list`: first and end frame (typed), then reference images as element references."""
    images: list[dict[str, str]] = []
    if inputs.first_frame is not None:
        images.append(
            {"image_url": raw_base64(inputs.first_frame, read_bytes), "type": "first_frame"}
        )
    if inputs.last_frame is not None:
        images.append({"image_url": raw_base64(inputs.last_frame, read_bytes), "type": "end_frame"})
    images += [{"image_url": raw_base64(path, read_bytes)} for path in inputs.reference_images]
    return images


def build_omni_body(
    request: GenerationRequest, read_bytes: Callable[[Path], bytes] = Path.read_bytes
) -> dict[str, Any]:
    """The POST /v1/videos/omni-video body for a request; model `params` win."""
    body: dict[str, Any] = {
        "model_name": request.provider_model,
        "prompt": request.text,  # kept with per-shot prompts: the page marks it required
        "duration": str(request.duration_s),
        "mode": mode_for(request),
        "sound": "on" if request.audio else "off",
        "external_task_id": request.external_id,
    }
    if request.inputs.first_frame is None:  # a first frame sets the ratio itself
        body["aspect_ratio"] = request.ratio
    images = image_list(request.inputs, read_bytes)
    if images:
        body["image_list"] = images
    body.update(shot_fields(request))
    body.update(request.params)
    return body


def validate_params(provider_model: str, params: dict[str, Any]) -> list[str]:
    """Problems with an omni model's `params`: fields omni-video lacks, bad enum values."""
    problems = [
        f"{key} is not a field of omni-video ({provider_model}); known: {', '.join(sorted(FIELDS))}"
        for key in sorted(set(params) - FIELDS)
    ]
    enums: dict[str, tuple[Any, ...]] = {
        "mode": tuple(MODES.values()),
        "sound": ("on", "off"),
        "aspect_ratio": RATIOS,
        "duration": tuple(str(d) for d in DURATIONS_S),
        "shot_type": ("customize", "intelligence"),
    }
    for key, allowed in enums.items():
        if key in params and params[key] not in allowed:
            problems.append(
                f"{key} must be one of {list(allowed)} for {provider_model}, got {params[key]!r}"
            )
    return problems
