"""ByteDance Seedance on Volcengine Ark: content-generation tasks with a Bearer API key.

Contract: specs/provider-apis.md §1. Create is billed and not idempotent, and Ark has no
lookup by a client id, so an ambiguous create must be recorded, never resent
(`find_task` raises NotImplementedError). Cost is tokens = W × H × 24 × seconds / 1024
at the model's CNY price per million tokens.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from typing import Any, ClassVar

import httpx

from bench import errors, http
from bench.adapter import Adapter, ModelInfo
from bench.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    ErrorKind,
    GenerationRequest,
    InputKind,
    SubmitResult,
    TaskState,
    TaskStatus,
)

PROVIDER = "ark"
TASKS_PATH = "/contents/generations/tasks"
FPS = 24
PRICE_SOURCE = "Volcengine CN list price (provider-apis.md §1.6, docs state Oct–Nov 2026)"
RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive")
# Documented top-level create fields (§1.4) minus the two the adapter always builds.
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

# Landscape (W, H) per resolution and ratio; portrait ratios are transposes (§1.4 table;
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


def _caps_2x(resolutions: tuple[str, ...], max_refs: int) -> Capabilities:
    return Capabilities(
        durations_s=tuple(range(4, 16)), ratios=RATIOS, resolutions=resolutions,
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
_MODELS: dict[str, tuple[str, Capabilities, tuple[float, float], str]] = {
    "doubao-seedance-2-0-260128": ("2.0", _caps_2x(("480p", "720p", "1080p", "4k"), 9), (46, 28), "CNY 46/M tokens (28 with video input); 1080p 51/31; 4k unconfirmed"),
    "doubao-seedance-2-0-fast-260128": ("2.0", _caps_2x(("480p", "720p"), 9), (37, 22), "CNY 37/M tokens (22 with video input)"),
    "doubao-seedance-2-0-mini-260615": ("2.0", _caps_2x(("480p", "720p"), 9), (23, 14), "≈CNY 23/M tokens (≈14 with video input), derived from relay prices"),
    "doubao-seedance-2-5-260628": ("2.5", _caps_2x(("480p", "720p"), 30), (70, 42), "CNY 70/M tokens (42 with video input)"),
    "doubao-seedance-1-5-pro-251215": ("1.5", _caps_1x(_FRAMES, audio=True, durations=range(4, 13), default="720p"), (15, 15), "≈CNY 15/M tokens (unconfirmed; 1.0 pro rate assumed)"),
    "doubao-seedance-1-0-pro-250528": ("1.0", _caps_1x(_FRAMES), (15, 15), "≈CNY 15/M tokens (unconfirmed)"),
    "doubao-seedance-1-0-pro-fast-251015": ("1.0", _caps_1x(frozenset({InputKind.FIRST_FRAME})), (15, 15), "≈CNY 15/M tokens (unconfirmed; 1.0 pro rate assumed)"),
    "doubao-seedance-1-0-lite-t2v-250428": ("1.0", _caps_1x(frozenset(), ratios=RATIOS[:-1]), (10, 10), "≈CNY 10/M tokens (unconfirmed)"),
    "doubao-seedance-1-0-lite-i2v-250428": ("1.0", _caps_1x(_FRAMES | {InputKind.REFERENCE_IMAGES}, refs=4), (10, 10), "≈CNY 10/M tokens (unconfirmed)"),
}  # fmt: skip
_RATE_2_0_1080P = (51.0, 31.0)


def _series(provider_model: str) -> str:
    # Endpoint ids (ep-...) hide the model; the default capabilities are the 2.0 ones.
    return _MODELS.get(provider_model, _MODELS["doubao-seedance-2-0-260128"])[0]


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
    """Ark's billed tokens: W × H × 24 × seconds / 1024 (§1.6)."""
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
    """A GET-task body → TaskState (§1.5)."""
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
    """Sharpen the status-code mapping with Ark's error codes (§1.10)."""
    code = exc.code or ""
    message = str(exc.args[0]).split(" | ")[0].removeprefix(f"{PROVIDER}: ")
    fields: dict[str, Any] = dict(
        provider=PROVIDER,
        status_code=exc.status_code,
        code=exc.code,
        request_id=exc.request_id,
        body=exc.body,
    )
    if exc.status_code == 400 and code.startswith("Input") and "SensitiveContentDetected" in code:
        return errors.ContentRejected(message, **fields)
    if code == "AccountOverdueError" or code.startswith("OperationDenied.ServiceNotOpen"):
        return errors.BillingError(message, **fields)
    if exc.status_code == 404 and code in ("InvalidEndpointOrModel.NotFound", "ModelNotOpen"):
        return errors.NotFound(
            f"model or endpoint {provider_model!r} not found or not activated: {message}", **fields
        )
    return exc


