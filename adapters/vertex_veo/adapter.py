"""Veo 3.1 on Vertex AI: service-account OAuth, `predictLongRunning` + `fetchPredictOperation`.

The config's `params` carry `project` (required) and `location` (default us-central1; the
default host becomes `{location}-aiplatform.googleapis.com`); `storage_base_url` points
`gcsUri` downloads elsewhere (a proxy or the simulator). Videos come back inline
(`bytesBase64Encoded`, handed to the runner as a data URL) or, with `storageUri`, as a
`gcsUri` fetched from Cloud Storage with the same token. Per-second prices with and
without audio. Bodies and parsing are pure functions in `adapters/vertex_veo/wire.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.adapters.vertex_veo.auth import TokenSource
from vidbench.adapters.vertex_veo.wire import (
    BODY_PARAMS,
    DEFAULT_LOCATION,
    DURATIONS_S,
    GLOBAL_HOST,
    LIFECYCLES,
    LITE_1080P_USD_PER_S,
    PRICE_SOURCE,
    PRICES_USD_PER_S,
    PROVIDER,
    RATIOS,
    RESOLUTIONS,
    ROUTING_PARAMS,
    SCOPES,
    STORAGE_HOST,
    build_body,
    host_for,
    model_path,
    parse_error,
    parse_operation,
    refine_error,
    storage_url,
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

LABELS = {
    "veo-3.1-generate-001": "Veo 3.1 (Vertex)",
    "veo-3.1-fast-generate-001": "Veo 3.1 Fast (Vertex)",
    "veo-3.1-lite-generate-001": "Veo 3.1 Lite (Vertex)",
    "veo-3.0-generate-001": "Veo 3.0 (Vertex)",
    "veo-3.0-fast-generate-001": "Veo 3.0 Fast (Vertex)",
    "veo-3.1-generate-preview": "Veo 3.1 preview (Vertex)",
}
CAPABILITIES = Capabilities(
    durations_s=DURATIONS_S, ratios=RATIOS, resolutions=RESOLUTIONS,
    inputs=frozenset({InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME, InputKind.REFERENCE_IMAGES}),
    max_reference_images=3, audio=True, seed=True, default_resolution="720p",
)  # fmt: skip


class VertexVeoAdapter(Adapter):
    """Veo 3.1 GA models on Vertex AI."""

    name: ClassVar[str] = PROVIDER
    default_base_url: ClassVar[str] = GLOBAL_HOST
    secret_roles: ClassVar[dict[str, str]] = {"service_account": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"service_account": "GOOGLE_APPLICATION_CREDENTIALS"}
    allowed_params: ClassVar[frozenset[str]] = BODY_PARAMS | ROUTING_PARAMS
    note: ClassVar[str] = (
        "OAuth from a service-account JSON (path in GOOGLE_APPLICATION_CREDENTIALS); "
        "params: project (required), location (default us-central1)."
    )

    def __init__(self, context: AdapterContext, client: httpx.AsyncClient | None):
        super().__init__(context, client)
        secret = context.secrets.get("service_account")
        self._tokens = TokenSource(secret.reveal() if secret else "", SCOPES)

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Veo 3.1 standard, fast and lite (GA), and the retired 3.0 and preview ids."""
        models: dict[str, ModelInfo] = {}
        for model_id, lifecycle in LIFECYCLES.items():
            price = PRICES_USD_PER_S.get(model_id)
            note = f"USD {price[0]:.2f}/s with audio, {price[1]:.2f}/s without" if price else "—"
            models[model_id] = ModelInfo(
                model_id, CAPABILITIES, note, PRICE_SOURCE, LABELS[model_id], lifecycle
            )
        return models

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields, a missing project, and values Veo refuses."""
        problems = super().validate_params(provider_model, params)
        if not params.get("project"):
            problems.append("params.project (the Google Cloud project id) is required")
        checks = {"aspectRatio": RATIOS, "durationSeconds": DURATIONS_S, "resolution": RESOLUTIONS}
        for key, allowed in checks.items():
            if key in params and params[key] not in allowed:
                problems.append(f"{key} must be one of {', '.join(map(str, allowed))}")
        return problems

    def _usd_per_s(self, request: GenerationRequest) -> float:
        override = self.context.price_override.get("usd_per_second")
        if override is not None:
            return float(override)
        with_audio, without = PRICES_USD_PER_S.get(
            request.provider_model, PRICES_USD_PER_S["veo-3.1-generate-001"]
        )
        audio = bool(request.params.get("generateAudio", request.audio))
        if "lite" in request.provider_model and request.resolution == "1080p":
            return LITE_1080P_USD_PER_S
        return with_audio if audio else without

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """Seconds asked for × the per-second price (with or without audio)."""
        seconds = float(request.params.get("durationSeconds") or request.duration_s)
        usd = round(seconds * self._usd_per_s(request), 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The list price for a delivered video; nothing for a failed or filtered one."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        return self.estimate_cost(request)

    def _location(self) -> str:
        return str(self.context.params.get("location") or DEFAULT_LOCATION)

    def _host(self) -> str:
        return host_for(self.context.base_url, self._location())

    async def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        token = await self._tokens.token()
        request = self.client.build_request(
            "POST", url, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        response = await http.send(
            self.client, request, provider=PROVIDER, parser=parse_error,
            refine=lambda exc: refine_error(exc, self.context.provider_model),
            max_body_bytes=http.INLINE_MEDIA_BODY_BYTES,  # a done operation carries the video
        )  # fmt: skip
        data = http.json_or_none(response)
        if not isinstance(data, dict):
            raise errors.TransientError("answer is not a JSON object", provider=PROVIDER)
        return data

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """`predictLongRunning`; the operation's full name is the task id."""
        project = str(self.context.params.get("project") or "")
        path = model_path(project, self._location(), request.provider_model)
        data = await self._post(f"{self._host()}/v1/{path}:predictLongRunning", build_body(request))
        if not data.get("name"):
            raise errors.TransientError(
                "create answered without an operation name", provider=PROVIDER
            )
        return SubmitResult(task_id=str(data["name"]))

    async def poll(self, task_id: str) -> TaskState:
        """`fetchPredictOperation` on the model the operation belongs to."""
        model, marker, _ = task_id.partition("/operations/")
        if not marker:
            raise errors.InvalidRequest(
                f"not a Veo operation name: {task_id[:80]!r}", provider=PROVIDER
            )
        url = f"{self._host()}/v1/{http.quote_path(model)}:fetchPredictOperation"
        return parse_operation(await self._post(url, {"operationName": task_id}))

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """Inline bytes as a data URL; a `gcsUri` from Cloud Storage with a fresh token."""
        if state.video_url:
            return DownloadSpec(url=state.video_url)
        gcs_uri = state.extra.get("gcs_uri")
        token = self._tokens.cached_token()
        if not gcs_uri or token is None:
            raise errors.TransientError(
                f"operation {task_id} has no video to fetch", provider=PROVIDER
            )
        base = str(self.context.params.get("storage_base_url") or STORAGE_HOST)
        return DownloadSpec(
            url=storage_url(str(gcs_uri), base), headers={"Authorization": f"Bearer {token}"}
        )

    async def find_task(self, request: GenerationRequest) -> str | None:
        """Operations cannot be looked up by a client-side id."""
        raise NotImplementedError("Vertex AI has no lookup of operations by a client-side id")
