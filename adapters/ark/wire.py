"""Seedance on Ark as pure functions and tables: models, pixel sizes, bodies, parsing.

Contract: https://www.volcengine.com/docs/82379/1520757 and its sibling pages. The model catalogue (series, capabilities, CNY per
million tokens), the output pixel table behind the token formula, the create body and the
task / error parsing; `adapters/ark/adapter.py` sends them over HTTP and prices tasks with them.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from typing import Any

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.lifecycle import Lifecycle, ModelStatus
from vidbench.core.seam.types import (
    Capabilities,
    ErrorKind,
    GenerationRequest,
    InputKind,
    TaskState,
    TaskStatus,
)

PROVIDER = "ark"
FPS = 24
RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive")
# Documented top-level create fields (the create page) minus the two the adapter always builds.
BODY_FIELDS = frozenset(
    [
        "safety_identifier",
        "callback_url",
        "return_last_frame",
        "service_tier",
        "execution_expires_after",
        "priority",
        "generate_audio",
        "draft",
        "camera_fixed",
        "watermark",
        "seed",
        "resolution",
        "ratio",
        "duration",
        "frames",
        "tools",
        "omni_reference_task_type",
        "output_format",
    ]
)

# Landscape (W, H) per resolution and ratio; portrait ratios are transposes (the create page's table;
# 2.x 1080p/4k 4:3 and 1:1 derived; 1.x beyond 720p 16:9 from the 1.0 table shape).
# fmt: off
PIXELS_2X: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640), "21:9": (992, 432)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440), "21:9": (2206, 946)},
    "4k": {"16:9": (3840, 2160), "4:3": (3328, 2496), "1:1": (2880, 2880), "21:9": (4398, 1886)},
}
PIXELS_1X: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 480), "4:3": (736, 544), "1:1": (640, 640), "21:9": (960, 416)},
    "720p": {"16:9": (1248, 704), "4:3": (1120, 832), "1:1": (960, 960), "21:9": (1504, 640)},
    "1080p": {"16:9": (1920, 1088), "4:3": (1664, 1248), "1:1": (1440, 1440), "21:9": (2176, 928)},
}
# fmt: on

_ALL_2X_INPUTS = frozenset(InputKind)
_FRAMES = frozenset({InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME})


def _caps_2x(resolutions: tuple[str, ...], max_refs: int, longest_s: int = 15) -> Capabilities:
    return Capabilities(
        durations_s=tuple(range(4, longest_s + 1)), ratios=RATIOS, resolutions=resolutions,
        inputs=_ALL_2X_INPUTS, max_reference_images=max_refs, audio=True, seed=False,
        multi_shot=True, default_resolution="720p", fps=FPS,
    )  # fmt: skip


def _caps_1x(inputs: frozenset[InputKind], *, audio: bool = False, refs: int = 0, ratios: tuple[str, ...] = RATIOS, durations: range = range(2, 13), default: str = "1080p") -> Capabilities:  # fmt: skip
    return Capabilities(
        durations_s=tuple(durations), ratios=ratios, resolutions=("480p", "720p", "1080p"),
        inputs=inputs, max_reference_images=refs, audio=audio, seed=True,
        default_resolution=default, fps=FPS,
    )  # fmt: skip


# model id → (series, capabilities, CNY per M tokens without / with video input, note)
MODELS: dict[str, tuple[str, Capabilities, tuple[float, float], str]] = {
    "doubao-seedance-2-0-260128": ("2.0", _caps_2x(("480p", "720p", "1080p", "4k"), 9), (46, 28), "CNY 46/M tokens (28 with video input); 1080p 51/31; 4k unconfirmed"),
    "doubao-seedance-2-0-fast-260128": ("2.0", _caps_2x(("480p", "720p"), 9), (37, 22), "CNY 37/M tokens (22 with video input)"),
    "doubao-seedance-2-0-mini-260615": ("2.0", _caps_2x(("480p", "720p"), 9), (23, 14), "≈CNY 23/M tokens (≈14 with video input), derived from relay prices"),
    "doubao-seedance-2-5-260628": ("2.5", _caps_2x(("480p", "720p", "1080p"), 30, 30), (70, 42), "CNY 70/M tokens (42 with video input); 1080p 77/46"),
    # BytePlus ModelArk (outside China, https://ark.ap-southeast.bytepluses.com/api/v3): USD per second.
    "dreamina-seedance-2-0-260128": ("2.0", _caps_2x(("480p", "720p", "1080p", "4k"), 9), (0, 0), "USD 0.07/s 480p, 0.15/s 720p, 0.37/s 1080p, 0.78/s 4k"),
    "dreamina-seedance-2-0-fast-260128": ("2.0", _caps_2x(("480p", "720p"), 9), (0, 0), "USD 0.06/s 480p, 0.12/s 720p"),
    "dreamina-seedance-2-5-260628": ("2.5", _caps_2x(("480p", "720p"), 30, 30), (0, 0), "USD 0.103/s 480p, 0.231/s 720p"),
    # BytePlus only (no Volcengine twin), 480p/720p, up to 30 s; third-party facts (U).
    "dreamina-seedance-2-5-flash-261115": ("2.5", _caps_2x(("480p", "720p"), 30, 30), (0, 0), "USD 0.143/s 720p (U: third-party measurement); 480p price not found, 720p rate used"),
    "doubao-seedance-1-5-pro-251215": ("1.5", _caps_1x(_FRAMES, audio=True, durations=range(4, 13), default="720p"), (15, 15), "≈CNY 15/M tokens (unconfirmed; 1.0 pro rate assumed)"),
    "doubao-seedance-1-0-pro-250528": ("1.0", _caps_1x(_FRAMES), (15, 15), "≈CNY 15/M tokens (unconfirmed)"),
    "doubao-seedance-1-0-pro-fast-251015": ("1.0", _caps_1x(frozenset({InputKind.FIRST_FRAME})), (15, 15), "≈CNY 15/M tokens (unconfirmed; 1.0 pro rate assumed)"),
    "doubao-seedance-1-0-lite-t2v-250428": ("1.0", _caps_1x(frozenset(), ratios=RATIOS[:-1]), (10, 10), "≈CNY 10/M tokens (unconfirmed)"),
    "doubao-seedance-1-0-lite-i2v-250428": ("1.0", _caps_1x(_FRAMES | {InputKind.REFERENCE_IMAGES}, refs=4), (10, 10), "≈CNY 10/M tokens (unconfirmed)"),
}  # fmt: skip
RATE_2_0_1080P = (51.0, 31.0)  # doubao-seedance-2-0 at 1080p: CNY per M tokens, as above
RATES_1080P: dict[str, tuple[float, float]] = {
    "doubao-seedance-2-0-260128": RATE_2_0_1080P,
    "doubao-seedance-2-5-260628": (77.0, 46.0),
}
# BytePlus ModelArk list prices, USD per second of 16:9 output without video input
# (https://docs.byteplus.com/en/docs/ModelArk/1544106, read via a transcription 2026-08).
USD_PER_S: dict[str, dict[str, float]] = {
    "dreamina-seedance-2-0-260128": {"480p": 0.07, "720p": 0.15, "1080p": 0.37, "4k": 0.78},
    "dreamina-seedance-2-0-fast-260128": {"480p": 0.06, "720p": 0.12},
    "dreamina-seedance-2-5-260628": {"480p": 0.103, "720p": 0.231},
    # U: fujc683/seedance-2-5-flash-pricing (measured $0.143/s at 720p); docs.laozhang.ai says
    # about $0.76 per 5 s 720p. No 480p figure: the 720p rate bounds it from above.
    "dreamina-seedance-2-5-flash-261115": {"720p": 0.143},
}
FLASH_SOURCE = (
    "third-party (U): docs.laozhang.ai announcements/dreamina-seedance-2026-12.md, "
    "fujc683/seedance-2-5-flash-pricing; not on BytePlus's own pages as read"
)
# Where a model's price was read, when not the tables' own sources above.
PRICE_SOURCES: dict[str, str] = {"dreamina-seedance-2-5-flash-261115": FLASH_SOURCE}
USD_PRICE_SOURCE = (
    "https://docs.byteplus.com/en/docs/ModelArk/1544106 (via a transcription, read 2026-08)"
)
_RETIRED_SOURCE = "https://www.volcengine.com/docs/82379/1330310 (model list) and relay notices"
_LIVE_SOURCE = "https://www.volcengine.com/docs/82379/1520757"


def _retired(date: str, replacement: str) -> Lifecycle:
    return Lifecycle(ModelStatus.RETIRED, date, replacement, _RETIRED_SOURCE, "2026-11-30", False)


LIFECYCLES: dict[str, Lifecycle] = {
    "doubao-seedance-2-0-260128": Lifecycle(source=_LIVE_SOURCE, read_on="2026-11-30"),
    "doubao-seedance-2-0-fast-260128": Lifecycle(source=_LIVE_SOURCE, read_on="2026-11-30"),
    "doubao-seedance-2-0-mini-260615": Lifecycle(source=_LIVE_SOURCE, read_on="2026-11-30"),
    "doubao-seedance-2-5-260628": Lifecycle(source=_LIVE_SOURCE, read_on="2026-11-30", confirmed=False),
    "dreamina-seedance-2-0-260128": Lifecycle(source=USD_PRICE_SOURCE, read_on="2026-11-30", confirmed=False),
    "dreamina-seedance-2-0-fast-260128": Lifecycle(source=USD_PRICE_SOURCE, read_on="2026-11-30", confirmed=False),
    "dreamina-seedance-2-5-260628": Lifecycle(source=USD_PRICE_SOURCE, read_on="2026-11-30", confirmed=False),
    "dreamina-seedance-2-5-flash-261115": Lifecycle(source=FLASH_SOURCE, read_on="2026-12-07", confirmed=False),
    "doubao-seedance-1-5-pro-251215": _retired("2026-11-11", "doubao-seedance-2-0-260128"),
    "doubao-seedance-1-0-pro-250528": _retired("2026-07-17", "doubao-seedance-2-0-260128"),
    "doubao-seedance-1-0-pro-fast-251015": _retired("2026-07-17", "doubao-seedance-2-0-fast-260128"),
    "doubao-seedance-1-0-lite-t2v-250428": _retired("2026-07-17", "doubao-seedance-2-0-mini-260615"),
    "doubao-seedance-1-0-lite-i2v-250428": _retired("2026-07-17", "doubao-seedance-2-0-mini-260615"),
}  # fmt: skip


def _series(provider_model: str) -> str:
    # Endpoint ids (ep-...) hide the model; the default capabilities are the 2.0 ones.
    return MODELS.get(provider_model, MODELS["doubao-seedance-2-0-260128"])[0]


def pixel_size(provider_model: str, resolution: str, ratio: str) -> tuple[int, int]:
    """Output (width, height) for a fixed ratio; `adaptive` must be resolved first."""
    table = (PIXELS_1X if _series(provider_model).startswith("1") else PIXELS_2X)[resolution]
    portrait = {"9:16": "16:9", "3:4": "4:3"}
    if ratio in portrait:
        width, height = table[portrait[ratio]]
        return height, width
    return table[ratio]


def nearest_ratio(width: int, height: int) -> str:
    """The fixed ratio closest to an image's aspect (how Ark resolves `adaptive`)."""
    fixed = RATIOS[:-1]
    return min(
        fixed, key=lambda r: abs(int(r.split(":")[0]) / int(r.split(":")[1]) - width / height)
    )


