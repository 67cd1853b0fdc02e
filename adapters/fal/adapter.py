"""fal.ai queue API: a gateway whose models are a catalogue (`model: bytedance/seedance-2.0/…`).

Submit `POST https://queue.fal.run/{model_id}` with `Authorization: Key $FAL_KEY`; poll the
returned `status_url` (IN_QUEUE with `queue_position` → IN_PROGRESS → COMPLETED, HTTP 202
until done), then read the `response_url` for `video.url`
(https://fal.ai/docs/api-reference/inference-api). The URLs are used as fal returns them:
the journal keeps the response URL below `base_url` as the task id, so a resumed run polls
the same URL, and the key never goes to another origin.

Queue time is the part a user of a gateway can buy down (fal counts only IN_PROGRESS
requests against its concurrency limit; the excess waits in the queue, never refused:
https://fal.ai/docs/documentation/model-apis/concurrency-limits); the runner records
IN_QUEUE → IN_PROGRESS apart from generation, and each poll carries `queue_position`.

Cost: fal bills successful outputs only, 5xx never, and nothing for the queue
(https://fal.ai/docs/documentation/model-apis/pricing.md); Seedance is priced per token on
the output size and seconds. With a key set, planning asks fal's pricing API for the
model's USD per output second (`live_price`; the API's shape is third-party, U) and uses it
in place of the bundled per-token table; a refused or failed answer keeps the table.
Reconciliation: the queue API has no list of one's requests
and no lookup by a client id, so a create whose answer was lost cannot be found and the
job is left `ambiguous_create` for the user to decide (`find_task`, `list_recent_tasks`).
Tables and parsing are pure code in `adapters/fal/wire.py`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import httpx

from vidbench.adapters.fal.wire import (
    ALLOWED_PARAMS,
    DEFAULT_BASE_URL,
    DURATIONS_S,
    MODELS,
    NAME,
    PRICE_SOURCE,
    RATIOS,
    RESOLUTIONS,
    SIZES,
    auth_headers,
    cancel_url,
    input_json,
    parse_error,
    parse_price,
    parse_result,
    parse_status,
    pricing_url,
    refine_error,
    response_url,
    status_url,
    task_id_of,
    tokens_for,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo
from vidbench.core.seam.prices import LivePrice
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    RemoteTask,
    SubmitResult,
    TaskState,
    TaskStatus,
)

PRICE_DEADLINE_S = 10.0  # one small read before planning; a slower answer keeps the table
CAPABILITIES = Capabilities(
    durations_s=DURATIONS_S,
    ratios=RATIOS,
    resolutions=RESOLUTIONS,
    audio=True,
    seed=True,
    multi_shot=True,
    default_resolution="720p",
)


class FalAdapter(Adapter):
    """Models on fal.ai's queue, each with its own input JSON."""

    name: ClassVar[str] = NAME
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "FAL_KEY"}
    allowed_params: ClassVar[frozenset[str]] = ALLOWED_PARAMS
    note: ClassVar[str] = (
        "Gateway (queue API); billed for successful outputs only; no task list, so a lost "
        "create answer is ambiguous."
    )

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """The fal model endpoints whose input schema vidbench knows."""
        models = {}
        for model_id, model in MODELS.items():
            per_s = model.usd_per_1k_tokens * tokens_for("720p", "16:9", 1) / 1000
            note = f"USD {model.usd_per_1k_tokens} / 1k tokens (USD {per_s:.4f} / s at 720p 16:9)"
            models[model_id] = ModelInfo(
                model_id, CAPABILITIES, note, PRICE_SOURCE, model.label, same_as=model.same_as
            )
        return models

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields, and values outside the model's enums."""
        problems = super().validate_params(provider_model, params)
        allowed = {
            "duration": {"auto", *(str(s) for s in DURATIONS_S)},
            "resolution": set(RESOLUTIONS),
            "aspect_ratio": {"auto", *RATIOS},
        }
        for key, values in allowed.items():
            if key in params and str(params[key]) not in values:
                problems.append(f"{key} must be one of {', '.join(sorted(values))}, got {params[key]!r}")  # fmt: skip
        return problems

    # -- cost ------------------------------------------------------------------------------

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        return input_json(
            request.text, request.duration_s, request.ratio, request.resolution,
            request.audio, request.seed, request.params,
        )  # fmt: skip

    def _cost(self, body: dict[str, Any]) -> Cost:
        seconds = 15.0 if body["duration"] == "auto" else float(body["duration"])
        ratio = body["aspect_ratio"] if body["aspect_ratio"] in SIZES["720p"] else "16:9"
        tokens = tokens_for(body["resolution"], ratio, seconds)
        override = self.context.price_override.get("usd_per_second")
        if override is not None:
            usd = round(seconds * float(override), 6)
        else:
            model = MODELS.get(self.context.provider_model)
            if model is None:
                raise errors.UnsupportedRequest(
                    f"no bundled price for fal model {self.context.provider_model!r}; "
                    "set price: {usd_per_second: N} in the config"
                )
            usd = round(tokens / 1000 * model.usd_per_1k_tokens, 6)
        return Cost(native=usd, currency="USD", usd=usd, tokens=tokens)

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """List price of the output ("auto" duration: the longest, 15 s)."""
        return self._cost(self._body(request))

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The list price of a successful output; a failed request is not billed."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0, tokens=0)
        return self._cost(self._body(request))

    # -- HTTP ------------------------------------------------------------------------------

    async def live_price(self) -> LivePrice:
        """`GET …/v1/models/pricing?endpoint_id={model}`: USD per output second (bounded)."""
        url = pricing_url(self.context.base_url)
        model = self.context.provider_model
        request = httpx.Request("GET", url, params={"endpoint_id": model}, headers=self._headers())
        response = await http.send(
            self.client, request, provider=NAME, parser=parse_error, deadline_s=PRICE_DEADLINE_S
        )
        rate = parse_price(http.json_or_none(response), model)
        return LivePrice({"usd_per_second": rate}, url, "video_second")

    def _headers(self) -> dict[str, str]:
        secret = self.context.secrets.get("api_key")
        if secret is None:
            raise errors.AuthError("no API key configured (FAL_KEY)", provider=NAME)
        return {**auth_headers(secret.reveal()), "Accept": "application/json"}

    async def _send(self, request: httpx.Request) -> httpx.Response:
        return await http.send(
            self.client, request, provider=NAME, parser=parse_error, refine=refine_error
        )

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Put the request on the model's queue; the task id is its response URL path."""
        url = f"{self.context.base_url.rstrip('/')}/{http.quote_path(request.provider_model)}"
        response = await self._send(
            httpx.Request("POST", url, json=self._body(request), headers=self._headers())
        )
        body = http.json_or_none(response)
        task_id = task_id_of(self.context.base_url, body)
        return SubmitResult(task_id=task_id, request_id=str(body["request_id"]))

    async def poll(self, task_id: str) -> TaskState:
        """The status once; when COMPLETED, the result too (its video URL or its error)."""
        base = self.context.base_url
        response = await self._send(
            httpx.Request(
                "GET", status_url(base, task_id), params={"logs": "0"}, headers=self._headers()
            )
        )
        state = parse_status(http.json_or_none(response))
        if not state.extra.get("completed"):
            return state
        request = httpx.Request("GET", response_url(base, task_id), headers=self._headers())
        answer = await http.receive(self.client, request, provider=NAME)  # bounded, any status
        # A result is read as sent: redaction masks any text a held key shares (the demo's
        # Vertex service account names the simulator's URL, so `video.url` was cut). Only an
        # error answer, whose text goes into records, is read from the redacted copy.
        clean = answer if answer.is_success else http.redacted(answer)
        result = parse_result(clean)
        if result is None:
            raise refine_error(http.error_for_status(clean, provider=NAME, parser=parse_error))
        inference_s = state.extra.get("inference_time")
        if isinstance(inference_s, int | float):  # fal's own generation time, in its metrics
            result = replace(result, provider_generation_s=float(inference_s))
        return result

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The result's `video.url` on fal's CDN: public, so no key goes with it."""
        if not state.video_url:
            raise errors.TransientError("no video URL in the result", provider=NAME)
        return DownloadSpec(url=state.video_url)

    async def find_task(self, request: GenerationRequest) -> str | None:
        """The queue API cannot look a request up by a client-side id."""
        raise NotImplementedError("fal's queue API has no lookup by a client-side id")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """The queue API lists no requests: an ambiguous create cannot be reconciled."""
        raise NotImplementedError("fal's queue API cannot list one's requests")

    async def cancel(self, task_id: str) -> None:
        """`PUT {cancel_url}`: removes a queued request; for a running one only a signal."""
        await self._send(
            httpx.Request(
                "PUT", cancel_url(self.context.base_url, task_id), headers=self._headers()
            )
        )


ADAPTER = FalAdapter
