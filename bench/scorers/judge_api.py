"""The judge's wire: OpenAI-compatible chat completions with images, a yes/no answer.

Works with any endpoint that speaks `POST {base_url}/chat/completions` with `image_url`
content parts (OpenAI, Gemini's OpenAI-compatible endpoint, Volcengine Ark with a Doubao
vision model, vLLM, Ollama). Request building and answer parsing are plain functions; `ask`
sends through `vidbench.core.seam.http.send` and retries by `vidbench.core.seam.retry.decide_poll` (429, 408, 5xx,
transport errors; never 4xx).
"""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import cv2
import httpx
import numpy as np

from vidbench.core.scorers.sampler import shrink
from vidbench.core.seam import errors, http, retry

TEMPLATE_VERSION = "yesno-1"  # bump when the wording or the frame layout sent changes
SYSTEM_PROMPT = (
    "You check whether a generated video clip shows what was asked. The images are frames "
    "of one clip in time order. Answer the question about the clip with exactly one word: "
    "yes or no."
)
FRAME_SHORT_SIDE_PX = 384  # enough for a vision model to read objects and text
JPEG_QUALITY = 85
MAX_ANSWER_TOKENS = 2
TOP_LOGPROBS = 5
# What one check can cost in tokens, generously: a claim above it is an error, not a cost
# (a judge claiming 10 M tokens per answer was ~$1.50 of phantom spend per check). A frame of
# FRAME_SHORT_SIDE_PX costs 258 (Gemini) to ~1,500 (OpenAI high detail, 8 tiles) tokens;
# text is at most one token per character; the chat template adds a few hundred.
IMAGE_TOKEN_CEILING = 4096
PROMPT_OVERHEAD_TOKENS = 1000
ANSWER_TOKEN_SLACK = 16  # tokenizers that count an end marker or a space past max_tokens
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class JudgeAnswer:
    """What the judge said about one check (one of answer, refusal, malformed is set)."""

    answer: str | None  # "yes" or "no"
    p_yes: float | None  # from token log-probabilities when the endpoint returned them
    refusal: str | None = None
    malformed: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def value(self) -> float | None:
        """P(yes) where known, else 1/0 for a yes/no answer, else None (not counted)."""
        if self.p_yes is not None:
            return self.p_yes
        if self.answer is None:
            return None
        return 1.0 if self.answer == "yes" else 0.0


def encode_frame(frame: np.ndarray, short_side_px: int = FRAME_SHORT_SIDE_PX) -> str:
    """An RGB frame as a `data:image/jpeg;base64,…` URL, downscaled to `short_side_px`."""
    small = shrink(frame, short_side_px)
    ok, buffer = cv2.imencode(
        ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise ValueError("could not encode a frame as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buffer.tobytes()).decode("ascii")


def question_text(question: str, shot: int | None) -> str:
    """The user text of one check (the template the version number stands for)."""
    where = f"These frames are from shot {shot} of the clip. " if shot else ""
    return f"{where}Question: {question}\nAnswer yes or no."


def build_payload(
    model: str, question: str, images: list[str], *, shot: int | None, logprobs: bool
) -> dict[str, Any]:
    """The chat-completions body for one check over the given frame data URLs."""
    content: list[dict[str, Any]] = [{"type": "text", "text": question_text(question, shot)}]
    content += [{"type": "image_url", "image_url": {"url": url}} for url in images]
    payload: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": content},
        ],
        "max_tokens": MAX_ANSWER_TOKENS,
        "temperature": 0,
    }
    if logprobs:
        payload["logprobs"] = True
        payload["top_logprobs"] = TOP_LOGPROBS
    return payload


def _word(token: str) -> str:
    return token.strip().strip(".!,\"'").lower()


