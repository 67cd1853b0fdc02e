"""OpenAI Sora videos API (`/videos`): sora-2 and sora-2-pro, for OpenAI-compatible gateways.

OpenAI shut its own Sora API down on 2026-09-24: api.openai.com no longer serves it. This
adapter keeps the contract for OpenAI-compatible gateways that still serve `/videos`, for
the local simulator, and for historical runs. Point `base_url` at such a gateway; when an
endpoint answers that the model or the API is gone, the adapter raises `ModelGone`.

Create is `multipart/form-data` (as the official SDK sends it): `model`, `prompt`,
`seconds` (a string), `size` (a "WxH" string) and, for a first frame, `input_reference`
as a file part. Sora refuses a reference image whose pixel size differs from `size`
("Inpaint image must match the requested width and height"), so the adapter letterboxes
the image to exactly `size` with Pillow before sending it. Sizes, bodies and parsing are
pure functions in `adapters/openai_videos/wire.py`.
"""

from __future__ import annotations

from typing import Any

import httpx

from vidbench.adapters.openai_videos.wire import (
    ALLOWED_PARAMS,
    LIST_MAX_PAGES,
    NAME,
    PRICE_SOURCE,
    PRICE_USD_PER_S,
    RATIOS,
    SECONDS,
    SHUTDOWN_NOTE,
    as_float,
    auth_headers,
    build_create_request,
    build_retrieve_request,
    create_fields,
    model_family,
    parse_video,
    refine_error,
    resolution_of_size,
    sizes_for,
)
from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import Adapter, ModelInfo
from vidbench.core.seam.http import json_or_none, quote_segment
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    InputKind,
    RemoteTask,
    SubmitResult,
    TaskFacts,
    TaskState,
    TaskStatus,
)


