"""The toy provider's adapter: `POST /v1/tasks`, `GET /v1/tasks/{id}`, lookup by client id.

Small on purpose, but written as a real adapter is: every request through the one HTTP
seam, a Bearer key, the price per second, no loops or sleeps.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    SubmitResult,
    TaskState,
    TaskStatus,
)

NAME = "contract_toy"
MODEL = "toy-video-1"
USD_PER_S = 0.05
STATUSES = {
    "queued": TaskStatus.QUEUED,
    "running": TaskStatus.RUNNING,
    "succeeded": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
    "moderated": TaskStatus.REJECTED,
}


class ToyAdapter(Adapter):
    """One model, 2 or 4 s, 16:9; finds a lost create by its client id."""

    name: ClassVar[str] = NAME
    default_base_url: ClassVar[str] = "https://toy.invalid/v1"
    default_env: ClassVar[dict[str, str]] = {"api_key": "TOY_API_KEY"}
    finds_by_client_id: ClassVar[bool] = True

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """The one toy model."""
        caps = Capabilities(durations_s=(2, 4), ratios=("16:9",), resolutions=("360p",))
        return {MODEL: ModelInfo(MODEL, caps, f"USD {USD_PER_S}/s", "made up for tests")}

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """Seconds × the per-second price."""
        usd = USD_PER_S * request.duration_s
        return Cost(native=usd, currency="USD", usd=usd)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The list price of a delivered video; anything else is free."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        return self.estimate_cost(request)

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        key = self.context.secrets["api_key"].reveal()
        request = self.client.build_request(
            method, self.context.base_url.rstrip("/") + path,
            headers={"Authorization": f"Bearer {key}"}, **kwargs,
        )  # fmt: skip
        response: httpx.Response = await http.send(self.client, request, provider=NAME)
        return http.json_or_none(response)

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Create the task, carrying our external id as `client_id`."""
        body = {
            "model": request.provider_model, "prompt": request.text,
            "seconds": request.duration_s, "client_id": request.external_id,
        }  # fmt: skip
        answer = await self._send("POST", "/tasks", json=body)
        if not isinstance(answer, dict) or not answer.get("id"):
            raise errors.TransientError("create answered without an id", provider=NAME)
        return SubmitResult(str(answer["id"]))

    async def poll(self, task_id: str) -> TaskState:
        """The task's status; its video URL once it succeeded."""
        answer = await self._send("GET", f"/tasks/{http.quote_segment(task_id)}")
        if not isinstance(answer, dict) or answer.get("status") not in STATUSES:
            raise errors.TransientError("poll answered without a status", provider=NAME)
        status = STATUSES[answer["status"]]
        url = answer.get("video_url")
        return TaskState(status, video_url=str(url) if url else None, raw_status=answer["status"])

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The signed URL the task carries (no key travels with it)."""
        if not state.video_url:
            raise errors.TransientError(f"task {task_id} has no video_url", provider=NAME)
        return DownloadSpec(url=state.video_url)

    async def find_task(self, request: GenerationRequest) -> str | None:
        """The task created with our external id, if there is one."""
        answer = await self._send("GET", "/tasks", params={"client_id": request.external_id})
        found = answer.get("data") if isinstance(answer, dict) else None
        return str(found[0]["id"]) if found else None
