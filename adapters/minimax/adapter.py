"""MiniMax (Hailuo) video generation: create → query → file retrieve, with a Bearer key.

No lookup by a client id, so an ambiguous create stays ambiguous. H3 is priced per
second, Hailuo 2.3 per finished video. Bodies, parsing and the error-code table are pure
functions in `adapters/minimax/wire.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.adapters.minimax.wire import (
    BODY_FIELDS,
    CREATE_PATH,
    H3_USD_PER_S,
    LIFECYCLES,
    PER_VIDEO_USD,
    PRICE_SOURCE,
    PROVIDER,
    QUERY_PATH,
    RETRIEVE_PATH,
    build_body,
    check_base_resp,
    parse_error,
    parse_query,
    resolution_word,
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
    "MiniMax-H3": "Hailuo H3",
    "MiniMax-Hailuo-2.3": "Hailuo 2.3",
    "MiniMax-Hailuo-2.3-Fast": "Hailuo 2.3 Fast",
}
PRICE_NOTES = {
    "MiniMax-H3": "USD 0.08/s 768P, 0.13/s 2K",
    "MiniMax-Hailuo-2.3": "USD 0.28 per 6 s 768P, 0.56 per 10 s, 0.49 per 6 s 1080P",
    "MiniMax-Hailuo-2.3-Fast": "USD 0.19 per 6 s 768P, 0.32 per 10 s, 0.33 per 6 s 1080P",
}


def capabilities_for(provider_model: str) -> Capabilities:
    """6 or 10 s, 16:9 (the ratio follows the first frame when one is sent)."""
    frames = frozenset({InputKind.FIRST_FRAME, InputKind.FIRST_LAST_FRAME})
    if provider_model.endswith("-Fast"):
        frames = frozenset({InputKind.FIRST_FRAME})
    return Capabilities(
        durations_s=(6, 10), ratios=("16:9",), resolutions=("720p", "1080p"), inputs=frames,
        audio=provider_model == "MiniMax-H3", default_resolution="720p",
    )  # fmt: skip


class MiniMaxAdapter(Adapter):
    """Hailuo H3 and 2.3 through the MiniMax open platform."""

    name: ClassVar[str] = PROVIDER
    default_base_url: ClassVar[str] = "https://api.minimax.io"
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "MINIMAX_API_KEY"}
    allowed_params: ClassVar[frozenset[str]] = BODY_FIELDS
    note: ClassVar[str] = (
        "Errors arrive as HTTP 200 with base_resp.status_code; China mainland: base_url "
        "https://api.minimaxi.com with a CN key. Hailuo 2.3 Fast needs a first frame."
    )

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """Hailuo H3, 2.3 and 2.3 Fast with list prices."""
        return {
            model_id: ModelInfo(
                model_id,
                capabilities_for(model_id),
                PRICE_NOTES[model_id],
                PRICE_SOURCE,
                label=LABELS[model_id],
                lifecycle=lifecycle,
            )  # fmt: skip
            for model_id, lifecycle in LIFECYCLES.items()
        }

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """H3: seconds × the per-second price; Hailuo 2.3: the per-video price."""
        override = self.context.price_override.get("usd_per_second")
        word = resolution_word(request)
        seconds = int(request.params.get("duration") or request.duration_s)
        if override is not None:
            usd = float(override) * seconds
        elif request.provider_model in PER_VIDEO_USD:
            table = PER_VIDEO_USD[request.provider_model]
            usd = table.get((word, seconds), max(table.values()))
        else:
            usd = H3_USD_PER_S.get(word, H3_USD_PER_S["768P"]) * seconds
        return Cost(native=round(usd, 6), currency="USD", usd=round(usd, 6))

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The list price of a delivered video; failed and refused tasks cost nothing."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        return self.estimate_cost(request)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Request:
        key = self.context.secrets["api_key"].reveal()
        url = self.context.base_url.rstrip("/") + path
        return self.client.build_request(
            method, url, headers={"Authorization": f"Bearer {key}"}, **kwargs
        )

    async def _call(self, request: httpx.Request) -> dict[str, Any]:
        response = await http.send(self.client, request, provider=PROVIDER, parser=parse_error)
        return check_base_resp(http.json_or_none(response))

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Create the task; returns its `task_id`."""
        body = await self._call(self._request("POST", CREATE_PATH, json=build_body(request)))
        task_id = body.get("task_id")
        if not task_id:
            raise errors.TransientError("create answered without a task_id", provider=PROVIDER)
        return SubmitResult(str(task_id))

    async def poll(self, task_id: str) -> TaskState:
        """Query the task; once it succeeded, retrieve its file's download URL too."""
        request = self._request("GET", QUERY_PATH, params={"task_id": task_id})
        response = await http.send(self.client, request, provider=PROVIDER, parser=parse_error)
        body = http.json_or_none(response)
        if isinstance(body, dict) and body.get("status") == "Fail":
            return parse_query(body)  # a failed task's reason rides in its base_resp
        state = parse_query(check_base_resp(body))
        if state.status is not TaskStatus.SUCCEEDED:
            return state
        file_id = state.extra.get("file_id")
        if not file_id:
            return TaskState(
                TaskStatus.FAILED, raw_status="Success", detail="succeeded without a file_id"
            )
        found = await self._call(self._request("GET", RETRIEVE_PATH, params={"file_id": file_id}))
        file = found.get("file")
        file = file if isinstance(file, dict) else {}
        url = file.get("download_url")
        return TaskState(TaskStatus.SUCCEEDED, video_url=str(url) if url else None,
                         raw_status="Success", extra=state.extra)  # fmt: skip

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The file's signed download URL (no key travels with it)."""
        if not state.video_url:
            raise errors.TransientError(f"task {task_id} has no download_url", provider=PROVIDER)
        return DownloadSpec(url=state.video_url)

    async def find_task(self, request: GenerationRequest) -> str | None:
        """MiniMax cannot look a task up by a client id."""
        raise NotImplementedError("MiniMax has no lookup by client id")