def p_yes_from_logprobs(choice: dict[str, Any]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over the first token's top log-probabilities."""
    entries = ((choice.get("logprobs") or {}).get("content")) or []
    if not entries or not isinstance(entries[0], dict):
        return None
    first = entries[0]
    candidates = first.get("top_logprobs") or [first]
    mass = {"yes": 0.0, "no": 0.0}
    for item in candidates:
        if not isinstance(item, dict):
            continue
        word, logprob = _word(str(item.get("token", ""))), item.get("logprob")
        if word in mass and isinstance(logprob, int | float) and math.isfinite(logprob):
            mass[word] += math.exp(min(0.0, float(logprob)))
    total = mass["yes"] + mass["no"]
    return None if total <= 0 else mass["yes"] / total


def parse_answer(body: Any) -> JudgeAnswer:
    """Read a chat-completions answer tolerantly: yes/no, refusal, or malformed (never raises)."""
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        return JudgeAnswer(None, None, malformed="no choices in the answer")
    usage: dict[str, Any] = body["usage"] if isinstance(body.get("usage"), dict) else {}
    tokens_in = _bounded_int(usage.get("prompt_tokens"))
    tokens_out = _bounded_int(usage.get("completion_tokens"))
    if not body["choices"] or not isinstance(body["choices"][0], dict):
        return JudgeAnswer(None, None, malformed="empty choices", input_tokens=tokens_in)
    choice = body["choices"][0]
    message: dict[str, Any] = choice["message"] if isinstance(choice.get("message"), dict) else {}
    if message.get("refusal") or choice.get("finish_reason") == "content_filter":
        reason = str(message.get("refusal") or "content filter")[:200]
        return JudgeAnswer(
            None, None, refusal=reason, input_tokens=tokens_in, output_tokens=tokens_out
        )
    text = message.get("content")
    word = _word(str(text).split()[0]) if isinstance(text, str) and text.split() else ""
    if word not in ("yes", "no"):
        malformed = f"answer {str(text)[:60]!r}"
        return JudgeAnswer(None, None, None, malformed, tokens_in, tokens_out)
    return JudgeAnswer(word, p_yes_from_logprobs(choice), None, None, tokens_in, tokens_out)


def _bounded_int(value: Any, cap: int = 10_000_000) -> int:
    """A token count from a provider, clamped to [0, cap]; anything else is 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return int(min(max(value, 0), cap))


def token_ceilings(payload: dict[str, Any]) -> tuple[int, int]:
    """(input, output) tokens the request in `payload` could at most have produced: the
    text's characters, `IMAGE_TOKEN_CEILING` per frame sent, and the max tokens asked."""
    chars, images = 0, 0
    for message in payload.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, dict) and part.get("type") == "image_url":
                images += 1
            elif isinstance(part, dict):
                chars += len(str(part.get("text") or ""))
    max_out = payload.get("max_tokens")
    out_ceiling = (max_out if isinstance(max_out, int) else MAX_ANSWER_TOKENS) + ANSWER_TOKEN_SLACK
    return PROMPT_OVERHEAD_TOKENS + chars + images * IMAGE_TOKEN_CEILING, out_ceiling


def check_usage(answer: JudgeAnswer, payload: dict[str, Any]) -> None:
    """Raise `ImplausibleUsage` for token counts the request could not have produced."""
    max_in, max_out = token_ceilings(payload)
    if answer.input_tokens > max_in or answer.output_tokens > max_out:
        raise errors.ImplausibleUsage(
            f"the judge claimed {answer.input_tokens} input / {answer.output_tokens} output "
            f"tokens; this request could produce at most {max_in} / {max_out}: not counted "
            "as a cost, the answer is not used",
            provider="judge",
        )


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    api_key: str | None,
    payload: dict[str, Any],
    *,
    sleep: Sleep = asyncio.sleep,
) -> Any:
    """POST JSON through the HTTP seam (body capped, overall deadline), retrying per
    `decide_poll`; returns the body parsed by the seam's bounded JSON reader (None: not JSON,
    or nested beyond its depth)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    attempt = 0
    while True:
        attempt += 1
        request = client.build_request("POST", url, json=payload, headers=headers)
        try:
            response = await http.send(client, request, provider="judge")
        except errors.AnswerOutOfBounds:
            raise  # too large or too slow: asking again would only pay for it again
        except errors.ProviderError as exc:
            decision = retry.decide_poll(exc, attempt)
            if not decision.retry:
                raise
            await sleep(decision.delay_s)
            continue
        return http.json_or_none(response)


async def ask(
    client: httpx.AsyncClient,
    base_url: str,
    api_key: str | None,
    payload: dict[str, Any],
    *,
    sleep: Sleep = asyncio.sleep,
) -> JudgeAnswer:
    """One check: send, retry transient faults, parse; a refusal answered as 400 is recorded.
    Token counts beyond what the request could produce raise `ImplausibleUsage`."""
    url = base_url.rstrip("/") + "/chat/completions"
    try:
        body = await post_json(client, url, api_key, payload, sleep=sleep)
    except errors.ContentRejected as exc:
        return JudgeAnswer(None, None, refusal=str(exc)[:200])
    except errors.InvalidRequest as exc:
        if "content" in str(exc).lower() and (
            "policy" in str(exc).lower() or "filter" in str(exc).lower()
        ):
            return JudgeAnswer(None, None, refusal=str(exc)[:200])
        raise
    answer = parse_answer(body)
    check_usage(answer, payload)
    return answer
