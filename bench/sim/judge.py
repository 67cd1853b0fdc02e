"""The judge simulator: an OpenAI-compatible chat-completions vision endpoint.

Mounted at `/judge` (base URL `…/judge/v1`): `GET /v1/models` lists the model ids it
accepts, `POST /v1/chat/completions` answers a yes/no question about the frames sent. It
recognises each frame among the clips the simulators rendered (`judge_truth`) and answers
from the scene it drew, wrong on purpose at realistic rates: it misses what was drawn at
`error_rate` and says yes to what was not drawn at `false_yes_rate` (vision-language judges
lean to yes; by default twice the miss rate).

Settings (`SimServer(settings={"judge": {...}})`): `models` (accepted ids), `error_rate`
(0..1, default 0.05), `false_yes_rate` (0..1, default 2 x error_rate), `latency_s` (seconds each
answer takes, default 0; a hosted vision model takes seconds), `rate_limit_first` (answer the first N requests 429), `malformed_words`
and the profile's `input_moderation_words` (a question containing one gets a malformed answer
or a refusal). Bearer auth with `vidbench.core.sim.SIM_API_KEY`; errors in the OpenAI envelope.
Token usage follows OpenAI's published image accounting (85 + 170 per 512-px tile).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import re
import time
from typing import Any

import cv2
import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from vidbench.core.config.checks import DRAFT_MARKER
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.common import SimContext, SimError
from vidbench.core.sim.judge_truth import TruthIndex, draft_checks, truth_answer

DEFAULT_MODELS = ("vidbench-judge-sim",)
DEFAULT_ERROR_RATE = 0.05
YES_BIAS = 2.0  # false-yes rate per miss rate when only error_rate is set
CONFIDENCE = 0.92  # P(answer) the simulator reports in its log-probabilities
MAX_IMAGES = 32


def _error(request: Request, exc: SimError) -> Response:
    body = {"error": {"message": exc.message, "type": exc.type or "invalid_request_error",
                      "param": exc.param, "code": exc.code}}  # fmt: skip
    return JSONResponse(body, exc.status, headers=exc.headers)


def image_tokens(width: int, height: int) -> int:
    """OpenAI's high-detail image accounting: fit 2048², short side 768, 85 + 170 per tile."""
    fit = min(1.0, 2048 / max(width, height))
    short = min(1.0, 768 / (min(width, height) * fit))
    width_px, height_px = width * fit * short, height * fit * short
    return 85 + 170 * math.ceil(width_px / 512) * math.ceil(height_px / 512)


def decode_image(url: str) -> np.ndarray:
    """An RGB frame from a `data:image/...;base64,` URL; SimError 400 otherwise."""
    head, _, data = url.partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise SimError(400, "invalid_image_url", "only base64 data URLs are accepted here")
    try:
        raw = np.frombuffer(base64.b64decode(data, validate=True), np.uint8)
    except ValueError:
        raise SimError(400, "invalid_image_url", "image data is not valid base64") from None
    image = cv2.imdecode(raw, cv2.IMREAD_COLOR)
    if image is None:
        raise SimError(400, "invalid_image_url", "image data could not be decoded")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_request(body: Any) -> tuple[str, str, list[str]]:
    """(model, question text, image URLs) of a chat-completions body; SimError 400 if bad."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise SimError(400, "invalid_request", "messages is required", param="messages")
    texts: list[str] = []
    images: list[str] = []
    for message in body["messages"]:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, dict) and part.get("type") == "text":
                texts.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "image_url":
                url = part.get("image_url")
                images.append(str(url.get("url", "") if isinstance(url, dict) else url))
    if len(images) > MAX_IMAGES:
        raise SimError(400, "too_many_images", f"at most {MAX_IMAGES} images per request")
    return str(body.get("model", "")), "\n".join(texts), images


def _question(text: str) -> str:
    """The question line of the judge's template, or the whole text."""
    for line in text.splitlines():
        if line.lower().startswith("question:"):
            return line.split(":", 1)[1].strip()
    return text.strip()


def _flip(seed: str, rate: float) -> bool:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") / 2**64 < rate


def _completion(model: str, answer: str, logprobs: bool, tokens: tuple[int, int]) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": answer, "refusal": None},
        "finish_reason": "stop",
        "logprobs": None,
    }
    if logprobs:
        other = "no" if answer == "yes" else "yes"
        top = [
            {"token": answer, "logprob": math.log(CONFIDENCE), "bytes": list(answer.encode())},
            {"token": other, "logprob": math.log(1 - CONFIDENCE), "bytes": list(other.encode())},
        ]
        choice["logprobs"] = {"content": [{**top[0], "top_logprobs": top}]}
    return {
        "id": "chatcmpl-sim" + hashlib.sha256(f"{time.time_ns()}".encode()).hexdigest()[:20],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {
            "prompt_tokens": tokens[0],
            "completion_tokens": tokens[1],
            "total_tokens": sum(tokens),
        },
    }


