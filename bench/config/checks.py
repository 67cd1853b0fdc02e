"""Prompt checks: short yes/no questions a vision judge answers about a clip.

A prompt may carry `checks:`; the `judge` scorer asks each one. Checks are written (or
drafted with `vidbench suites checks` and reviewed) by people, never generated at scoring.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CheckKind = Literal[
    "entity", "attribute", "count", "action", "camera", "text", "shot_order", "audio"
]
CHECK_KINDS: tuple[str, ...] = (
    "entity",
    "attribute",
    "count",
    "action",
    "camera",
    "text",
    "shot_order",
    "audio",
)
MAX_CHECKS_PER_PROMPT = 12
DEFAULT_JUDGE_BASE_URL = "https://api.openai.com/v1"


class Check(BaseModel):
    """One yes/no question about a clip, answered by the judge."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        ...,
        min_length=5,
        max_length=300,
        description="A yes/no question whose answer is yes for a faithful clip.",
    )
    kind: CheckKind = Field("entity", description="What the question tests (for sub-scores).")
    shot: int | None = Field(
        None, ge=1, le=12, description="1-based shot the question is about; whole clip if absent."
    )

    def key(self) -> dict[str, object]:
        """The parts that identify this check in a cache key."""
        return {"question": self.question, "kind": self.kind, "shot": self.shot}


class JudgePrice(BaseModel):
    """What the judge's tokens cost."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    usd_per_million_input_tokens: float = Field(0.0, ge=0, le=10_000, description="Input price.")
    usd_per_million_output_tokens: float = Field(0.0, ge=0, le=10_000, description="Output price.")

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """The cost of one answer."""
        return (
            input_tokens * self.usd_per_million_input_tokens
            + output_tokens * self.usd_per_million_output_tokens
        ) / 1e6


class JudgeSettings(BaseModel):
    """The config's `judge:` block: the vision model the `judge` scorer asks."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    adapter: Literal["openai_chat"] = Field(
        "openai_chat", description="Any OpenAI-compatible chat-completions endpoint."
    )
    model: str = Field(..., min_length=1, description="The vision model id the endpoint serves.")
    base_url: str | None = Field(
        None, description="Endpoint base URL (…/v1 or Ark's …/api/v3); OpenAI's when omitted."
    )
    api_key_env: str | None = Field(None, description="Environment variable holding the key.")
    price: JudgePrice = Field(default_factory=JudgePrice, description="Token prices in USD.")
    max_concurrency: int = Field(4, ge=1, le=256, description="Questions in flight at once.")
    requests_per_minute: float = Field(60, gt=0, le=100_000, description="Request rate cap.")
    frames: int = Field(4, ge=1, le=16, description="Frames sent per question.")
    logprobs: bool = Field(
        True, description="Ask for token log-probabilities (P(yes)); off for endpoints without."
    )
    simulate: bool = Field(False, description="Answer with the built-in judge simulator.")
    error_rate: float = Field(
        0.05, ge=0, le=1, description="Simulator only: share of answers it gets wrong on purpose."
    )

    @field_validator("api_key_env")
    @classmethod
    def _key_variable(cls, value: str | None) -> str | None:
        from vidbench.core.seam.secrets import key_refusal

        reason = key_refusal(value) if value is not None else None
        if reason:
            raise ValueError(f"{reason}: use a name ending in _API_KEY, _ACCESS_KEY or _SECRET_KEY")
        return value

    @property
    def endpoint(self) -> str:
        """The base URL requests go to (before `/chat/completions`)."""
        return (self.base_url or DEFAULT_JUDGE_BASE_URL).rstrip("/")


# The words a drafting request starts with (the judge simulator answers those with checks).
DRAFT_MARKER = "Draft yes/no checks"
