"""Prompt suites: the pydantic model users write, loading, and checks across prompts."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vidbench.core.config.checks import MAX_CHECKS_PER_PROMPT, Check
from vidbench.core.config.yamlfile import PathKey, format_location, line_for, load_yaml, parse_model
from vidbench.core.seam.errors import Problem, ValidationFailed
from vidbench.core.seam.types import Capabilities
from vidbench.core.suites.inputs import input_problem
from vidbench.core.suites.suite_inputs import check_input_images

LineMap = dict[PathKey, int]

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

    id: str = Field(
        ...,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        max_length=64,
        description="Stable id; reports and comparisons key on it.",
    )
    category: str = Field(..., description="One of the suite's categories.")
    lang: str = Field("en", description="Language code of `text` (en, zh, …).")
    text: str = Field(..., min_length=1, description="The prompt sent to the model.")
    scoring_text: str | None = Field(
        None, description="English text for CLIP when `text` is not English."
    )
    tags: list[str] = Field(default_factory=list, description="Free tags for filtering.")
    shots: int | None = Field(None, ge=1, le=12, description="Expected shot count.")
    character_ref: str | None = Field(None, description="Identity reference image for scoring.")
    inputs: Inputs = Field(default_factory=Inputs, description="Files sent to the provider.")
    params: Settings = Field(default_factory=Settings, description="Settings for this prompt.")
    strict: bool = Field(False, description="Record `unsupported` instead of snapping settings.")
    checks: list[Check] = Field(
        default_factory=list,
        max_length=MAX_CHECKS_PER_PROMPT,
        description="Yes/no questions the `judge` scorer asks about each clip.",
    )

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
    categories: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CATEGORIES), description="Allowed categories."
    )
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

    def __init__(self, suite: Suite, path: Path, sha256: str, lines: LineMap | None = None):
        self.suite = suite
        self.path = path
        self.base_dir = path.parent
        self.sha256 = sha256
        self.lines: LineMap = lines or {}  # field path → line, for messages about this file
        self.assets_root: Path = self.base_dir  # input files must lie inside this folder

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


@dataclass(frozen=True)
class Note(Problem):
    """Information about a suite that is not an error (e.g. a duration that will be snapped)."""


def _problem(file: str, index: int, field: str, message: str, line: int | None) -> Problem:
    return Problem(file, f"prompts[{index}].{field}", message, line)


def _check_prompts(
    indexed: list[tuple[int, Prompt]],
    categories: list[str],
    path: Path,
    lines: LineMap,
    root: Path | None = None,
) -> list[Problem]:
    """Cross-prompt checks over (position, prompt) pairs, so partial suites can be checked."""
    root = root or path.parent
    problems: list[Problem] = []
    file = str(path)
    seen: dict[str, int] = {}
    allowed = set(categories)
    for index, prompt in indexed:
        loc = ("prompts", index)
        if prompt.id in seen:
            problems.append(
                _problem(
                    file,
                    index,
                    "id",
                    f"duplicate id {prompt.id!r} (first at prompts[{seen[prompt.id]}])",
                    line_for(lines, loc + ("id",)),
                )
            )
        seen.setdefault(prompt.id, index)
        if prompt.category not in allowed:
            problems.append(
                _problem(
                    file,
                    index,
                    "category",
                    f"unknown category {prompt.category!r}; declared: {', '.join(categories)}",
                    line_for(lines, loc + ("category",)),
                )
            )
        if prompt.lang != "en" and not prompt.scoring_text:
            problems.append(
                _problem(
                    file,
                    index,
                    "scoring_text",
                    f"lang is {prompt.lang!r}: add an English scoring_text for CLIP",
                    line_for(lines, loc + ("lang",)),
                )
            )
        files = [("character_ref", prompt.character_ref)] if prompt.character_ref else []
        files += [(f"inputs.{f}", p) for f, p in prompt.inputs.paths()]
        for field_name, rel in files:
            why = input_problem(root, path.parent, rel, field_name)
            if why is not None:
                line = line_for(lines, loc + tuple(field_name.split("[")[0].split(".")))
                problems.append(_problem(file, index, field_name, why, line))
        problems.extend(check_input_images(prompt.inputs, index, path, lines, root))
    return problems


def check_suite(
    suite: Suite, path: Path, lines: LineMap, root: Path | None = None
) -> list[Problem]:
    """Checks across prompts: duplicate ids, undeclared categories, missing, unconfined or
    unusable files."""
    return _check_prompts(list(enumerate(suite.prompts)), suite.categories, path, lines, root)


def _check_unparsed(
    data: Any, path: Path, lines: LineMap, root: Path | None = None
) -> list[Problem]:
    """Cross-prompt checks on the prompts that did parse, when the file as a whole did not."""
    if not isinstance(data, dict) or not isinstance(data.get("prompts"), list):
        return []
    categories = data.get("categories")
    if not (isinstance(categories, list) and all(isinstance(c, str) for c in categories)):
        categories = list(DEFAULT_CATEGORIES)
    indexed: list[tuple[int, Prompt]] = []
    for index, item in enumerate(data["prompts"]):
        try:
            indexed.append((index, Prompt.model_validate(item)))
        except ValidationError:
            continue  # already reported by the whole-file validation
    parsed = {index for index, _ in indexed}
    problems = _check_prompts(indexed, categories, path, lines, root)
    return problems + _duplicates_with_unparsed(data["prompts"], parsed, path, lines)


def _duplicates_with_unparsed(
    items: list[Any], parsed: set[int], path: Path, lines: LineMap
) -> list[Problem]:
    """Duplicate ids where a prompt that failed to parse is involved (the rest are checked above)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        prompt_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(prompt_id, str):
            continue
        first = seen.setdefault(prompt_id, index)
        if first != index and not (index in parsed and first in parsed):
            message = f"duplicate id {prompt_id!r} (first at prompts[{first}])"
            line = line_for(lines, ("prompts", index, "id"))
            problems.append(_problem(str(path), index, "id", message, line))
    return problems


