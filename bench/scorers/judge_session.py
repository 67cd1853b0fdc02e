"""One scoring stage's connection to the judge: loop, limits, per-check cache and budget.

The stage scores videos one after another; the judge's questions for one video are sent
concurrently (at most `max_concurrency` in flight, `requests_per_minute` overall) from an
event loop in a background thread that lives as long as the session, so limits hold across
videos. Answers are cached under `run/cache/judge/` by (frames sent, check, judge model,
template version): the frames are a function of the video's bytes and the sampler settings,
so this is the (video sha256, check, model, template) key with the sampling made explicit.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiolimiter import AsyncLimiter

from vidbench.core.config.checks import JudgeSettings
from vidbench.core.scorers.cache import ScoreCache, cache_key
from vidbench.core.scorers.judge_api import TEMPLATE_VERSION, JudgeAnswer, ask, build_payload
from vidbench.core.seam import errors, http

T = TypeVar("T")


@dataclass(frozen=True)
class Question:
    """One check about one video, ready to send."""

    question: str
    shot: int | None
    images: tuple[str, ...]  # data URLs
    frames_digest: str  # what identifies the images in the cache key


@dataclass(frozen=True)
class Answered:
    """An answer, its cost, and whether it came from the cache."""

    answer: JudgeAnswer
    cost_usd: float
    cached: bool
    error: str | None = None  # the request failed (recorded, not raised)


class BudgetLeft:
    """Money the judge may still spend in this run (None: no budget)."""

    def __init__(self, usd: float | None):
        self.usd = usd
        self.lock = threading.Lock()

    def take(self, cost_usd: float) -> None:
        """Count money spent."""
        with self.lock:
            if self.usd is not None:
                self.usd -= cost_usd

    def exhausted(self) -> bool:
        """Whether no money is left."""
        with self.lock:
            return self.usd is not None and self.usd <= 0


class JudgeSession:
    """Loop thread, HTTP client, limits, cache and budget for one stage run."""

    def __init__(
        self,
        settings: JudgeSettings,
        *,
        api_key: str | None,
        base_url: str,
        cache_dir: Path,
        budget: BudgetLeft,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.settings = settings
        self.api_key = api_key
        self.base_url = base_url
        self.cache = ScoreCache(cache_dir)
        self.budget = budget
        self.spent_usd = 0.0
        self.requests = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client = self._run(self._make_client(transport))
        weakref.finalize(self, _shutdown, self._loop, self._client, self._thread)

    async def _make_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        self._semaphore = asyncio.Semaphore(self.settings.max_concurrency)
        rate = max(1.0, self.settings.requests_per_minute)
        self._limiter = AsyncLimiter(rate, 60.0)
        return http.build_client(transport)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def key(self, question: Question) -> str:
        """The cache key of one answer."""
        return cache_key(
            "judge",
            question.frames_digest,
            question.question,
            question.shot,
            self.settings.model,
            TEMPLATE_VERSION,
            self.settings.logprobs,
        )

    def answer_all(self, questions: list[Question]) -> list[Answered | None]:
        """Answers in order; None where the budget ran out before asking."""
        return self.ask_all(questions).result()

    def ask_all(self, questions: list[Question]) -> Future[list[Answered | None]]:
        """Send the questions now; the answers (as `answer_all`'s) when the future is done."""
        return asyncio.run_coroutine_threadsafe(self._answer_all(questions), self._loop)

    async def _answer_all(self, questions: list[Question]) -> list[Answered | None]:
        return list(await asyncio.gather(*(self._answer(q) for q in questions)))

    async def _answer(self, question: Question) -> Answered | None:
        hit = self.cache.get_json("judge", self.key(question))
        if hit is not None:
            return Answered(JudgeAnswer(**hit["answer"]), float(hit["cost_usd"]), cached=True)
        async with self._semaphore:
            if self.budget.exhausted():
                return None
            async with self._limiter:
                payload = build_payload(
                    self.settings.model,
                    question.question,
                    list(question.images),
                    shot=question.shot,
                    logprobs=self.settings.logprobs,
                )
                self.requests += 1
                try:
                    answer = await ask(self._client, self.base_url, self.api_key, payload)
                except errors.AuthError:
                    raise
                except errors.ProviderError as exc:
                    return Answered(JudgeAnswer(None, None), 0.0, False, error=str(exc)[:300])
        cost = self.settings.price.cost_usd(answer.input_tokens, answer.output_tokens)
        self.budget.take(cost)
        self.spent_usd += cost
        record = {"answer": asdict(answer), "cost_usd": cost}
        if answer.refusal is None and answer.malformed is None:  # a bad answer is asked again
            self.cache.put_json("judge", self.key(question), record)
        return Answered(answer, cost, cached=False)

    def close(self) -> None:
        """Close the client and stop the loop thread."""
        _shutdown(self._loop, self._client, self._thread)


def _shutdown(
    loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient, thread: threading.Thread
) -> None:
    if loop.is_closed() or not loop.is_running():
        return
    asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