class ArkAdapter(Adapter):
    """Seedance 2.x / 1.x on Volcengine Ark."""

    name: ClassVar[str] = PROVIDER
    default_base_url: ClassVar[str] = "https://ark.cn-beijing.volces.com/api/v3"
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "ARK_API_KEY"}
    allowed_params: ClassVar[frozenset[str]] = BODY_FIELDS
    note: ClassVar[str] = "Billed per token; create is not idempotent (no lookup by client id)."
    max_poll_batch: ClassVar[int] = 100  # LIST with repeated filter.task_ids

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Every Seedance model id of §1.1 with capabilities and list price."""
        return {
            model_id: ModelInfo(model_id, caps, note, PRICE_SOURCE, label=f"Seedance {series}")
            for model_id, (series, caps, _, note) in _MODELS.items()
        }

    @classmethod
    def check_model_id(cls, provider_model: str) -> str | None:
        """Known model ids and Ark endpoint ids (`ep-...`) are accepted."""
        if provider_model.startswith("ep-"):
            return None
        return super().check_model_id(provider_model)

    # -- cost ------------------------------------------------------------------------------

    def _cny_per_million(self, request: GenerationRequest, resolution: str) -> float:
        override = self.context.price_override.get("cny_per_million_tokens")
        if override is not None:
            return float(override)
        _, _, rates, _ = _MODELS.get(request.provider_model, _MODELS["doubao-seedance-2-0-260128"])
        if request.provider_model == "doubao-seedance-2-0-260128" and resolution == "1080p":
            rates = _RATE_2_0_1080P
        return float(rates[1] if request.inputs.reference_videos else rates[0])

    def _cost(self, request: GenerationRequest, tokens: int, resolution: str) -> Cost:
        cny = tokens / 1e6 * self._cny_per_million(request, resolution)
        return Cost(native=cny, currency="CNY", usd=cny / self.context.cny_per_usd, tokens=tokens)

    def _resolution(self, request: GenerationRequest) -> str:
        caps = self.capabilities(request.provider_model)
        return request.resolution or caps.default_resolution or "720p"

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """List price if the task succeeds, from the resolved pixel size and duration."""
        resolution = self._resolution(request)
        seconds = request.duration_s if request.duration_s > 0 else 15  # -1: assume the longest
        tokens = tokens_for(request.provider_model, resolution, resolved_ratio(request), seconds)
        return self._cost(request, tokens, resolution)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """Billed cost from `usage.completion_tokens`; zero unless the task succeeded."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="CNY", usd=0.0, tokens=0)
        resolution = str(state.extra.get("resolution") or self._resolution(request))
        return self._cost(request, state.tokens or 0, resolution)

    # -- HTTP ------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: list[tuple[str, str]] | None = None,
    ) -> httpx.Request:
        url = self.context.base_url.rstrip("/") + path
        key = self.context.secrets["api_key"].reveal()
        return self.client.build_request(
            method, url, json=body, params=params, headers={"Authorization": f"Bearer {key}"}
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await http.send(self.client, request, provider=PROVIDER, parser=parse_error)
        except errors.ProviderError as exc:
            raise refine_error(exc, self.context.provider_model) from None

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        data = http.json_or_none(response)
        if not isinstance(data, dict):
            raise errors.TransientError(
                "response body is not a JSON object", provider=PROVIDER, status_code=response.status_code,
                request_id=response.headers.get("x-request-id"), body=errors.truncate(response.text),
            )  # fmt: skip
        return data

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """POST the create body; returns the `cgt-...` task id."""
        body = build_create_body(request, self.capabilities(request.provider_model))
        response = await self._send(self._request("POST", TASKS_PATH, body))
        data = self._json(response)
        if not isinstance(data.get("id"), str):
            raise errors.TransientError(
                "create answered without an id", provider=PROVIDER, body=response.text
            )
        return SubmitResult(task_id=data["id"], request_id=response.headers.get("x-request-id"))

    async def poll(self, task_id: str) -> TaskState:
        """GET the task once."""
        response = await self._send(self._request("GET", f"{TASKS_PATH}/{task_id}"))
        return parse_task(self._json(response))

    async def poll_many(self, task_ids: list[str]) -> dict[str, TaskState]:
        """LIST with one repeated `filter.task_ids` per id (§1.3): many statuses, one request."""
        params = [("page_num", "1"), ("page_size", str(len(task_ids)))]
        params += [("filter.task_ids", task_id) for task_id in task_ids]
        body = self._json(await self._send(self._request("GET", TASKS_PATH, params=params)))
        items = body.get("items") or []
        return {
            str(item["id"]): parse_task(item)
            for item in items
            if isinstance(item, dict) and "id" in item
        }

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The signed `content.video_url`; it carries its own auth, so no header is sent."""
        if not state.video_url:
            raise errors.ProviderError(
                f"task {task_id} succeeded without a video_url", provider=PROVIDER
            )
        return DownloadSpec(url=state.video_url)

    async def cancel(self, task_id: str) -> None:
        """DELETE the task (cancels a queued one; removes a finished record)."""
        await self._send(self._request("DELETE", f"{TASKS_PATH}/{task_id}"))

    async def find_task(self, request: GenerationRequest) -> str | None:
        """Ark cannot look a task up by our id: an ambiguous create stays ambiguous."""
        raise NotImplementedError(
            "Ark has no lookup by client id; record the create, never resend it"
        )


ADAPTER = ArkAdapter
