"""Runway's task API: its own `gen4.5` and models it resells (`seedance2_5`, `veo3.1`, …).

Create `POST https://api.dev.runwayml.com/v1/text_to_video` with a Bearer key and
`X-Runway-Version: 2024-11-06`; poll `GET /v1/tasks/{id}` (`PENDING`, `THROTTLED` while the
organisation's concurrency is full, `RUNNING` with `progress`, then `SUCCEEDED` with `output[]`
URLs, `FAILED`, `CANCELLED`); cancel with `DELETE /v1/tasks/{id}`
(https://docs.dev.runwayml.com/guides/using-the-api, https://docs.dev.runwayml.com/api/).
The resold catalogue ("Runway Dev": ByteDance, Kling, OpenAI, Alibaba models) makes Runway a
route to other labs' models; each model's fields come from Runway's SDK (`runwayml` 5.24.0).

Queue: Runway reports no queue position; `PENDING` and `THROTTLED` are the queue (the raw
status says which), `RUNNING` the generation. Its tasks carry only `createdAt`, so queue time
is the runner's own (first poll that sees RUNNING).

Cost: the terminal task's own `cost.credits` ("fully refunded tasks report 0") × USD 0.01 is
the billed cost; the estimate is the list price in credits per second (third-party, U), and
a model without one needs `price: {usd_per_second: N}` in the config. Reconciliation: the
API lists no tasks and has no client-side id, so a create whose answer was lost is
`ambiguous_create`; `GET /v1/organization/usage` shows credits per model per day, which can
tell that something was billed, not which task. Parsing is pure code in `wire.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.adapters.runway.wire import (
    ALLOWED_PARAMS,
    DEFAULT_BASE_URL,
    MODELS,
    NAME,
    PRICE_SOURCE,
    SDK_SOURCE,
    USD_PER_CREDIT,
    RunwayModel,
    create_body,
    headers,
    parse_error,
    parse_task,
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

RATIOS_ORDER = ("16:9", "9:16", "21:9", "4:3", "1:1", "3:4")


def capabilities_of(model: RunwayModel) -> Capabilities:
    """What the planner may send: the model's sizes, durations and fields."""
    resolutions = tuple(model.sizes)
    ratios = tuple(r for r in RATIOS_ORDER if any(r in sizes for sizes in model.sizes.values()))
    return Capabilities(
        durations_s=model.durations_s, ratios=ratios, resolutions=resolutions,
        audio=model.audio, seed=model.seed, multi_shot=True,
        default_resolution="720p" if "720p" in resolutions else resolutions[0],
        max_prompt_chars=1000,  # gen4.5's limit (UTF-16 units); the lowest in the catalogue
    )  # fmt: skip


def price_note(model: RunwayModel) -> str:
    """The list price as `vidbench models` shows it, with the facts only third parties state."""
    marks = f"; {model.third_party}" if model.third_party else ""
    if model.credits_per_s is None:
        return f"no bundled list price: set price: {{usd_per_second: N}}; billed = the task's cost.credits{marks}"  # fmt: skip
    usd = model.credits_per_s * USD_PER_CREDIT
    audio = " with audio" if model.audio else ""
    return f"{model.credits_per_s:g} credits/s{audio} = USD {usd:.2f}/s (U: third-party){marks}"