class JudgeSim:
    """State of one (profile) judge simulator."""

    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.index = TruthIndex(ctx.renderer.cache_dir)
        self.models = tuple(ctx.settings.get("models", DEFAULT_MODELS))
        self.error_rate = float(ctx.settings.get("error_rate", DEFAULT_ERROR_RATE))
        default_false_yes = min(1.0, YES_BIAS * self.error_rate)
        self.false_yes_rate = float(ctx.settings.get("false_yes_rate", default_false_yes))
        self.requests = 0
        self.latency_s = max(0.0, float(ctx.settings.get("latency_s", 0.0)))
        self.salt = f"{ctx.rng.random()}"  # errors repeat for the same clip and question

    def check_auth(self, request: Request) -> None:
        if request.headers.get("authorization", "") != f"Bearer {SIM_API_KEY}":
            raise SimError(401, "invalid_api_key", "Incorrect API key provided.",
                           type="invalid_request_error")  # fmt: skip

    def check_limits(self) -> None:
        self.requests += 1
        limited = self.requests <= int(self.ctx.settings.get("rate_limit_first", 0))
        if limited or self.ctx.fault("rate_limit_storm_rate"):
            raise SimError(429, "rate_limit_exceeded", "Rate limit reached for requests",
                           type="requests", headers={"Retry-After": "0"})  # fmt: skip

    def answer(self, question: str, frames: list[np.ndarray]) -> str:
        """yes/no from the scene of the clip the frames came from: a drawn element missed at
        the error rate, an undrawn one seen at the false-yes rate."""
        matches = [m for m in (self.index.match(f) for f in frames) if m is not None]
        if not matches:
            return "no"  # nothing recognisable: the judge cannot see what was asked
        truth = matches[0].truth
        drawn = truth_answer(question, truth)
        rate = self.error_rate if drawn else self.false_yes_rate
        wrong = _flip(f"{self.salt}:{matches[0].key}:{question}", rate)
        return "yes" if drawn != wrong else "no"

    async def completions(self, request: Request) -> Response:
        self.check_auth(request)
        try:
            body = await request.json()
        except ValueError:
            raise SimError(400, "invalid_json", "body is not valid JSON") from None
        model, text, urls = read_request(body)
        if not urls and DRAFT_MARKER in json.dumps(body.get("messages", []))[:4000]:
            return await self.draft(model, text)
        if model not in self.models:
            raise SimError(404, "model_not_found", f"The model `{model}` does not exist.",
                           param="model")  # fmt: skip
        self.check_limits()
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        frames = [decode_image(url) for url in urls]
        question = _question(text)
        lowered = question.lower()
        tokens_in = round(len(text.split()) * 1.3) + 40
        tokens_in += sum(image_tokens(f.shape[1], f.shape[0]) for f in frames)
        if any(w in lowered for w in self.ctx.profile.input_moderation_words):
            result = _completion(model, "", False, (tokens_in, 0))
            result["choices"][0]["message"].update(content=None, refusal="I can't help with that.")
            return JSONResponse(result)
        malformed = self.ctx.settings.get("malformed_words", ())
        if any(w in lowered for w in malformed) or self.ctx.fault("malformed_body_rate"):
            return JSONResponse(_completion(model, "Perhaps.", False, (tokens_in, 2)))
        answer = self.answer(question, frames)
        return JSONResponse(_completion(model, answer, bool(body.get("logprobs")), (tokens_in, 1)))

    async def draft(self, model: str, text: str) -> Response:
        """A drafting request (`vidbench suites checks`): checks from the prompt's words."""
        if model not in self.models:
            raise SimError(404, "model_not_found", f"The model `{model}` does not exist.")
        prompt = text.split("Prompt:", 1)[-1].split("\nThe prompt asks for", 1)[0].strip()
        shots = re.search(r"asks for (\d+) shots", text)
        checks = draft_checks(prompt, int(shots.group(1)) if shots else None)
        answer = json.dumps(checks, ensure_ascii=False)
        tokens = (round(len(text.split()) * 1.3) + 120, round(len(answer.split()) * 1.3))
        return JSONResponse(_completion(model, answer, False, tokens))

    async def list_models(self, request: Request) -> Response:
        self.check_auth(request)
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "vidbench-sim"}
                for m in self.models]  # fmt: skip
        return JSONResponse({"object": "list", "data": data})


def routes(ctx: SimContext) -> list[BaseRoute]:
    """The judge simulator's routes under its prefix."""
    sim = JudgeSim(ctx)
    return [
        ctx.route("/v1/models", sim.list_models, methods=["GET"], operation="models",
                  on_error=_error),
        ctx.route("/v1/chat/completions", sim.completions, methods=["POST"],
                  operation="judge", on_error=_error),
    ]  # fmt: skip