def _image_aspect(path: Path) -> tuple[int, int] | None:
    try:
        from PIL import Image

        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError):
        return None


def resolved_ratio(request: GenerationRequest) -> str:
    """The ratio Ark will use: `adaptive` → the lead image's aspect, else 16:9."""
    if request.ratio != "adaptive":
        return request.ratio
    lead = request.inputs.first_frame or next(iter(request.inputs.reference_images), None)
    size = _image_aspect(lead) if lead and not _is_url(lead) else None
    return nearest_ratio(*size) if size else "16:9"


def tokens_for(provider_model: str, resolution: str, ratio: str, seconds: float) -> int:
    """Ark's billed tokens: W × H × 24 × seconds / 1024 (Ark's billing formula)."""
    width, height = pixel_size(provider_model, resolution, ratio)
    return int(width * height * FPS * seconds / 1024)


def _is_url(path: Path | str) -> bool:
    return re.match(r"^https?:/", str(path)) is not None


def _as_url(path: Path | str) -> str:
    # pathlib collapses "https://" to "https:/"; restore the scheme's double slash.
    return re.sub(r"^(https?):/+", r"\1://", str(path))


def data_url(path: Path, kind: str) -> str:
    """A local file as `data:<kind>/<fmt>;base64,...` (Ark wants lowercase formats)."""
    if _is_url(path):
        return _as_url(path)
    mime = mimetypes.guess_type(path.name)[0] or f"{kind}/{path.suffix.lstrip('.').lower()}"
    fmt = mime.split("/", 1)[1].lower().replace("x-wav", "wav").replace("mpeg", "mp3")
    return f"data:{kind}/{fmt};base64,{base64.b64encode(path.read_bytes()).decode()}"


