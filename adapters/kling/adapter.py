"""Kling AI video API (Kuaishou): text2video, image2video and omni-video with a per-request JWT.

Contract: Kling's API documentation (kling.ai/document-api) as read Oct–Nov 2026; omni-video
(`kling-v3-omni`) from third-party sources (`adapters/kling/omni.py`). Every request carries a
fresh HS256 token signed with the secret key. Task ids we hand the runner are prefixed with the
endpoint family ("t2v:<id>" / "i2v:<id>" / "omni:<id>") so a resumed run knows which path to
poll without state.
`external_task_id` is our external id, so an ambiguous create is looked up, not resent.
Tokens, bodies and task / error parsing are pure functions in `adapters/kling/wire.py`;
this module holds the HTTP calls, the model catalogue and the prices.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import httpx

from vidbench.adapters.kling import omni
from vidbench.adapters.kling.wire import (
    COMMON_FIELDS,
    FAMILY_PATHS,
    I2V_ONLY_FIELDS,
    MULTI_SHOT_MODELS,
    OMNI_MODELS,
    PROVIDER,
    SOUND_MODELS,
    T2V_ONLY_FIELDS,
    build_image2video_body,
    build_text2video_body,
    family_for,
    float_or_none,
    make_token,
    parse_error,
    parse_task,
    refine_error,
    split_task_id,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, AdapterContext, ModelInfo
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    InputKind,
    SubmitResult,
    TaskState,
    TaskStatus,
)

USD_PER_UNIT = 0.14  # one video unit ≈ $0.14 (PRICE_SOURCE)
PRICE_SOURCE = (
    "kling.ai/document-api/pricing/base/video (via github.com/cluely/unmodel "
    "kling/pricing.ts), read 2026-08-13"
)

# USD per output second by (mode, sound), from PRICE_SOURCE. kling-v2-6 sells sound only at 1080p.
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
CFG_SCALE_MODELS = frozenset({"kling-v1", "kling-v1-6"})  # "not supported by kling-v2.x"
RATIOS = ("16:9", "9:16", "1:1")


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
    allowed_params: ClassVar[frozenset[str]] = (
        COMMON_FIELDS | T2V_ONLY_FIELDS | I2V_ONLY_FIELDS | omni.FIELDS
    )
    finds_by_client_id: ClassVar[bool] = True  # external_task_id: creates need no queue
    note: ClassVar[str] = (
        "Per-request JWT; external_task_id lets an ambiguous create be looked up; "
        "kling-v3-omni goes to the omni-video endpoint."
    )

    def __init__(
        self,
        context: AdapterContext,
        client: httpx.AsyncClient | None,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(context, client)
        self._clock = clock  # injectable so tests can mint expired / not-yet-valid tokens

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Kling's documented model_name values and kling-v3-omni, with capabilities and prices."""
        models = {model: _model_info(model) for model in RATES_USD_PER_S}
        return models | {model: _omni_info(model) for model in sorted(OMNI_MODELS)}

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields, bad enum values and fields the model does not support."""
        problems = super().validate_params(provider_model, params)
        if provider_model in OMNI_MODELS:
            ours = {k: v for k, v in params.items() if k in cls.allowed_params}
            return problems + omni.validate_params(provider_model, ours)
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
            "image_list": OMNI_MODELS,
            "video_list": OMNI_MODELS,
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
        if request.provider_model in OMNI_MODELS:  # no body: it would read the input images
            mode = str(request.params.get("mode") or omni.mode_for(request))
            return omni.USD_PER_S.get(mode, max(omni.USD_PER_S.values()))
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
        units = float_or_none(state.extra.get("final_unit_deduction"))
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

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        request = self.client.build_request(
            method, self._url(path), json=body, headers=self._headers()
        )
        response = await http.send(
            self.client, request, provider=PROVIDER, parser=parse_error, refine=refine_error
        )
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
            raise refine_error(base, http.redact(response.text, http.request_credentials(request)))
        return payload

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """POST omni-video, text2video or image2video; the task id is "family:kling_id"."""
        family = family_for(request)
        builders = {"omni": omni.build_omni_body, "i2v": build_image2video_body}
        body = builders.get(family, build_text2video_body)(request)
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
        payload = await self._call("GET", f"{FAMILY_PATHS[family]}/{http.quote_segment(raw)}")
        return parse_task(payload.get("data") or {})

    async def find_task(self, request: GenerationRequest) -> str | None:
        """The task created for this request, looked up by external_task_id; None if none."""
        family = family_for(request)
        try:
            path = f"{FAMILY_PATHS[family]}/{http.quote_segment(request.external_id)}"
            payload = await self._call("GET", path)
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
        resolutions = ("720p",)  # kling-v1 pro is still 720p (Kling's output-spec table)
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


def _omni_info(model: str) -> ModelInfo:
    rates = omni.USD_PER_S
    note = (
        f"USD {rates['std']}/s 720p and 1080p, with or without sound; 4k {rates['4k']}/s "
        f"(third-party); ≈ USD {USD_PER_UNIT} per unit"
    )
    lifecycle = omni.LIFECYCLES[model]
    return ModelInfo(model, omni.capabilities(), note, omni.PRICE_SOURCE, model, lifecycle)


ADAPTER = KlingAdapter
