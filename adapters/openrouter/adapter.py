"""OpenRouter videos: a gateway whose models are a catalogue (`model: bytedance/seedance-2.0`).

Create `POST {base}/videos` with a Bearer key; poll `GET {base}/videos/{id}` until
`completed | failed | cancelled | expired`; download `GET {base}/videos/{id}/content?index=0`
with the key (https://openrouter.ai/docs/api/api-reference/videos). The job's `polling_url`
is not followed: the documented path below `base_url` is polled, so the key never goes to
another origin.

Prices are read from the gateway's own list, `GET {base}/videos/models` (`pricing_skus`,
USD strings per video-second, a 1080p SKU apart:
https://openrouter.ai/docs/features/multimodal/video-generation), in `preflight`, before the
endpoint's first create, and by planning when the key is set (`live_price`: the plan's
estimate and budget use it, the manifest records it with its time); no list price is
bundled (third-party listings only), so without a key or a list answer planning uses the
config's `price: {usd_per_second}` and, failing that, plans the jobs `unsupported`. The billed cost is the job's own `usage.cost` where it reports one.

Queue time: OpenRouter reports no timestamps, so queue time is the runner's (the first
poll that sees `in_progress`). Reconciliation: the API lists no jobs and has no lookup by a
client id, so a create whose answer was lost is left `ambiguous_create`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from vidbench.adapters.openrouter.wire import (
    ALLOWED_PARAMS,
    BUNDLED_MODELS,
    DEFAULT_BASE_URL,
    NAME,
    PRICE_SOURCE,
    create_body,
    listed_rates,
    parse_error,
    parse_job,
    parse_models,
    price_skus,
    refine_error,
    usd_per_second,
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

PRICE_DEADLINE_S = 10.0  # one small read before planning; a slower answer is not used
PRICE_NOTE = "USD per video-second from GET /videos/models (pricing_skus); none bundled"


def _capabilities(entry: dict[str, Any]) -> Capabilities:
    resolutions = tuple(entry.get("supported_resolutions") or ("720p",))
    return Capabilities(
        durations_s=tuple(int(s) for s in entry.get("supported_durations") or (5,)),
        ratios=tuple(entry.get("supported_aspect_ratios") or ("16:9",)),
        resolutions=resolutions,
        audio=bool(entry.get("generate_audio")),
        seed=bool(entry.get("seed")),
        default_resolution="720p" if "720p" in resolutions else resolutions[0],
    )


class OpenRouterAdapter(Adapter):
    """Video models through OpenRouter's `/api/v1/videos`."""

    name: ClassVar[str] = NAME
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_roles: ClassVar[dict[str, str]] = {"api_key": "api_key_env"}
    default_env: ClassVar[dict[str, str]] = {"api_key": "OPENROUTER_API_KEY"}
    allowed_params: ClassVar[frozenset[str]] = ALLOWED_PARAMS
    note: ClassVar[str] = (
        "Gateway (videos API, alpha); prices from its model list; no job list, so a lost "
        "create answer is ambiguous."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listed_skus: dict[str, float] | None = None  # read from GET /videos/models

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        """The models whose input vidbench knows (a snapshot in the list's own shape)."""
        return {
            model_id: ModelInfo(
                model_id,
                _capabilities(entry),
                PRICE_NOTE,
                PRICE_SOURCE,
                str(entry.get("name", "")),
                same_as=model_id,  # the model maker's id
            )  # fmt: skip
            for model_id, entry in parse_models({"data": BUNDLED_MODELS}).items()
        }

    # -- cost ------------------------------------------------------------------------------

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        return create_body(
            request.provider_model, request.text, request.duration_s, request.ratio,
            request.resolution, request.audio, request.seed, request.params,
        )  # fmt: skip

    def _rate(self, resolution: str) -> float:
        price = self.context.price_override
        if resolution == "1080p" and "usd_per_second_1080p" in price:
            return float(price["usd_per_second_1080p"])
        override = price.get("usd_per_second")
        if override is not None:
            return float(override)
        rate = usd_per_second(self.listed_skus or {}, resolution)
        if rate is None:
            raise errors.UnsupportedRequest(
                f"no price for OpenRouter model {self.context.provider_model!r} (none bundled; "
                "its pricing_skus are read before the first create); set price: {usd_per_second: N}"
            )
        return rate

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        """The per-second price (config, else the gateway's list) × the requested seconds."""
        body = self._body(request)
        usd = round(float(body["duration"]) * self._rate(str(body.get("resolution", ""))), 6)
        return Cost(native=usd, currency="USD", usd=usd)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        """The job's own `usage.cost` where reported, else the list price; only a completed
        job is billed."""
        if state.status is not TaskStatus.SUCCEEDED:
            return Cost(native=0.0, currency="USD", usd=0.0)
        billed = state.extra.get("billed_usd")
        if isinstance(billed, float):
            return Cost(native=billed, currency="USD", usd=billed)
        return self.estimate_cost(request)

    # -- HTTP ------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        secret = self.context.secrets.get("api_key")
        if secret is None:
            raise errors.AuthError("no API key configured (OPENROUTER_API_KEY)", provider=NAME)
        return {"Authorization": f"Bearer {secret.reveal()}", "Accept": "application/json"}

    def _url(self, path: str) -> str:
        return f"{self.context.base_url.rstrip('/')}{path}"

    async def _send(self, request: httpx.Request) -> Any:
        response = await http.send(
            self.client, request, provider=NAME, parser=parse_error, refine=refine_error
        )
        return http.json_or_none(response)

    async def preflight(self) -> None:
        """`GET /key` (a refused key shows here), then the model list's prices."""
        await self._send(httpx.Request("GET", self._url("/key"), headers=self._headers()))
        listed = parse_models(await self._send(httpx.Request("GET", self._url("/videos/models"))))
        entry = listed.get(self.context.provider_model)
        if entry is not None:
            self.listed_skus = price_skus(entry)

    async def live_price(self) -> LivePrice:
        """The model's `pricing_skus` from `GET /videos/models`, for planning (bounded)."""
        url = self._url("/videos/models")
        request = httpx.Request("GET", url, headers=self._headers())
        response = await http.send(
            self.client, request, provider=NAME, parser=parse_error, deadline_s=PRICE_DEADLINE_S
        )
        rates = listed_rates(parse_models(http.json_or_none(response)), self.context.provider_model)
        return LivePrice(rates, url, "video_second")

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        """Submit the job; its `id` is the task id."""
        body = await self._send(
            httpx.Request(
                "POST", self._url("/videos"), json=self._body(request), headers=self._headers()
            )  # fmt: skip
        )
        if not isinstance(body, dict) or not body.get("id"):
            raise errors.TransientError("submit answered without a job id", provider=NAME)
        return SubmitResult(task_id=str(body["id"]))

    async def poll(self, task_id: str) -> TaskState:
        """The job once."""
        url = self._url(f"/videos/{http.quote_segment(task_id)}")
        return parse_job(await self._send(httpx.Request("GET", url, headers=self._headers())))

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        """The content proxy below `base_url`, with the key (same origin)."""
        url = self._url(f"/videos/{http.quote_segment(task_id)}/content?index=0")
        return DownloadSpec(url=url, headers={"Authorization": self._headers()["Authorization"]})

    async def find_task(self, request: GenerationRequest) -> str | None:
        """The videos API has no lookup by a client-side id."""
        raise NotImplementedError("OpenRouter's videos API has no lookup by a client-side id")

    async def list_recent_tasks(self, provider_model: str, since_s: float) -> list[RemoteTask]:
        """The videos API lists no jobs: an ambiguous create cannot be reconciled."""
        raise NotImplementedError("OpenRouter's videos API cannot list one's jobs")


ADAPTER = OpenRouterAdapter
