"""Kling AI video API (Kuaishou): text2video and image2video with a per-request JWT.

Contract: specs/provider-apis.md §3. Every request carries a fresh HS256 token signed
with the secret key. Task ids we hand the runner are prefixed with the endpoint family
("t2v:<id>" / "i2v:<id>") so a resumed run knows which path to poll without state.
`external_task_id` is our external id, so an ambiguous create is looked up, not resent.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import jwt

from bench import errors, http
from bench.adapter import Adapter, AdapterContext, ModelInfo
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

PROVIDER = "kling"
TOKEN_LIFETIME_S = 1800  # the doc's example lifetime
TOKEN_NOT_BEFORE_SKEW_S = 5  # nbf = now - 5 tolerates a server clock slightly behind ours
USD_PER_UNIT = 0.14  # spec §3.7: one video unit ≈ $0.14
PRICE_SOURCE = (
    "kling.ai/document-api/pricing/base/video (via UNMODEL kling/pricing.ts), read 2026-08-13"
)

FAMILY_PATHS = {"t2v": "/v1/videos/text2video", "i2v": "/v1/videos/image2video"}

# USD per output second by (mode, sound): spec §3.7. kling-v2-6 sells sound only at 1080p.
# fmt: off
RATES_USD_PER_S: dict[str, dict[tuple[str, bool], float]] = {
    "kling-v3": {("std", False): 0.084, ("pro", False): 0.112,
                 ("std", True): 0.126, ("pro", True): 0.168},
    "kling-v2-6": {("std", False): 0.042, ("pro", False): 0.07, ("pro", True): 0.14},
    "kling-v2-5-turbo": {("std", False): 0.042, ("pro", False): 0.07},
    "kling-v2-1-master": {("std", False): 0.28, ("pro", False): 0.28},
    "kling-v2-master": {("std", False): 0.28, ("pro", False): 0.28},
    "kling-v1-6": {("std", False): 0.056, ("pro", False): 0.098},
    "kling-v1": {("std", False): 0.028, ("pro", False): 0.098},
}
# fmt: on
SOUND_MODELS = frozenset({"kling-v3", "kling-v2-6"})
MULTI_SHOT_MODELS = frozenset({"kling-v3"})
CFG_SCALE_MODELS = frozenset({"kling-v1", "kling-v1-6"})  # "not supported by kling-v2.x"
RATIOS = ("16:9", "9:16", "1:1")

# Documented body fields a config's `params` may set (§3.3).
T2V_ONLY_FIELDS = frozenset({"aspect_ratio"})
I2V_ONLY_FIELDS = frozenset({"static_mask", "dynamic_masks", "element_list", "voice_list"})
# fmt: off
COMMON_FIELDS = frozenset({
    "negative_prompt", "cfg_scale", "mode", "camera_control", "duration", "sound",
    "watermark_info", "callback_url", "multi_shot", "shot_type", "multi_prompt",
})
# fmt: on

# Output moderation reaches us only as a failed task with a message (§3.4).
SAFETY_MESSAGE = re.compile(
    r"safety|risk|sensitive|moderat|policy|violat|inappropriate|审核|违规", re.IGNORECASE
)

STATUS_MAP = {
    "submitted": TaskStatus.QUEUED,
    "processing": TaskStatus.RUNNING,
    "succeed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}

# code → (error class, meaning) for the documented codes (§3.5).
_CODE_MEANINGS: dict[int, tuple[type[errors.ProviderError], str]] = {
    1000: (errors.AuthError, "authentication failed"),
    1001: (errors.AuthError, "Authorization header empty"),
    1002: (errors.AuthError, "token invalid (bad signature or unknown access key)"),
    1003: (errors.AuthError, "token not yet valid (nbf in the future: check the clock)"),
    1004: (errors.AuthError, "token expired (exp in the past: check the clock)"),
    1100: (errors.BillingError, "account exception"),
    1101: (errors.BillingError, "account in arrears (postpaid)"),
    1102: (errors.BillingError, "resource pack depleted or expired"),
    1103: (errors.AuthError, "no access to this API or model"),
    1200: (errors.InvalidRequest, "invalid request"),
    1201: (errors.InvalidRequest, "invalid parameter"),
    1202: (errors.NotFound, "bad method"),
    1203: (errors.NotFound, "resource not found"),
    1300: (errors.ContentRejected, "platform policy triggered"),
    1301: (errors.ContentRejected, "content safety triggered"),
    1302: (errors.RateLimited, "rate limit"),
    1303: (errors.RateLimited, "parallel tasks over the resource pack limit"),
    1304: (errors.AuthError, "IP not in the whitelist"),
    5000: (errors.TransientError, "server internal error"),
    5001: (errors.TransientError, "service under maintenance"),
    5002: (errors.TransientError, "backlog timeout"),
}


def make_token(access_key: str, secret_key: str, now_s: float) -> str:
    """The HS256 JWT Kling expects: iss = access key, exp = now+1800, nbf = now-5."""
    now = int(now_s)
    payload = {
        "iss": access_key,
        "exp": now + TOKEN_LIFETIME_S,
        "nbf": now - TOKEN_NOT_BEFORE_SKEW_S,
    }
    with warnings.catch_warnings():
        # The secret's length is Kling's choice, not ours; PyJWT's advice cannot be acted on.
        warnings.filterwarnings("ignore", message=".*HMAC key", category=UserWarning)
        return jwt.encode(payload, secret_key, algorithm="HS256", headers={"typ": "JWT"})


def _mode(request: GenerationRequest) -> str:
    return "pro" if request.resolution == "1080p" else "std"


def _common_body(request: GenerationRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model_name": request.provider_model,
        "prompt": request.text,
        "duration": str(request.duration_s),
        "mode": _mode(request),
        "external_task_id": request.external_id,
    }
    if request.provider_model in SOUND_MODELS:
        body["sound"] = "on" if request.audio else "off"
        # kling-v2-6 produces sound only in pro (1080p) mode (§3.3, §3.7).
        if request.audio and request.provider_model == "kling-v2-6":
            body["mode"] = "pro"
    if request.provider_model in MULTI_SHOT_MODELS and (request.shots or 1) > 1:
        # "intelligence" lets Kling place the cuts from the whole prompt; per-shot prompts
        # (shot_type "customize") would need a prompt split the suite does not provide.
        body["multi_shot"] = True
        body["shot_type"] = "intelligence"
    return body


def build_text2video_body(request: GenerationRequest) -> dict[str, Any]:
    """The POST /v1/videos/text2video body for a request; model `params` win."""
    body = _common_body(request)
    body["aspect_ratio"] = request.ratio
    body.update({k: v for k, v in request.params.items() if k not in I2V_ONLY_FIELDS})
    return body


def _raw_base64(path: Path, read_bytes: Callable[[Path], bytes]) -> str:
    # Kling rejects data: URLs; it wants the bare base64 text (§3.3).
    return base64.b64encode(read_bytes(path)).decode("ascii")


def build_image2video_body(
    request: GenerationRequest, read_bytes: Callable[[Path], bytes] = Path.read_bytes
) -> dict[str, Any]:
    """The POST /v1/videos/image2video body: image / image_tail as raw base64, no ratio."""
    body = _common_body(request)
    if request.inputs.first_frame is not None:
        body["image"] = _raw_base64(request.inputs.first_frame, read_bytes)
    if request.inputs.last_frame is not None:
        body["image_tail"] = _raw_base64(request.inputs.last_frame, read_bytes)
    body.update({k: v for k, v in request.params.items() if k not in T2V_ONLY_FIELDS})
    return body


def family_for(request: GenerationRequest) -> str:
    """The endpoint family: i2v when the request carries a first or last frame, else t2v."""
    inputs = request.inputs
    return "i2v" if inputs.first_frame is not None or inputs.last_frame is not None else "t2v"


def split_task_id(task_id: str) -> tuple[str, str]:
    """("t2v" | "i2v", Kling task id) from a task id this adapter returned."""
    family, sep, raw = task_id.partition(":")
    if not sep or family not in FAMILY_PATHS or not raw:
        raise errors.InvalidRequest(
            f"not a Kling task id of this adapter: {task_id!r}", provider=PROVIDER
        )
    return family, raw


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_task(data: dict[str, Any]) -> TaskState:
    """Map a Kling task object (the envelope's `data`) to a TaskState."""
    raw_status = str(data.get("task_status") or "")
    status = STATUS_MAP.get(raw_status)
    extra: dict[str, Any] = {}
    for field in ("created_at", "updated_at"):  # Kling timestamps are Unix milliseconds
        ms = _float_or_none(data.get(field))
        extra[f"{field}_s"] = None if ms is None else ms / 1000.0
    if data.get("final_unit_deduction") not in (None, ""):
        extra["final_unit_deduction"] = str(data["final_unit_deduction"])
    if status is None:
        # An undocumented status is more likely a new intermediate state than a failure of a
        # paid task: keep polling (the runner's task timeout bounds it).
        status = TaskStatus.RUNNING
    state = functools.partial(TaskState, raw_status=raw_status, extra=extra)
    if status is TaskStatus.FAILED:
        message = str(data.get("task_status_msg") or "task failed without a message")
        if SAFETY_MESSAGE.search(message):
            return state(TaskStatus.REJECTED, ErrorKind.CONTENT_REJECTED, message)
        return state(TaskStatus.FAILED, ErrorKind.TASK_FAILED, message)
    if status is TaskStatus.SUCCEEDED:
        videos = (data.get("task_result") or {}).get("videos") or []
        video = videos[0] if videos and isinstance(videos[0], dict) else {}
        if video.get("watermark_url"):
            extra["watermark_url"] = video["watermark_url"]
        if not video.get("url"):
            return state(TaskStatus.FAILED, ErrorKind.TASK_FAILED, "succeeded without a video url")
        duration_s = _float_or_none(video.get("duration"))
        return state(
            TaskStatus.SUCCEEDED, video_url=str(video["url"]), provider_duration_s=duration_s
        )
    return state(status)


def parse_error(response: httpx.Response) -> tuple[str, str | None]:
    """(message, code) from Kling's `{code, message, request_id}` error body."""
    body = http.json_or_none(response)
    if isinstance(body, dict) and "code" in body:
        return str(body.get("message") or response.reason_phrase), str(body["code"])
    return response.reason_phrase or "error", None


def refine_error(exc: errors.ProviderError, body_text: str | None = None) -> errors.ProviderError:
    """Re-map an HTTP-status error by Kling's body `code`; adds the body's request_id."""
    message, request_id = "", exc.request_id
    try:
        parsed = json.loads(body_text if body_text is not None else exc.body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        message = str(parsed.get("message") or "")
        request_id = str(parsed["request_id"]) if parsed.get("request_id") else request_id
    if not message:
        message = str(exc.args[0]).split(" | ")[0].removeprefix(f"{PROVIDER}: ")
    try:
        code = int(exc.code) if exc.code is not None else None
    except ValueError:
        code = None
    cls, meaning = (
        _CODE_MEANINGS.get(code, (type(exc), "")) if code is not None else (type(exc), "")
    )
    if meaning:
        message = f"{meaning}: {message}"
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "status_code": exc.status_code,
        "code": exc.code,
        "request_id": request_id,
        "body": exc.body,
    }
    if issubclass(cls, errors.RateLimited):
        retry_after = exc.retry_after_s if isinstance(exc, errors.RateLimited) else None
        return errors.RateLimited(message, retry_after_s=retry_after, **common)
    return cls(message, **common)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with the given secrets and anything shaped like a bearer token or JWT masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = re.sub(r"Bearer\s+\S+", "Bearer ***", text)
    return re.sub(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", "***", text)


class KlingAdapter(Adapter):
    """Kling text2video / image2video with JWT auth and unit-based prices."""

    name: ClassVar[str] = PROVIDER
    default_base_url: ClassVar[str] = "https://api-singapore.klingai.com"
    secret_roles: ClassVar[dict[str, str]] = {
        "access_key": "access_key_env",
        "secret_key": "secret_key_env",
    }
    default_env: ClassVar[dict[str, str]] = {
        "access_key": "KLING_ACCESS_KEY",
        "secret_key": "KLING_SECRET_KEY",
    }
    allowed_params: ClassVar[frozenset[str]] = COMMON_FIELDS | T2V_ONLY_FIELDS | I2V_ONLY_FIELDS
    note: ClassVar[str] = "Per-request JWT; external_task_id lets an ambiguous create be looked up."

    def __init__(
        self,
        context: AdapterContext,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(context, client)
        self._clock = clock  # injectable so tests can mint expired / not-yet-valid tokens

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """The seven model_name values of §3.3 with capabilities and list prices."""
        return {model: _model_info(model) for model in RATES_USD_PER_S}

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields, bad enum values and fields the model does not support."""
        problems = super().validate_params(provider_model, params)
        enums: dict[str, tuple[Any, ...]] = {
            "mode": ("std", "pro"),
            "sound": ("on", "off"),
            "aspect_ratio": RATIOS,
            "duration": tuple(str(d) for d in _durations(provider_model)),
            "shot_type": ("customize", "intelligence"),
        }
        for key, allowed in enums.items():
            if key in params and params[key] not in allowed:
                problems.append(
                    f"{key} must be one of {list(allowed)} for {provider_model}, "
                    f"got {params[key]!r}"
                )
        unsupported = {
            "sound": SOUND_MODELS,
            "cfg_scale": CFG_SCALE_MODELS,
            "multi_shot": MULTI_SHOT_MODELS,
            "shot_type": MULTI_SHOT_MODELS,
            "multi_prompt": MULTI_SHOT_MODELS,
        }
        for key, models in unsupported.items():
            if key in params and provider_model not in models:
                problems.append(
                    f"{key} is not supported by {provider_model} (only {sorted(models)})"
                )
        return problems

    # --- pricing ---------------------------------------------------------------------

    def _rate_usd_per_s(self, request: GenerationRequest) -> float:
        override = self.context.price_override.get("usd_per_second")
        if override is not None:
            return float(override)
        body = build_text2video_body(request)
        rates = RATES_USD_PER_S.get(request.provider_model, RATES_USD_PER_S["kling-v1"])
        key = (str(body.get("mode", "std")), body.get("sound") == "on")
        if key in rates:
            return rates[key]
        # Not a documented combination (e.g. sound forced off): fall back to the silent rate.
        return rates.get((key[0], False), max(rates.values()))

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """List price: USD per second for the mode and sound sent × requested seconds."""
        usd = round(self._rate_usd_per_s(request) * request.duration_s, 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """Billed cost: final_unit_deduction × USD per unit, else rate × delivered seconds."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        units = _float_or_none(state.extra.get("final_unit_deduction"))
        if units is not None and "usd_per_second" not in self.context.price_override:
            usd_per_unit = float(self.context.price_override.get("usd_per_unit", USD_PER_UNIT))
            usd = units * usd_per_unit
        else:
            seconds = state.provider_duration_s or float(request.duration_s)
            usd = self._rate_usd_per_s(request) * seconds
        usd = round(usd, 6)
        return Cost(native=usd, currency="USD", usd=usd)

    # --- HTTP ------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        access = self.context.secrets["access_key"].reveal()
        secret = self.context.secrets["secret_key"].reveal()
        return {"Authorization": f"Bearer {make_token(access, secret, self._clock())}"}

    def _url(self, path: str) -> str:
        return self.context.base_url.rstrip("/") + path

    def _scrubbed(self, exc: errors.ProviderError) -> errors.ProviderError:
        # Defence in depth: a proxy could echo our header back; never let it reach a record.
        secrets = [s.reveal() for s in self.context.secrets.values()]
        exc.args = tuple(scrub(str(arg), secrets) for arg in exc.args)
        exc.body = scrub(exc.body, secrets)
        return exc

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        request = self.client.build_request(
            method, self._url(path), json=body, headers=self._headers()
        )
        try:
            response = await http.send(self.client, request, provider=PROVIDER, parser=parse_error)
        except errors.ProviderError as exc:
            raise self._scrubbed(refine_error(exc)) from None
        payload = http.json_or_none(response)
        if not isinstance(payload, dict):
            raise errors.TransientError(
                "response is not a JSON object",
                provider=PROVIDER,
                status_code=response.status_code,
                body=errors.truncate(response.text),
            )
        if payload.get("code", 0) not in (0, "0"):
            # Tolerate an API-level error wrapped in HTTP 200.
            base = errors.ProviderError(
                str(payload.get("message") or "error"),
                provider=PROVIDER,
                status_code=response.status_code,
                code=str(payload["code"]),
                body=errors.truncate(response.text),
            )
            raise self._scrubbed(refine_error(base, response.text))
        return payload

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """POST text2video or image2video (by inputs); the task id is "family:kling_id"."""
        family = family_for(request)
        body = (
            build_image2video_body(request) if family == "i2v" else build_text2video_body(request)
        )
        payload = await self._call("POST", FAMILY_PATHS[family], body)
        task_id = str((payload.get("data") or {}).get("task_id") or "")
        if not task_id:
            raise errors.TransientError(
                "create answered without a task_id",
                provider=PROVIDER,
                request_id=payload.get("request_id"),
            )
        return SubmitResult(task_id=f"{family}:{task_id}", request_id=payload.get("request_id"))

    async def poll(self, task_id: str) -> TaskState:
        """GET the task from the family path encoded in `task_id`."""
        family, raw = split_task_id(task_id)
        payload = await self._call("GET", f"{FAMILY_PATHS[family]}/{raw}")
        return parse_task(payload.get("data") or {})

    async def find_task(self, request: GenerationRequest) -> str | None:
        """The task created for this request, looked up by external_task_id; None if none."""
        family = family_for(request)
        try:
            payload = await self._call("GET", f"{FAMILY_PATHS[family]}/{request.external_id}")
        except errors.NotFound as exc:
            if exc.code in (None, "1203"):
                return None
            raise
        task_id = (payload.get("data") or {}).get("task_id")
        return f"{family}:{task_id}" if task_id else None

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The result URL; Kling's video URLs need no auth."""
        if not state.video_url:
            raise errors.ProviderError(f"task {task_id} has no video url", provider=PROVIDER)
        return DownloadSpec(url=state.video_url)


def _durations(model: str) -> tuple[int, ...]:
    return tuple(range(3, 16)) if model == "kling-v3" else (5, 10)


def _model_info(model: str) -> ModelInfo:
    rates = RATES_USD_PER_S[model]
    single_1080p = model in ("kling-v2-master", "kling-v2-1-master")
    if single_1080p:
        resolutions: tuple[str, ...] = ("1080p",)
    elif model == "kling-v1":
        resolutions = ("720p",)  # kling-v1 pro is still 720p (§3.7)
    else:
        resolutions = ("720p", "1080p")
    capabilities = Capabilities(
        durations_s=_durations(model),
        ratios=RATIOS,
        resolutions=resolutions,
        inputs=frozenset({InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME}),
        audio=model in SOUND_MODELS,
        multi_shot=model in MULTI_SHOT_MODELS,
        default_resolution=resolutions[0],
        fps=24,
    )
    if single_1080p:
        note = f"USD {rates[('pro', False)]}/s (1080p only)"
    else:
        note = f"USD {rates[('std', False)]}/s std 720p, {rates[('pro', False)]}/s pro"
        if model == "kling-v1":
            note += " (720p)"
        audio_rates = [f"{mode} {rate}/s" for (mode, sound), rate in rates.items() if sound]
        if audio_rates:
            note += "; with audio " + ", ".join(audio_rates)
    note += f"; ≈ USD {USD_PER_UNIT} per unit"
    return ModelInfo(model, capabilities, note, PRICE_SOURCE, label=model)


ADAPTER = KlingAdapter
