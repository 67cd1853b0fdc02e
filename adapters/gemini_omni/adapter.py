"""Gemini Omni Flash video through the Gemini API's Interactions API, keyed by a Gemini key.

Background interactions: create, then read the interaction until it is terminal. The cost
is the output video tokens (`usage.output_tokens_by_modality`) × the per-token price;
the estimate uses the tokens per second of the resolution. No lookup by a client id.
Bodies and parsing are pure functions in `adapters/gemini_omni/wire.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from vidbench.adapters.gemini_omni.wire import (
    API_VERSION,
    CONFIG_FIELDS,
    FORMAT_FIELDS,
    KEY_HEADER,
    LIFECYCLES,
    LONGEST_S,
    PRICE_SOURCE,
    PROVIDER,
    RATIOS,
    RESOLUTIONS,
    TOKENS_PER_S,
    USD_PER_MILLION_VIDEO_TOKENS,
    build_body,
    parse_error,
    parse_interaction,
    refine_error,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo
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
    "gemini-omni-1.2-flash": "Gemini Omni 1.2 Flash",
    "gemini-omni-1.1-flash": "Gemini Omni 1.1 Flash",
    "gemini-omni-flash-preview": "Gemini Omni Flash (preview)",
}


def capabilities_for(provider_model: str) -> Capabilities:
    """3 s up to the model's longest; first frame or reference images; audio."""
    return Capabilities(
        durations_s=tuple(range(3, LONGEST_S.get(provider_model, 10) + 1)), ratios=RATIOS,
        resolutions=RESOLUTIONS, inputs=frozenset({InputKind.FIRST_FRAME, InputKind.REFERENCE_IMAGES}),
        max_reference_images=3, audio=True, seed=True, default_resolution="720p",
    )  # fmt: skip


class GeminiOmniAdapter(Adapter):
    """Gemini Omni Flash (video) through `POST /v1/interactions` in the background."""

    name: ClassVar[str] = PROVIDER
    default_base_url: ClassVar[str] = "https://generativelanguage.googleapis.com"
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "GEMINI_API_KEY"}
    allowed_params: ClassVar[frozenset[str]] = FORMAT_FIELDS | CONFIG_FIELDS
    note: ClassVar[str] = "Billed per output video token; the key travels only in x-goog-api-key."

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Omni 1.2 and 1.1 Flash, and the preview id."""
        note = f"USD {USD_PER_MILLION_VIDEO_TOKENS:.2f} / M video tokens (≈0.10/s at 720p)"
        return {
            model_id: ModelInfo(
                model_id,
                capabilities_for(model_id),
                note,
                PRICE_SOURCE,
                LABELS[model_id],
                lifecycle,
            )
            for model_id, lifecycle in LIFECYCLES.items()
        }

    def _usd(self, tokens: float) -> float:
        override = self.context.price_override.get("usd_per_million_tokens")
        rate = float(override) if override is not None else USD_PER_MILLION_VIDEO_TOKENS
        return round(tokens / 1e6 * rate, 6)

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """Tokens per second of the resolution × seconds × the per-token price."""
        resolution = str(request.params.get("resolution") or request.resolution or "720p")
        seconds = float(request.params.get("duration") or request.duration_s)
        tokens = int(TOKENS_PER_S.get(resolution, TOKENS_PER_S["720p"]) * seconds)
        usd = self._usd(tokens)
        return Cost(native=usd, currency="USD", usd=usd, tokens=tokens)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The billed output video tokens; nothing unless a video came back."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0, tokens=0)
        if state.tokens is None:
            return self.estimate_cost(request)
        usd = self._usd(state.tokens)
        return Cost(native=usd, currency="USD", usd=usd, tokens=state.tokens)

    def _key(self) -> str:
        return self.context.secrets["api_key"].reveal()

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        url = f"{self.context.base_url.rstrip('/')}/{API_VERSION}{path}"
        request = self.client.build_request(
            method, url, json=body, headers={KEY_HEADER: self._key()}
        )
        response = await http.send(
            self.client, request, provider=PROVIDER, parser=parse_error, refine=refine_error,
            max_body_bytes=http.INLINE_MEDIA_BODY_BYTES,  # an interaction may carry the video
        )  # fmt: skip
        data = http.json_or_none(response)
        if not isinstance(data, dict):
            raise errors.TransientError("answer is not a JSON object", provider=PROVIDER)
        return data

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Create a background interaction; its `id` is the task id."""
        data = await self._send("POST", "/interactions", build_body(request))
        if not data.get("id"):
            raise errors.TransientError(
                "create answered without an interaction id", provider=PROVIDER
            )
        return SubmitResult(task_id=str(data["id"]))

    async def poll(self, task_id: str) -> TaskState:
        """Read the interaction once."""
        return parse_interaction(
            await self._send("GET", f"/interactions/{http.quote_segment(task_id)}")
        )

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """Inline data as a data URL; a `uri` on the API's own origin is fetched with the key."""
        if not state.video_url:
            raise errors.TransientError(f"interaction {task_id} has no video", provider=PROVIDER)
        same_origin = urlsplit(state.video_url)[:2] == urlsplit(self.context.base_url)[:2]
        return DownloadSpec(
            url=state.video_url, headers={KEY_HEADER: self._key()} if same_origin else {}
        )

    async def cancel(self, task_id: str) -> None:
        """`POST /v1/interactions/{id}/cancel`."""
        await self._send("POST", f"/interactions/{http.quote_segment(task_id)}/cancel")

    async def find_task(self, request: GenerationRequest) -> str | None:
        """Interactions cannot be looked up by a client-side id."""
        raise NotImplementedError("the Interactions API has no lookup by a client-side id")