def check_durations(
    loaded: LoadedSuite, capabilities_by_model: dict[str, Capabilities]
) -> list[Problem]:
    """Durations each model cannot do: a Problem for `strict` prompts, a Note for the rest."""
    from vidbench.core.seam.types import snap_duration

    out: list[Problem] = []
    file = str(loaded.path)
    for index, prompt in enumerate(loaded.prompts):
        requested_s = loaded.settings_for(prompt).get("duration")
        if not isinstance(requested_s, int):
            continue
        loc = ("prompts", index, "params", "duration")
        line = line_for(loaded.lines, loc)
        for model_id, caps in capabilities_by_model.items():
            if requested_s in caps.durations_s or not caps.durations_s:
                continue
            supported = ", ".join(str(d) for d in sorted(caps.durations_s))
            if prompt.strict:
                message = (
                    f"{prompt.id}: {model_id} cannot do {requested_s} s (supports {supported}); "
                    "strict: true, so it will be recorded unsupported"
                )
                out.append(Problem(file, format_location(loc), message, line))
            else:
                sent_s = snap_duration(requested_s, caps.durations_s)
                message = (
                    f"{prompt.id}: {model_id} cannot do {requested_s} s (supports {supported}); "
                    f"{sent_s} s will be sent"
                )
                out.append(Note(file, format_location(loc), message, line))
    return out


def load_suite(path: Path | str, assets_root: Path | None = None) -> LoadedSuite:
    """Load and validate a suite, raising ValidationFailed listing every problem.

    Input files must lie inside `assets_root` (default: the suite's folder)."""
    path = Path(path)
    data, lines = load_yaml(path)
    root = (assets_root or path.parent).resolve()
    try:
        suite = parse_model(Suite, data, str(path), lines)
    except ValidationFailed as failed:
        problems = list(failed.problems) + _check_unparsed(data, path, lines, root)
        raise ValidationFailed(sorted(problems, key=_line_order)) from None
    problems = check_suite(suite, path, lines, root)
    if problems:
        raise ValidationFailed(problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    loaded = LoadedSuite(suite, path.resolve(), digest, lines)
    loaded.assets_root = root
    return loaded


def _line_order(problem: Problem) -> int:
    return problem.line if problem.line is not None else 0


def schema_json() -> str:
    """The JSON Schema of a suite file, as checked in at prompts/suite.schema.json."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    schema.update(Suite.model_json_schema())
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python -m vidbench.core.suites.suite --schema` prints the schema; `python -m vidbench.core.suites.suite FILE…` validates."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--schema"]:
        sys.stdout.write(schema_json())
        return 0
    if not args:
        sys.stderr.write("usage: python -m vidbench.core.suites.suite --schema | SUITE.yaml...\n")
        return 2
    status = 0
    for name in args:
        try:
            loaded = load_suite(name)
        except ValidationFailed as failed:
            sys.stderr.write(f"{name}: {failed}\n")
            status = 1
            continue
        sys.stdout.write(f"{name}: ok, {len(loaded.prompts)} prompts\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
