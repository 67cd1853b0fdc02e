"""Replicate predictions: official models (`model: bytedance/seedance-2.0`) by their own route.

Create `POST {base}/models/{owner}/{name}/predictions` with `{input}`, a Bearer token and a
`Cancel-After` deadline (default 30m, param `cancel_after`); poll `GET {base}/predictions/{id}`
(https://replicate.com/docs/topics/predictions/create-a-prediction). Queue time comes from the
prediction's own `created_at` → `started_at` (`TaskState.provider_queue_s`) besides the
runner's polling; `metrics.predict_time` is kept as the provider's generation time.

Outputs are deleted an hour after the prediction ends
(https://replicate.com/docs/topics/predictions/data-retention): the runner downloads as soon
as a poll says `succeeded`, and an output already gone reads as `expired`.

Cost: official models are billed by output (per video-second), not GPU time; no list price
for `bytedance/seedance-2.0` is bundled, so the config names one (`price: {usd_per_second}`)
or its jobs are planned `unsupported` with that message. `failed` and `aborted` (deadline
before start) are not billed; `canceled` after starting is (lifecycle page), counted at the
list price. Reconciliation: `GET {base}/predictions` lists one's predictions newest first
(`list_recent_tasks`); there is no lookup by a client id.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from vidbench.adapters.replicate.wire import (
    ALLOWED_PARAMS,
    DEFAULT_BASE_URL,
    DURATIONS_S,
    LIST_MAX_PAGES,
    MODELS,
    NAME,
    RATIOS,
    RESOLUTIONS,
    create_headers,
    facts_of,
    input_json,
    parse_error,
    parse_prediction,
    parse_time_s,
    refine_error,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo
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
    durations_s=DURATIONS_S, ratios=RATIOS, resolutions=RESOLUTIONS, audio=True, seed=True,
    multi_shot=True, default_resolution="720p",
)  # fmt: skip
PRICE_NOTE = "billed per output second; no bundled list price: set price: {usd_per_second: N}"
PRICE_SOURCE = "replicate.com model page (price not read); billing by output per replicate.com docs"


class ReplicateAdapter(Adapter):
    """Official models on Replicate."""

    name: ClassVar[str] = NAME
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "REPLICATE_API_TOKEN"}
    allowed_params: ClassVar[frozenset[str]] = ALLOWED_PARAMS
    note: ClassVar[str] = (
        "Gateway (predictions); outputs deleted after an hour: downloaded at once."
    )

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """The official models whose input schema vidbench knows."""
        return {
            model_id: ModelInfo(
                model_id, CAPABILITIES, PRICE_NOTE, PRICE_SOURCE, label, same_as=model_id
            )
            for model_id, label in MODELS.items()
        }

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        return input_json(
            request.text, request.duration_s, request.ratio, request.resolution,
            request.audio, request.seed, request.params,
        )  # fmt: skip

    def _cost(self, seconds: float) -> Cost:
        rate = self.context.price_override.get("usd_per_second")
        if rate is None:
            raise errors.UnsupportedRequest(
                f"no bundled price for Replicate model {self.context.provider_model!r}; "
                "set price: {usd_per_second: N} in the config"
            )
        usd = round(seconds * float(rate), 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """The configured per-second price × the requested seconds."""
        return self._cost(float(self._body(request)["duration"]))

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """Billed: succeeded, or canceled after it started; failed and aborted are free."""
        started = bool(state.extra.get("started"))
        billed = state.status is TaskStatus.SUCCEEDED or (
            state.status is TaskStatus.CANCELLED and started
        )
        if not billed:
            return Cost(native=0.0, currency="USD", usd=0.0)
        return self._cost(float(self._body(request)["duration"]))

    # -- HTTP ------------------------------------------------------------------------------

    def _key(self) -> str:
        secret = self.context.secrets.get("api_key")
        if secret is None:
            raise errors.AuthError("no API token configured (REPLICATE_API_TOKEN)", provider=NAME)
        return secret.reveal()

    async def _send(self, request: httpx.Request) -> Any:
        response = await http.send(
            self.client, request, provider=NAME, parser=parse_error, refine=refine_error
        )
        return http.json_or_none(response)

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Request:
        url = f"{self.context.base_url.rstrip('/')}{path}"
        return httpx.Request("GET", url, params=params, headers={"Authorization": f"Bearer {self._key()}"})  # fmt: skip

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Create the prediction on the official model's route."""
        owner_name = http.quote_path(request.provider_model)
        url = f"{self.context.base_url.rstrip('/')}/models/{owner_name}/predictions"
        headers = create_headers(self._key(), request.params)
        body = await self._send(httpx.Request("POST", url, json={"input": self._body(request)}, headers=headers))  # fmt: skip
        if not isinstance(body, dict) or not body.get("id"):
            raise errors.TransientError("create answered without a prediction id", provider=NAME)
        return SubmitResult(task_id=str(body["id"]))

    async def poll(self, task_id: str) -> TaskState:
        """The prediction once."""
        return parse_prediction(await self._send(self._get(f"/predictions/{http.quote_segment(task_id)}")))  # fmt: skip

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The output URL; the token goes with it only to the API's own origin."""
        if not state.video_url:
            raise errors.TransientError("no output URL", provider=NAME)
        same_origin = urlsplit(state.video_url)[:2] == urlsplit(self.context.base_url)[:2]
        headers = {"Authorization": f"Bearer {self._key()}"} if same_origin else {}
        return DownloadSpec(url=state.video_url, headers=headers)

    async def find_task(self, request: GenerationRequest) -> str | None:
        """No lookup by a client id: lost creates are matched on the prediction list."""
        raise NotImplementedError("Replicate has no lookup by a client-side id")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """`GET /predictions` page by page (newest first), back to `since_s`."""
        found: list[RemoteTask] = []
        cursor: str | None = None
        for _ in range(LIST_MAX_PAGES):
            body = await self._send(self._get("/predictions", {"cursor": cursor} if cursor else None))  # fmt: skip
            items = [p for p in (body or {}).get("results") or [] if isinstance(p, dict) and p.get("id")]  # fmt: skip
            older = False
            for prediction in items:
                created_s = parse_time_s(prediction.get("created_at")) or 0.0
                older = older or created_s < since_s
                if created_s >= since_s and prediction.get("model") == provider_model:
                    state = parse_prediction(prediction)
                    found.append(RemoteTask(str(prediction["id"]), created_s, facts_of(prediction), state))  # fmt: skip
            next_url = (body or {}).get("next")
            if older or not items or not isinstance(next_url, str):
                break
            cursor = httpx.URL(next_url).params.get("cursor")
            if not cursor:
                break
        return found

    def task_facts(self, request: GenerationRequest) -> TaskFacts:
        """Model and input exactly as the create sends them."""
        body = self._body(request)
        return TaskFacts(
            request.provider_model, float(body["duration"]), body["aspect_ratio"],
            body["resolution"], prompt=body["prompt"],
        )  # fmt: skip

    async def cancel(self, task_id: str) -> None:
        """`POST /predictions/{id}/cancel`."""
        url = (
            f"{self.context.base_url.rstrip('/')}/predictions/{http.quote_segment(task_id)}/cancel"
        )
        await self._send(httpx.Request("POST", url, headers={"Authorization": f"Bearer {self._key()}"}))  # fmt: skip


ADAPTER = ReplicateAdapter