def build_content(request: GenerationRequest) -> list[dict[str, Any]]:
    """Ark `content`: text first, then images with roles, reference videos and audios."""
    content: list[dict[str, Any]] = []
    if request.text:
        content.append({"type": "text", "text": request.text})
    inputs = request.inputs

    def image(path: Path, role: str) -> dict[str, Any]:
        return {"type": "image_url", "image_url": {"url": data_url(path, "image")}, "role": role}

    if inputs.first_frame:
        content.append(image(inputs.first_frame, "first_frame"))
    if inputs.last_frame:
        content.append(image(inputs.last_frame, "last_frame"))
    content.extend(image(path, "reference_image") for path in inputs.reference_images)
    for video in inputs.reference_videos:
        if not _is_url(video):
            raise errors.UnsupportedRequest(
                f"Ark takes reference videos only as http(s) URLs, not local files or base64: {video.name}"
            )
        content.append(
            {"type": "video_url", "video_url": {"url": _as_url(video)}, "role": "reference_video"}
        )
    for audio in inputs.reference_audios:
        item = {
            "type": "audio_url",
            "audio_url": {"url": data_url(audio, "audio")},
            "role": "reference_audio",
        }
        content.append(item)
    return content


def build_create_body(request: GenerationRequest, caps: Capabilities) -> dict[str, Any]:
    """The create-task JSON: content, shared settings mapped to Ark fields, then `params`."""
    ratio = request.ratio
    has_image = bool(request.inputs.first_frame or request.inputs.reference_images)
    if ratio == "adaptive" and _series(request.provider_model) == "1.0" and not has_image:
        ratio = "16:9"  # 1.0 text-to-video rejects adaptive
    body: dict[str, Any] = {
        "model": request.provider_model,
        "content": build_content(request),
        "duration": request.duration_s,
        "ratio": ratio,
        "watermark": False,
    }
    if request.resolution:
        body["resolution"] = request.resolution
    if caps.audio:
        body["generate_audio"] = request.audio
    if caps.seed and request.seed is not None:
        body["seed"] = request.seed
    body.update({k: v for k, v in request.params.items() if k not in ("model", "content")})
    return body


