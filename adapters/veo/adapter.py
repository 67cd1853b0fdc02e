"""Google Veo 3 / 3.1 on the Gemini API (`predictLongRunning` operations).

Request building and parsing are pure functions in `adapters/veo/wire.py`.

The key travels only in the `x-goog-api-key` header, never in a URL: Google also accepts
`?key=`, but URLs end up in logs, proxies and error messages. Veo answers a create with a
long-running Operation `{name}`; the adapter polls `GET /v1beta/{name}` until `done`.
Veo has no queued/running split, so every not-done operation maps to RUNNING. 1080p is
only generated for 8 s clips: the adapter sends 720p for shorter ones, and refuses when
the model's own params ask for 1080p at another length.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from vidbench.adapters.veo.wire import (
    ALLOWED_PARAMS,
    DURATIONS_S,
    KEY_HEADER,
    MAX_REFERENCE_IMAGES,
    NAME,
    NOTE,
    PERSON_GENERATION,
    PRICE_SOURCE,
    PRICE_USD_PER_S,
    RATIOS,
    RESOLUTIONS,
    RETIREMENTS,
    build_create_request,
    build_operation_request,
    check_inputs,
    google_error_parser,
    parameters_for,
    parse_operation,
    refine_error,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo
from vidbench.core.seam.http import json_or_none
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    InputKind,
    RemoteTask,
    SubmitResult,
    TaskState,
    TaskStatus,
)


class VeoAdapter(Adapter):
    """Veo 3 / 3.1 through the Gemini API."""

    name = NAME
    default_base_url = "https://generativelanguage.googleapis.com"
    secret_roles = {"api_key": "api_key_env"}
    default_env = {"api_key": "GEMINI_API_KEY"}
    allowed_params = ALLOWED_PARAMS
    note = NOTE

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Veo 3.1 (standard, fast, lite) and Veo 3.0."""
        capabilities = Capabilities(
            durations_s=DURATIONS_S,
            ratios=RATIOS,
            resolutions=RESOLUTIONS,
            inputs=frozenset(
                {InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME, InputKind.REFERENCE_IMAGES}
            ),
            max_reference_images=MAX_REFERENCE_IMAGES,
            audio=True,
            seed=True,
            default_resolution="720p",
        )
        labels = {
            "veo-3.1-generate-preview": "Veo 3.1",
            "veo-3.1-fast-generate-preview": "Veo 3.1 Fast",
            "veo-3.1-lite-generate-preview": "Veo 3.1 Lite",
            "veo-3.0-generate-001": "Veo 3.0",
        }
        return {
            model: ModelInfo(
                model,
                capabilities,
                f"USD {PRICE_USD_PER_S[model]:.2f} / s",
                PRICE_SOURCE,
                label,
                RETIREMENTS[model],
            )
            for model, label in labels.items()
        }

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields and values Veo would refuse."""
        problems = super().validate_params(provider_model, params)
        checks = {
            "aspectRatio": RATIOS,
            "durationSeconds": DURATIONS_S,
            "resolution": RESOLUTIONS,
            "personGeneration": PERSON_GENERATION,
        }
        for key, allowed in checks.items():
            if key in params and params[key] not in allowed:
                problems.append(
                    f"{key} must be one of {', '.join(map(str, allowed))}, got {params[key]!r}"
                )
        if "seed" in params and not (
            isinstance(params["seed"], int) and 0 <= params["seed"] < 2**32
        ):
            problems.append(f"seed must be an integer in [0, 2^32), got {params['seed']!r}")
        if params.get("resolution") == "1080p" and params.get("durationSeconds", 8) != 8:
            problems.append("resolution 1080p needs durationSeconds 8")
        return problems

    def _api_key(self) -> str:
        secret = self.context.secrets.get("api_key")
        if secret is None:
            raise errors.AuthError("no API key configured", provider=NAME)
        return secret.reveal()

    def price_usd_per_s(self) -> float:
        """The config's `usd_per_second`, else the model's list price (by family for unknown ids)."""
        override = self.context.price_override.get("usd_per_second")
        if override is not None:
            return float(override)
        model = self.context.provider_model
        if model in PRICE_USD_PER_S:
            return PRICE_USD_PER_S[model]
        if "lite" in model:
            return PRICE_USD_PER_S["veo-3.1-lite-generate-preview"]
        if "fast" in model:
            return PRICE_USD_PER_S["veo-3.1-fast-generate-preview"]
        return PRICE_USD_PER_S["veo-3.1-generate-preview"]

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """List price × the seconds that will be sent; refuses requests Veo cannot serve."""
        check_inputs(request)
        usd = round(float(parameters_for(request)["durationSeconds"]) * self.price_usd_per_s(), 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The estimate for a delivered video; nothing for a failed or filtered one."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        return self.estimate_cost(request)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        return await http.send(
            self.client, request, provider=NAME, parser=google_error_parser, refine=refine_error
        )

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Start the operation; its name ("models/…/operations/…") is the task id."""
        response = await self._send(
            build_create_request(self.context.base_url, self._api_key(), request)
        )
        body = json_or_none(response)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name or any(p in (".", "..") for p in name.split("/")):
            raise errors.TransientError(
                "create answered without an operation name",
                provider=NAME,
                status_code=response.status_code,
            )
        return SubmitResult(task_id=str(body["name"]))

    async def poll(self, task_id: str) -> TaskState:
        """Fetch the operation once."""
        response = await self._send(
            build_operation_request(self.context.base_url, self._api_key(), task_id)
        )
        return parse_operation(json_or_none(response))

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The sample's uri; the key header is attached only for the API's own origin."""
        if not state.video_url:
            raise errors.TransientError("the operation reported no video uri", provider=NAME)
        same_origin = _origin(state.video_url) == _origin(self.context.base_url)
        return DownloadSpec(
            url=state.video_url, headers={KEY_HEADER: self._api_key()} if same_origin else {}
        )

    async def find_task(self, request: GenerationRequest) -> str | None:
        """Operations cannot be looked up by a client-side id."""
        raise NotImplementedError("the Gemini API has no lookup of operations by a client-side id")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """What can be known after a lost create: nothing the API will list."""
        raise NotImplementedError(
            "the Gemini API neither lists video operations nor finds them by a client id, so "
            "a lost Veo create cannot be checked; it is billed only if it produced a video "
            "(see the project's usage in Google AI Studio)"
        )


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


ADAPTER = VeoAdapter
