"""Alibaba Wan through DashScope's asynchronous task API, with a Bearer API key.

Create is billed and DashScope has no lookup by a client id, so an ambiguous create stays
ambiguous (`find_task` raises NotImplementedError). Cost is the delivered seconds
(`usage.video_duration`) × the model's USD price per second at the resolution sent.
Bodies and parsing are pure functions in `adapters/wan/wire.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.adapters.wan.wire import (
    ASYNC_HEADER,
    CREATE_PATH,
    DURATIONS_S,
    INPUT_FIELDS,
    LIFECYCLES,
    PARAMETER_FIELDS,
    PRICE_SOURCE,
    PRICES_USD_PER_S,
    PROVIDER,
    RATIOS,
    RESOLUTIONS,
    TASKS_PATH,
    build_body,
    parse_error,
    parse_task,
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
    "wan3.0-video": "Wan 3.0",
    "wan3.0-video-prime": "Wan 3.0 Prime",
    "wan2.7-t2v": "Wan 2.7",
    "wan2.6-t2v": "Wan 2.6",
}


def capabilities_for(provider_model: str) -> Capabilities:
    """Wan 3.0: 2–30 s, 720p/1080p, first/last frame and a driving audio, native audio."""
    durations = DURATIONS_S if provider_model.startswith("wan3") else tuple(range(2, 16))
    return Capabilities(
        durations_s=durations,
        ratios=RATIOS,
        resolutions=tuple(r.lower() for r in RESOLUTIONS),
        inputs=frozenset(
            {InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME, InputKind.REFERENCE_AUDIOS}
        ),
        audio=True,
        seed=True,
        default_resolution="720p",
    )


class WanAdapter(Adapter):
    """Wan 3.0 / 2.7 on DashScope (Model Studio)."""

    name: ClassVar[str] = PROVIDER
    default_base_url: ClassVar[str] = "https://dashscope-intl.aliyuncs.com"
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "DASHSCOPE_API_KEY"}
    allowed_params: ClassVar[frozenset[str]] = PARAMETER_FIELDS | INPUT_FIELDS
    note: ClassVar[str] = (
        "Async tasks (X-DashScope-Async); task ids and video URLs last 24 h; no lookup by "
        "client id. China mainland: base_url https://dashscope.aliyuncs.com with a CN key."
    )

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Wan 3.0 (standard, prime), 2.7 and the retired 2.6, with USD prices per second."""
        models: dict[str, ModelInfo] = {}
        for model_id, lifecycle in LIFECYCLES.items():
            price = PRICES_USD_PER_S.get(model_id)
            note = f"USD {price[0]:.2f}/s 720P, {price[1]:.2f}/s 1080P" if price else "—"
            models[model_id] = ModelInfo(
                model_id, capabilities_for(model_id), note, PRICE_SOURCE,
                label=LABELS[model_id], lifecycle=lifecycle,
            )  # fmt: skip
        return models

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields, and values DashScope would refuse."""
        problems = super().validate_params(provider_model, params)
        if "resolution" in params and params["resolution"] not in RESOLUTIONS:
            problems.append(f"resolution must be one of {', '.join(RESOLUTIONS)}")
        duration = params.get("duration")
        if duration is not None and duration not in capabilities_for(provider_model).durations_s:
            problems.append(f"duration {duration!r} is outside what {provider_model} makes")
        return problems

    def _usd_per_s(self, resolution: str) -> float:
        override = self.context.price_override.get("usd_per_second")
        if override is not None:
            return float(override)
        rates = PRICES_USD_PER_S.get(self.context.provider_model, PRICES_USD_PER_S["wan3.0-video"])
        return rates[1] if resolution.upper() == "1080P" else rates[0]

    def _cost(self, request: GenerationRequest, seconds: float) -> Cost:
        resolution = str(request.params.get("resolution") or request.resolution or "720p")
        usd = round(seconds * self._usd_per_s(resolution), 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """List price × the seconds asked for."""
        return self._cost(request, float(request.params.get("duration") or request.duration_s))

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """List price × the delivered seconds; nothing unless the task succeeded."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        seconds = state.provider_duration_s or float(request.duration_s)
        return self._cost(request, seconds)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Request:
        key = self.context.secrets["api_key"].reveal()
        headers = {"Authorization": f"Bearer {key}"}
        if body is not None:
            headers[ASYNC_HEADER[0]] = ASYNC_HEADER[1]
        url = self.context.base_url.rstrip("/") + path
        return self.client.build_request(method, url, json=body, headers=headers)

    async def _send(self, request: httpx.Request) -> dict[str, Any]:
        response = await http.send(
            self.client, request, provider=PROVIDER, parser=parse_error, refine=refine_error
        )
        data = http.json_or_none(response)
        if not isinstance(data, dict):
            raise errors.TransientError(
                "answer is not a JSON object", provider=PROVIDER,
                status_code=response.status_code, body=errors.truncate(response.text),
            )  # fmt: skip
        return data

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Create the asynchronous task; returns its `task_id`."""
        data = await self._send(self._request("POST", CREATE_PATH, build_body(request)))
        output = data.get("output")
        task_id = output.get("task_id") if isinstance(output, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise errors.TransientError("create answered without a task_id", provider=PROVIDER)
        request_id = data.get("request_id")
        return SubmitResult(task_id, str(request_id) if request_id else None)

    async def poll(self, task_id: str) -> TaskState:
        """GET the task once."""
        path = f"{TASKS_PATH}/{http.quote_segment(task_id)}"
        return parse_task(await self._send(self._request("GET", path)))

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """`output.video_url` is a signed OSS URL: no key travels with it."""
        if not state.video_url:
            raise errors.TransientError(
                f"task {task_id} succeeded without a video_url", provider=PROVIDER
            )
        return DownloadSpec(url=state.video_url)

    async def find_task(self, request: GenerationRequest) -> str | None:
        """DashScope cannot look a task up by a client id."""
        raise NotImplementedError("DashScope has no lookup by client id")

    async def cancel(self, task_id: str) -> None:
        """`POST /api/v1/tasks/{id}/cancel` (only PENDING tasks can be cancelled)."""
        path = f"{TASKS_PATH}/{http.quote_segment(task_id)}/cancel"
        await self._send(self._request("POST", path))
