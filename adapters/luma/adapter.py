"""Luma's Agents API: `ray-3.2` text-to-video (`type: video`), where new integrations go.

Create `POST https://agents.lumalabs.ai/v1/generations` with `Authorization: Bearer
$LUMA_AGENTS_API_KEY` and `{model: "ray-3.2", type: "video", prompt, aspect_ratio, video:
{duration, resolution}}`; poll `GET /v1/generations/{id}` (`queued` → `processing` →
`completed` with `output[].url`, or `failed` with `failure_code`)
(https://docs.agents.lumalabs.ai/, Luma's SDK `luma-agents` 0.5.0; the Dream Machine API at
`api.lumalabs.ai/dream-machine/v1` is the legacy one). Output URLs are presigned for an hour:
the runner downloads as soon as a poll says completed.

Queue: no queue position; `queued` is the queue, `processing` the generation; the
generation carries only `created_at`, so queue time is the runner's own.

Cost: pay-as-you-go by type, resolution, HDR and duration
(https://docs.agents.lumalabs.ai/guides/pricing); no figure on Luma's own page as read. The
bundled ≈ USD 0.22/s at 720p is third-party (U); another resolution needs
`price: {usd_per_second: N}`. A failed generation is counted at nothing (not confirmed).
Reconciliation: the API lists no generations and has no lookup by a client id (`user_id`
tags usage, it finds nothing), so a lost create answer stays `ambiguous_create`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.adapters.luma.wire import (
    ALLOWED_PARAMS,
    DEFAULT_BASE_URL,
    DURATIONS_S,
    MODEL,
    NAME,
    PRICE_SOURCE,
    RATIOS,
    RESOLUTIONS,
    USD_PER_S,
    create_body,
    parse_error,
    parse_generation,
    refine_error,
    seconds_of,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo, endpoint_answers
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    RemoteTask,
    SubmitResult,
    TaskFacts,
    TaskState,
    TaskStatus,
)

CAPABILITIES = Capabilities(
    durations_s=DURATIONS_S, ratios=RATIOS, resolutions=RESOLUTIONS, audio=False, seed=False,
    multi_shot=True, default_resolution="720p",
)  # fmt: skip
PRICE_NOTE = "≈ USD 0.22/s at 720p (U: third-party); other resolutions: set price: {usd_per_second: N}"  # fmt: skip


class LumaAdapter(Adapter):
    """Ray 3.2 on Luma's Agents API."""

    name: ClassVar[str] = NAME
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "LUMA_AGENTS_API_KEY"}
    allowed_params: ClassVar[frozenset[str]] = ALLOWED_PARAMS
    note: ClassVar[str] = (
        "Agents API (ray-3.2); output URLs live an hour; no generation list, so a lost create "
        "answer is ambiguous."
    )

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """`ray-3.2`, the Agents API's public video model."""
        return {MODEL: ModelInfo(MODEL, CAPABILITIES, PRICE_NOTE, PRICE_SOURCE, "Luma Ray 3.2")}

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields, and a duration or resolution the API does not take."""
        problems = super().validate_params(provider_model, params)
        durations = {*(f"{s}s" for s in DURATIONS_S), *(str(s) for s in DURATIONS_S)}
        if "duration" in params and str(params["duration"]) not in durations:
            problems.append(f"duration must be one of 5s, 10s, got {params['duration']!r}")
        if "resolution" in params and params["resolution"] not in RESOLUTIONS:
            problems.append(f"resolution must be one of {', '.join(RESOLUTIONS)}, got {params['resolution']!r}")  # fmt: skip
        return problems

    # -- cost ------------------------------------------------------------------------------

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        return create_body(
            request.text, request.duration_s, request.ratio, request.resolution,
            request.external_id, request.params,
        )  # fmt: skip

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """The per-second price × the seconds asked for."""
        body = self._body(request)
        rate = self.context.price_override.get("usd_per_second")
        if rate is None:
            rate = USD_PER_S.get(body["video"]["resolution"])
        if rate is None:
            raise errors.UnsupportedRequest(
                f"no bundled Luma price at {body['video']['resolution']}; "
                "set price: {usd_per_second: N} in the config"
            )
        usd = round(seconds_of(body) * float(rate), 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The list price of a completed generation; a failed one counts nothing."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        return self.estimate_cost(request)

    # -- HTTP ------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        secret = self.context.secrets.get("api_key")
        if secret is None:
            raise errors.AuthError("no API key configured (LUMA_AGENTS_API_KEY)", provider=NAME)
        return {"Authorization": f"Bearer {secret.reveal()}", "Accept": "application/json"}

    async def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.context.base_url.rstrip('/')}{path}"
        request = httpx.Request(method, url, json=body, headers=self._headers())
        response = await http.send(
            self.client, request, provider=NAME, parser=parse_error, refine=refine_error
        )
        return http.json_or_none(response)

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """`POST /generations`; the answer is the generation, its `id` the task id."""
        answer = await self._send("POST", "/generations", self._body(request))
        if not isinstance(answer, dict) or not answer.get("id"):
            raise errors.TransientError("create answered without a generation id", provider=NAME)
        return SubmitResult(task_id=str(answer["id"]))

    async def poll(self, task_id: str) -> TaskState:
        """`GET /generations/{id}` once."""
        return parse_generation(await self._send("GET", f"/generations/{http.quote_segment(task_id)}"))  # fmt: skip

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The presigned output URL (an hour's life): no key goes with it."""
        if not state.video_url:
            raise errors.TransientError("no output URL", provider=NAME)
        return DownloadSpec(url=state.video_url)

    async def preflight(self) -> None:
        """`GET /files?limit=1` (the key's own uploads): a refused key stops the run."""
        await endpoint_answers(self._send("GET", "/files?limit=1"))

    async def find_task(self, request: GenerationRequest) -> str | None:
        """The Agents API has no lookup by a client-side id."""
        raise NotImplementedError("Luma's Agents API has no lookup by a client-side id")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """The Agents API lists no generations."""
        raise NotImplementedError("Luma's Agents API cannot list one's generations")

    def task_facts(self, request: GenerationRequest) -> TaskFacts:
        """Seconds, ratio and resolution as the create sends them."""
        body = self._body(request)
        return TaskFacts(request.provider_model, seconds_of(body), body["aspect_ratio"], body["video"]["resolution"], prompt=body["prompt"])  # fmt: skip


ADAPTER = LumaAdapter