_STATUS = {
    "queued": TaskStatus.QUEUED,
    "running": TaskStatus.RUNNING,
    "succeeded": TaskStatus.SUCCEEDED,
    "cancelled": TaskStatus.CANCELLED,
    "expired": TaskStatus.EXPIRED,
}


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def parse_task(data: dict[str, Any]) -> TaskState:
    """A GET-task body → TaskState (the get page's answer)."""
    raw = str(data.get("status", ""))
    error: dict[str, Any] = _object(data, "error")
    code = str(error.get("code") or "")
    detail = f"{code}: {error.get('message', '')}".strip(": ") or None
    usage, content = _object(data, "usage"), _object(data, "content")
    kind: ErrorKind | None = None
    if raw == "failed":
        rejected = "SensitiveContentDetected" in code
        status = TaskStatus.REJECTED if rejected else TaskStatus.FAILED
        kind = ErrorKind.CONTENT_REJECTED if rejected else ErrorKind.TASK_FAILED
    else:
        # Unknown words are treated as still running; the runner's timeout bounds them.
        status = _STATUS.get(raw, TaskStatus.RUNNING)
        kind = ErrorKind.EXPIRED if status is TaskStatus.EXPIRED else None
    seconds: float | None = None
    if isinstance(data.get("frames"), int):
        seconds = data["frames"] / FPS
    elif isinstance(data.get("duration"), int | float):
        seconds = float(data["duration"])
    tokens = usage.get("completion_tokens")
    extra: dict[str, Any] = {
        k: data[k] for k in ("resolution", "ratio", "seed", "generate_audio", "model") if k in data
    }
    return TaskState(
        status=status, error_kind=kind, detail=detail if code else None,
        video_url=content.get("video_url"), tokens=tokens if isinstance(tokens, int) else None,
        provider_duration_s=seconds, raw_status=raw, extra=extra,
    )  # fmt: skip


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """Ark's `{"error": {code, message, param, type}}` → (message, code)."""
    body = http.json_or_none(response)
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        message = str(err.get("message") or response.reason_phrase)
        if err.get("param"):
            message += f" (param {err['param']})"
        return message, None if err.get("code") is None else str(err["code"])
    return response.reason_phrase or "error", None


def refine_error(exc: errors.ProviderError, provider_model: str) -> errors.ProviderError:
    """Sharpen the status-code mapping with Ark's error codes (https://www.volcengine.com/docs/82379/1299023)."""
    code = exc.code or ""
    message = exc.message
    if exc.status_code == 400 and code.startswith("Input") and "SensitiveContentDetected" in code:
        return errors.retype(exc, errors.ContentRejected, provider=PROVIDER)
    if code == "AccountOverdueError" or code.startswith("OperationDenied.ServiceNotOpen"):
        return errors.retype(exc, errors.BillingError, provider=PROVIDER)
    lifecycle = LIFECYCLES.get(provider_model)
    gone = "no longer available" in message.lower() or code == "InvalidEndpoint.ClosedEndpoint"
    if (exc.status_code == 404 and lifecycle is not None and lifecycle.retired) or gone:
        instead = f"; use {lifecycle.replacement}" if lifecycle and lifecycle.replacement else ""
        retired = f"model {provider_model!r} is retired{instead}: {message}"
        return errors.retype(exc, errors.ModelGone, retired, provider=PROVIDER)
    if exc.status_code == 404 and code in ("InvalidEndpointOrModel.NotFound", "ModelNotOpen"):
        missing = f"model or endpoint {provider_model!r} not found or not activated: {message}"
        return errors.retype(exc, errors.NotFound, missing, provider=PROVIDER)
    return exc
