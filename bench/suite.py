"""Prompt suites: the pydantic model users write, loading, and checks across prompts."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bench.errors import Problem, ValidationFailed
from bench.yamlfile import line_for, load_yaml, parse_model

DEFAULT_CATEGORIES = (
    "character_consistency",
    "multi_shot",
    "reference_image",
    "motion",
    "camera",
    "ecommerce",
    "dialogue_audio",
    "text_in_frame",
    "style",
    "scene",
)
RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive")


class Settings(BaseModel):
    """The shared generation vocabulary each adapter maps to its provider's fields."""

    model_config = ConfigDict(extra="forbid")

    duration: int | None = Field(None, ge=1, le=60, description="Clip length in seconds.")
    ratio: Literal["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"] | None = Field(
        None, description="Aspect ratio."
    )
    resolution: Literal["480p", "720p", "1080p", "4k"] | None = Field(
        None, description="Output resolution class."
    )
    audio: bool | None = Field(None, description="Ask for a generated audio track.")
    seed: int | None = Field(None, description="Seed, where the model accepts one.")


class Inputs(BaseModel):
    """Conditioning inputs sent to the provider where the adapter supports them."""

    model_config = ConfigDict(extra="forbid")

    first_frame: str | None = Field(None, description="Image the video starts from.")
    last_frame: str | None = Field(None, description="Image the video ends on.")
    reference_images: list[str] = Field(default_factory=list, description="1–9 reference images.")
    reference_videos: list[str] = Field(default_factory=list, description="Reference video clips.")
    reference_audios: list[str] = Field(default_factory=list, description="Reference audio clips.")

    def paths(self) -> list[tuple[str, str]]:
        """(field, path) for every file named."""
        out: list[tuple[str, str]] = []
        if self.first_frame:
            out.append(("first_frame", self.first_frame))
        if self.last_frame:
            out.append(("last_frame", self.last_frame))
        for name in ("reference_images", "reference_videos", "reference_audios"):
            out.extend((f"{name}[{i}]", p) for i, p in enumerate(getattr(self, name)))
        return out


class Prompt(BaseModel):
    """One prompt of a suite."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64,
                    description="Stable id; reports and comparisons key on it.")
    category: str = Field(..., description="One of the suite's categories.")
    lang: str = Field("en", description="Language code of `text` (en, zh, …).")
    text: str = Field(..., min_length=1, description="The prompt sent to the model.")
    scoring_text: str | None = Field(None, description="English text for CLIP when `text` is not English.")
    tags: list[str] = Field(default_factory=list, description="Free tags for filtering.")
    shots: int | None = Field(None, ge=1, le=12, description="Expected shot count.")
    character_ref: str | None = Field(None, description="Identity reference image for scoring.")
    inputs: Inputs = Field(default_factory=Inputs, description="Files sent to the provider.")
    params: Settings = Field(default_factory=Settings, description="Settings for this prompt.")
    strict: bool = Field(False, description="Record `unsupported` instead of snapping settings.")

    @property
    def clip_text(self) -> str:
        """The text CLIP scores against."""
        return self.scoring_text or self.text


class Suite(BaseModel):
    """A prompt suite file."""

    model_config = ConfigDict(extra="forbid")

    suite: str = Field(..., description="Suite name.")
    version: int | str = Field(1, description="Bump when prompts change.")
    description: str | None = Field(None, description="What the suite is for.")
    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES),
                                  description="Allowed categories.")
    defaults: Settings = Field(default_factory=Settings, description="Settings for every prompt.")
    prompts: list[Prompt] = Field(..., min_length=1, description="The prompts.")

    @field_validator("categories")
    @classmethod
    def _unique_categories(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("categories must be unique")
        return value


class LoadedSuite:
    """A validated suite with its file, base directory and content hash."""

    def __init__(self, suite: Suite, path: Path, sha256: str):
        self.suite = suite
        self.path = path
        self.base_dir = path.parent
        self.sha256 = sha256

    @property
    def prompts(self) -> list[Prompt]:
        return self.suite.prompts

    def resolve(self, relative: str) -> Path:
        """An asset path from the suite, resolved against the suite's folder."""
        return (self.base_dir / relative).resolve()

    def settings_for(self, prompt: Prompt) -> dict[str, object]:
        """Suite defaults overlaid by the prompt's params (shared vocabulary only)."""
        merged = self.suite.defaults.model_dump(exclude_none=True)
        merged.update(prompt.params.model_dump(exclude_none=True))
        return merged


def check_suite(suite: Suite, path: Path, lines: dict) -> list[Problem]:
    """Checks across prompts: duplicate ids, undeclared categories, missing files."""
    problems: list[Problem] = []
    file = str(path)
    seen: dict[str, int] = {}
    allowed = set(suite.categories)
    for index, prompt in enumerate(suite.prompts):
        loc = ("prompts", index)
        if prompt.id in seen:
            problems.append(Problem(file, f"prompts[{index}].id",
                                    f"duplicate id {prompt.id!r} (first at prompts[{seen[prompt.id]}])",
                                    line_for(lines, loc + ("id",))))
        seen.setdefault(prompt.id, index)
        if prompt.category not in allowed:
            problems.append(Problem(file, f"prompts[{index}].category",
                                    f"unknown category {prompt.category!r}; declared: {', '.join(suite.categories)}",
                                    line_for(lines, loc + ("category",))))
        if prompt.lang != "en" and not prompt.scoring_text:
            problems.append(Problem(file, f"prompts[{index}].scoring_text",
                                    f"lang is {prompt.lang!r}: add an English scoring_text for CLIP",
                                    line_for(lines, loc + ("lang",))))
        files = [("character_ref", prompt.character_ref)] if prompt.character_ref else []
        files += [(f"inputs.{f}", p) for f, p in prompt.inputs.paths()]
        for field_name, rel in files:
            if not (path.parent / rel).is_file():
                problems.append(Problem(file, f"prompts[{index}].{field_name}",
                                        f"file not found: {rel} (paths are relative to the suite file)",
                                        line_for(lines, loc)))
    return problems


def load_suite(path: Path | str) -> LoadedSuite:
    """Load and validate a suite, raising ValidationFailed listing every problem."""
    path = Path(path)
    data, lines = load_yaml(path)
    suite = parse_model(Suite, data, str(path), lines)
    problems = check_suite(suite, path, lines)
    if problems:
        raise ValidationFailed(problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return LoadedSuite(suite, path.resolve(), digest)
