"""ByteDance Seedance on Volcengine Ark: content-generation tasks with a Bearer API key.

Contract: https://www.volcengine.com/docs/82379/1520757 (create) and its get, list and
delete pages. Create is billed and not idempotent, and Ark has no
lookup by a client id (`find_task` raises NotImplementedError): a create whose answer was
lost is resolved from LIST by `filter.model` (`list_recent_tasks`, `bench.reconcile`),
never blindly resent. Cost is tokens = W × H × 24 × seconds / 1024
at the model's CNY price per million tokens.
Models, pixel sizes, bodies and parsing are pure code in `adapters/ark/wire.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.adapters.ark.wire import (
    BODY_FIELDS,
    LIFECYCLES,
    MODELS,
    PRICE_SOURCES,
    PROVIDER,
    RATES_1080P,
    USD_PER_S,
    USD_PRICE_SOURCE,
    build_create_body,
    parse_error,
    parse_task,
    refine_error,
    resolved_ratio,
    tokens_for,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo
from vidbench.core.seam.http import quote_segment
from vidbench.core.seam.lifecycle import LIVE
from vidbench.core.seam.types import (
    Cost,
    DownloadSpec,
    GenerationRequest,
    RemoteTask,
    SubmitResult,
    TaskFacts,
    TaskState,
    TaskStatus,
)

TASKS_PATH = "/contents/generations/tasks"
LIST_PAGE_SIZE = 100  # LIST takes 1–500 per page
LIST_MAX_PAGES = 20  # newest first: 2,000 tasks reach far past any unresolved create
PRICE_SOURCE = "Volcengine CN list price (provider documentation as read Oct–Nov 2026)"
# httpx's query-pair type; a list is invariant, so a list[tuple[str, str]] would not fit.
QueryPairs = list[tuple[str, str | int | float | bool | None]]


# The model maker's id of each Seedance served by other providers too (a route of one model).
SAME_AS = {
    "doubao-seedance-2-0-260128": "bytedance/seedance-2.0",
    "dreamina-seedance-2-0-260128": "bytedance/seedance-2.0",
    "doubao-seedance-2-0-fast-260128": "bytedance/seedance-2.0-fast",
    "dreamina-seedance-2-0-fast-260128": "bytedance/seedance-2.0-fast",
    "doubao-seedance-2-5-260628": "bytedance/seedance-2.5",
    "dreamina-seedance-2-5-260628": "bytedance/seedance-2.5",
}


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
        """Every Seedance model id Ark documents, with capabilities and list price."""
        return {
            model_id: ModelInfo(
                model_id,
                caps,
                note,
                PRICE_SOURCES.get(model_id)
                or (USD_PRICE_SOURCE if model_id in USD_PER_S else PRICE_SOURCE),
                label=f"Seedance {series}",
                lifecycle=LIFECYCLES.get(model_id, LIVE),
                same_as=SAME_AS.get(model_id, ""),
            )
            for model_id, (series, caps, _, note) in MODELS.items()
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
        _, _, rates, _ = MODELS.get(request.provider_model, MODELS["doubao-seedance-2-0-260128"])
        if resolution == "1080p" and request.provider_model in RATES_1080P:
            rates = RATES_1080P[request.provider_model]
        return float(rates[1] if request.inputs.reference_videos else rates[0])

    def _cost(
        self, request: GenerationRequest, tokens: int, resolution: str, seconds: float = 0.0
    ) -> Cost:
        usd_rates = USD_PER_S.get(request.provider_model)
        override = self.context.price_override.get("usd_per_second")
        if usd_rates is not None or override is not None:  # BytePlus: USD per output second
            rates = usd_rates or {}
            rate = (
                float(override)
                if override is not None
                else rates.get(resolution, max(rates.values()))
            )
            usd = round(seconds * rate, 6)
            return Cost(native=usd, currency="USD", usd=usd, tokens=tokens)
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
        return self._cost(request, tokens, resolution, seconds)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """Billed cost from `usage.completion_tokens`; zero unless the task succeeded."""
        if state.status is not TaskStatus.SUCCEEDED:
            currency = "USD" if request.provider_model in USD_PER_S else "CNY"
            return Cost(native=0.0, currency=currency, usd=0.0, tokens=0)
        resolution = str(state.extra.get("resolution") or self._resolution(request))
        seconds = state.provider_duration_s or float(max(request.duration_s, 0))
        return self._cost(request, state.tokens or 0, resolution, seconds)

    # -- HTTP ------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: QueryPairs | None = None,
    ) -> httpx.Request:
        url = self.context.base_url.rstrip("/") + path
        key = self.context.secrets["api_key"].reveal()
        return self.client.build_request(
            method, url, json=body, params=params, headers={"Authorization": f"Bearer {key}"}
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        model = self.context.provider_model
        return await http.send(
            self.client,
            request,
            provider=PROVIDER,
            parser=parse_error,
            refine=lambda exc: refine_error(exc, model),
        )

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
        response = await self._send(self._request("GET", f"{TASKS_PATH}/{quote_segment(task_id)}"))
        return parse_task(self._json(response))

    async def poll_many(self, task_ids: list[str]) -> dict[str, TaskState]:
        """LIST with one repeated `filter.task_ids` per id (the list page): many statuses, one request."""
        params: QueryPairs = [("page_num", "1"), ("page_size", str(len(task_ids)))]
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
        await self._send(self._request("DELETE", f"{TASKS_PATH}/{quote_segment(task_id)}"))

    async def find_task(self, request: GenerationRequest) -> str | None:
        """Ark cannot look a task up by our id: an ambiguous create stays ambiguous."""
        raise NotImplementedError(
            "Ark has no lookup by client id; record the create, never resend it"
        )

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """LIST by `filter.model` (the id sent at create, the list page), newest first, back to `since_s`."""
        found: list[RemoteTask] = []
        for page in range(1, LIST_MAX_PAGES + 1):
            params: QueryPairs = [("page_num", str(page)), ("page_size", str(LIST_PAGE_SIZE))]
            params.append(("filter.model", provider_model))
            body = self._json(await self._send(self._request("GET", TASKS_PATH, params=params)))
            items = [i for i in body.get("items") or [] if isinstance(i, dict) and "id" in i]
            listed = [self._remote_task(item, provider_model) for item in items]
            found += [task for task in listed if task.created_at_s >= since_s]
            if len(items) < LIST_PAGE_SIZE or all(t.created_at_s < since_s for t in listed):
                break
        return found

    @staticmethod
    def _remote_task(item: dict[str, Any], provider_model: str) -> RemoteTask:
        """A LIST item as a RemoteTask (the listed `model` is name-version, not the id sent)."""
        state = parse_task(item)
        created = item.get("created_at")
        facts = TaskFacts(
            provider_model,
            state.provider_duration_s,
            item.get("ratio") if isinstance(item.get("ratio"), str) else None,
            item.get("resolution") if isinstance(item.get("resolution"), str) else None,
        )
        created_s = float(created) if isinstance(created, int | float) else 0.0
        return RemoteTask(str(item["id"]), created_s, facts, state)

    def task_facts(self, request: GenerationRequest) -> TaskFacts:
        """Duration, ratio and resolution as Ark reports them for this request's task."""
        params = request.params
        duration = params.get("duration", request.duration_s)
        if isinstance(params.get("frames"), int):
            duration = params["frames"] / 24
        ratio = params.get("ratio", request.ratio)
        default = self.capabilities(request.provider_model).default_resolution
        return TaskFacts(
            request.provider_model,
            float(duration) if isinstance(duration, int | float) and duration > 0 else None,
            None if ratio == "adaptive" else ratio,  # Ark resolves it from the lead image
            params.get("resolution", request.resolution or default),
        )


ADAPTER = ArkAdapter