class OpenAIVideosAdapter(Adapter):
    """Sora 2 through the OpenAI videos API shape."""

    name = NAME
    default_base_url = "https://api.openai.com/v1"
    secret_roles = {"api_key": "api_key_env"}
    default_env = {"api_key": "OPENAI_API_KEY"}
    allowed_params = ALLOWED_PARAMS
    note = SHUTDOWN_NOTE

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """sora-2 and sora-2-pro with their snapshots."""
        standard = Capabilities(
            durations_s=SECONDS,
            ratios=RATIOS,
            resolutions=("720p",),
            inputs=frozenset({InputKind.FIRST_FRAME}),
            audio=True,
            seed=False,
            default_resolution="720p",
        )
        pro = Capabilities(
            durations_s=SECONDS,
            ratios=RATIOS,
            resolutions=("720p", "1080p"),
            inputs=frozenset({InputKind.FIRST_FRAME}),
            audio=True,
            seed=False,
            default_resolution="720p",
        )
        std_note = "USD 0.10 / s (720x1280, 1280x720)"
        pro_note = "USD 0.30 / s (720p sizes), USD 0.50 / s (1080p class: 1024x1792, 1792x1024)"
        models = {
            "sora-2": ModelInfo("sora-2", standard, std_note, PRICE_SOURCE, "Sora 2"),
            "sora-2-pro": ModelInfo("sora-2-pro", pro, pro_note, PRICE_SOURCE, "Sora 2 Pro"),
        }
        for snapshot in ("sora-2-2025-10-06", "sora-2-2025-12-08"):
            models[snapshot] = ModelInfo(
                snapshot, standard, std_note, PRICE_SOURCE, f"Sora 2 ({snapshot[7:]})"
            )
        snapshot = "sora-2-pro-2025-10-06"
        models[snapshot] = ModelInfo(
            snapshot, pro, pro_note, PRICE_SOURCE, "Sora 2 Pro (2025-10-06)"
        )
        return models

    @classmethod
    def validate_params(cls, provider_model: str, params: dict[str, Any]) -> list[str]:
        """Unknown fields, and `seconds`/`size` outside what the model takes."""
        problems = super().validate_params(provider_model, params)
        if "seconds" in params and str(params["seconds"]) not in {str(s) for s in SECONDS}:
            problems.append(
                f"seconds must be one of {', '.join(map(str, SECONDS))}, got {params['seconds']!r}"
            )
        if "size" in params and str(params["size"]) not in sizes_for(provider_model):
            problems.append(
                f"size for {provider_model} must be one of "
                f"{', '.join(sizes_for(provider_model))}, got {params['size']!r}"
            )
        return problems

    def _api_key(self) -> str:
        secret = self.context.secrets.get("api_key")
        if secret is None:
            raise errors.AuthError("no API key configured", provider=NAME)
        return secret.reveal()

    def price_usd_per_s(self, size: str) -> float:
        """The per-second price for `size`: the config's `usd_per_second`, else the list price."""
        override = self.context.price_override.get("usd_per_second")
        if override is not None:
            return float(override)
        family = model_family(self.context.provider_model)
        tier = resolution_of_size(size)
        return PRICE_USD_PER_S.get((family, tier), PRICE_USD_PER_S[(family, "720p")])

    def _cost(self, seconds: float, size: str) -> Cost:
        usd = round(seconds * self.price_usd_per_s(size), 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """List price × requested seconds at the requested size."""
        fields = create_fields(request)
        return self._cost(float(fields["seconds"]), fields["size"])

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """Seconds the provider reports × price; nothing for a task that did not succeed."""
        fields = create_fields(request)
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        seconds = state.provider_duration_s or float(fields["seconds"])
        return self._cost(seconds, str(state.extra.get("size") or fields["size"]))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        return await http.send(self.client, request, provider=NAME, refine=refine_error)

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Create the video; returns its `video_...` id."""
        http_request = build_create_request(self.context.base_url, self._api_key(), request)
        response = await self._send(http_request)
        body = json_or_none(response)
        if not isinstance(body, dict) or not body.get("id"):
            raise errors.TransientError(
                "create answered without a video id",
                provider=NAME,
                status_code=response.status_code,
                body=response.text,
            )
        return SubmitResult(
            task_id=str(body["id"]), request_id=response.headers.get("x-request-id")
        )

    async def poll(self, task_id: str) -> TaskState:
        """Retrieve the Video object once."""
        response = await self._send(
            build_retrieve_request(self.context.base_url, self._api_key(), task_id)
        )
        return parse_video(json_or_none(response), response.headers)

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """`{base}/videos/{id}/content` with the bearer header (never logged by the runner)."""
        return DownloadSpec(
            url=f"{self.context.base_url}/videos/{quote_segment(task_id)}/content",
            headers=auth_headers(self._api_key()),
        )

    async def find_task(self, request: GenerationRequest) -> str | None:
        """The videos API cannot look a video up by our id."""
        raise NotImplementedError("the videos API has no lookup by a client-side id")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """`GET /videos?order=desc&limit=100` (the SDK's `videos.list`) page by page, back to `since_s`."""
        found: list[RemoteTask] = []
        after: str | None = None
        for _ in range(LIST_MAX_PAGES):
            query = {"order": "desc", "limit": "100", **({"after": after} if after else {})}
            headers = {**auth_headers(self._api_key()), "Accept": "application/json"}
            url = f"{self.context.base_url}/videos"
            body = json_or_none(await self._send(httpx.Request("GET", url, params=query, headers=headers)))  # fmt: skip
            items = [
                v for v in (body or {}).get("data") or [] if isinstance(v, dict) and v.get("id")
            ]
            for video in items:
                created = video.get("created_at")
                created_s = float(created) if isinstance(created, int | float) else 0.0
                facts = TaskFacts(str(video.get("model") or ""), as_float(video.get("seconds")),
                                  size=video.get("size"), prompt=video.get("prompt"))  # fmt: skip
                if created_s >= since_s and facts.provider_model == provider_model:
                    found.append(RemoteTask(str(video["id"]), created_s, facts, parse_video(video)))
            if (
                not items
                or not body.get("has_more")
                or all(
                    not isinstance(v.get("created_at"), int | float) or v["created_at"] < since_s
                    for v in items
                )
            ):
                break
            after = str(items[-1]["id"])
        return found

    def task_facts(self, request: GenerationRequest) -> TaskFacts:
        """Model, seconds, size and prompt exactly as the create sends them."""
        fields = create_fields(request)
        return TaskFacts(fields["model"], float(fields["seconds"]), size=fields["size"], prompt=fields["prompt"])  # fmt: skip

    async def cancel(self, task_id: str) -> None:
        """Delete the video (the API's only way to drop a task)."""
        request = httpx.Request(
            "DELETE",
            f"{self.context.base_url}/videos/{quote_segment(task_id)}",
            headers=auth_headers(self._api_key()),
        )
        await self._send(request)


ADAPTER = OpenAIVideosAdapter