class RunwayAdapter(Adapter):
    """Runway's own and resold video models on its task API."""

    name: ClassVar[str] = NAME
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "RUNWAYML_API_SECRET"}
    allowed_params: ClassVar[frozenset[str]] = ALLOWED_PARAMS
    note: ClassVar[str] = (
        "Task API; resells other labs' models; billed = the task's cost.credits; no task list, "
        "so a lost create answer is ambiguous."
    )

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Runway's own model and the resold ones whose fields its SDK lists."""
        return {
            model_id: ModelInfo(
                model_id,
                capabilities_of(model),
                price_note(model),
                PRICE_SOURCE if model.credits_per_s is not None else SDK_SOURCE,
                model.label,
                model.lifecycle,
                same_as=model.same_as,
            )  # fmt: skip
            for model_id, model in MODELS.items()
        }

    # -- cost ------------------------------------------------------------------------------

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        return create_body(
            request.provider_model, request.text, request.duration_s, request.ratio,
            request.resolution, request.audio, request.seed, request.params,
        )  # fmt: skip

    def _list_usd_per_s(self) -> float:
        override = self.context.price_override.get("usd_per_second")
        if override is not None:
            return float(override)
        model = MODELS.get(self.context.provider_model)
        if model is None or model.credits_per_s is None:
            raise errors.UnsupportedRequest(
                f"no bundled price for Runway model {self.context.provider_model!r}; "
                "set price: {usd_per_second: N} in the config"
            )
        return model.credits_per_s * USD_PER_CREDIT

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """The list price per second × the requested seconds ("auto": the longest)."""
        usd = round(seconds_of(self._body(request), request.provider_model) * self._list_usd_per_s(), 6)  # fmt: skip
        return Cost(native=usd, currency="USD", usd=usd)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The task's own final `cost.credits` × USD 0.01; the list price where it is missing
        on a success; nothing for a task without a reported cost that did not succeed."""
        credits = state.extra.get("credits")
        if isinstance(credits, int | float):
            usd = round(float(credits) * USD_PER_CREDIT, 6)
            return Cost(native=usd, currency="USD", usd=usd)
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        return self.estimate_cost(request)

    # -- HTTP ------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        secret = self.context.secrets.get("api_key")
        if secret is None:
            raise errors.AuthError("no API key configured (RUNWAYML_API_SECRET)", provider=NAME)
        return headers(secret.reveal())

    def _url(self, path: str) -> str:
        return f"{self.context.base_url.rstrip('/')}/v1{path}"

    async def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = httpx.Request(method, self._url(path), json=body, headers=self._headers())
        response = await http.send(
            self.client, request, provider=NAME, parser=parse_error, refine=refine_error
        )
        return http.json_or_none(response)

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """`POST /v1/text_to_video`; the answer's `id` is the task id."""
        answer = await self._send("POST", "/text_to_video", self._body(request))
        if not isinstance(answer, dict) or not answer.get("id"):
            raise errors.TransientError("create answered without a task id", provider=NAME)
        return SubmitResult(task_id=str(answer["id"]))

    async def poll(self, task_id: str) -> TaskState:
        """`GET /v1/tasks/{id}` once."""
        return parse_task(await self._send("GET", f"/tasks/{http.quote_segment(task_id)}"))

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The first output URL (signed, expiring within 24-48 h): no key goes with it."""
        if not state.video_url:
            raise errors.TransientError("no output URL", provider=NAME)
        return DownloadSpec(url=state.video_url)

    async def preflight(self) -> None:
        """`GET /v1/organization` (the key's own organisation): a refused key stops the run."""
        await endpoint_answers(self._send("GET", "/organization"))

    async def find_task(self, request: GenerationRequest) -> str | None:
        """Runway has no lookup by a client-side id."""
        raise NotImplementedError("Runway's task API has no lookup by a client-side id")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """Runway lists no tasks (its usage report counts credits per model and day only)."""
        raise NotImplementedError("Runway's task API cannot list one's tasks")

    def task_facts(self, request: GenerationRequest) -> TaskFacts:
        """Model, seconds and Runway's `ratio` as the create sends them."""
        body = self._body(request)
        return TaskFacts(request.provider_model, seconds_of(body, request.provider_model), body["ratio"], prompt=body["promptText"])  # fmt: skip

    async def cancel(self, task_id: str) -> None:
        """`DELETE /v1/tasks/{id}`: cancels a running task, deletes a finished one."""
        await self._send("DELETE", f"/tasks/{http.quote_segment(task_id)}")


ADAPTER = RunwayAdapter
