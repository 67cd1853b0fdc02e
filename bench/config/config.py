"""Run configs: the pydantic model users write, loading, and cross-field checks."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vidbench.core.config.checks import JudgeSettings
from vidbench.core.config.settings import ClipSettings, ScoringSettings
from vidbench.core.config.yamlfile import line_for, load_yaml, parse_model
from vidbench.core.scorers.registry import (
    declared_outputs,
    default_scorer_names,
    scorer_class,
    scorer_names,
    unknown_scorer,
)
from vidbench.core.seam.errors import Problem, ValidationFailed
from vidbench.core.seam.money import amount_problem


class Budget(BaseModel):
    """Spending limit for a run."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    max_cost_usd: float | None = Field(
        None, gt=0, description="Refuse to start, and stop submitting, beyond this."
    )


class Currency(BaseModel):
    """Exchange-rate assumption, recorded in the manifest."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    cny_per_usd: float = Field(7.1, gt=0, description="CNY per USD used to convert Ark prices.")


class Usable(BaseModel):
    """Per-row pass/fail thresholds that define a usable clip."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    clip_score: float | None = Field(None, description="Minimum clip_score.")
    face_identity: float | None = Field(
        None, ge=0, le=1, description="Minimum face_identity (where a face is expected)."
    )
    subject_consistency: float | None = Field(
        None, ge=0, le=1, description="Minimum subject_consistency."
    )
    flicker: float | None = Field(
        None, ge=0, le=1, description="Minimum flicker score (higher = steadier)."
    )
    conformance: bool = Field(True, description="Require technical conformance.")


class ModelConfig(BaseModel):
    """One model under test."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str = Field(
        ..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Label in every report."
    )
    adapter: str = Field(..., description="Adapter name (see `vidbench models`).")
    model: str = Field(..., description="Provider model id (or Ark endpoint id).")
    api_key_env: str | None = Field(None, description="Environment variable holding the API key.")
    access_key_env: str | None = Field(
        None, description="Environment variable holding the access key (Kling)."
    )
    secret_key_env: str | None = Field(
        None, description="Environment variable holding the secret key (Kling)."
    )
    base_url: str | None = Field(
        None, description="API base URL; the provider's default when omitted."
    )
    max_concurrency: int = Field(
        5,
        ge=1,
        le=1000,
        description="Tasks at the provider at once (a finished task downloads outside this count).",
    )
    requests_per_minute: float = Field(60, gt=0, description="Create requests per minute.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Provider fields passed through."
    )
    price: dict[str, float] = Field(
        default_factory=dict, description="Price override, e.g. cny_per_million_tokens."
    )
    simulate: str | None = Field(
        None, description="Run against the built-in simulator with this profile."
    )
    timeout_s: float = Field(3 * 3600, gt=0, description="Give up on a task after this long.")

    @field_validator("price")
    @classmethod
    def _sane_prices(cls, value: dict[str, float]) -> dict[str, float]:
        for name, amount in value.items():
            problem = amount_problem(amount, f"price {name}")
            if problem is not None:
                raise ValueError(problem)
        return value

    @field_validator("base_url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value


class RunConfig(BaseModel):
    """A run config file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(
        ..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Run name (folder prefix)."
    )
    suite: str = Field(
        ...,
        description="Path to the prompt suite, relative to this file, or a bundled suite's name "
        "(core, smoke).",
    )
    samples: int = Field(1, ge=1, le=100, description="Videos per prompt per model.")
    scorers: list[str] = Field(default_factory=default_scorer_names, description="Scorers to run.")
    scorer_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-scorer options, e.g. {subject_consistency: {protocol: vbench}}.",
    )
    budget: Budget = Field(default_factory=Budget)
    currency: Currency = Field(default_factory=Currency)
    usable: Usable = Field(default_factory=Usable)
    quality_metric: str | list[str] = Field(
        default_factory=lambda: ["clip_score", "judge_score"],
        description="The metric that ranks models (the Pareto plots' y axis); a list is an "
        "ordered fallback: the first with values in the run ranks, the report names any skipped.",
    )
    output_dir: str = Field(
        "../runs", description="Where run directories go, relative to this file."
    )
    clip: ClipSettings = Field(default_factory=ClipSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    judge: JudgeSettings | None = Field(
        None, description="The `judge` scorer's vision model (any OpenAI-compatible endpoint)."
    )
    seed: int = Field(0, description="Seed for sampling and simulators.")
    models: list[ModelConfig] = Field(..., min_length=1)

    @field_validator("scorers")
    @classmethod
    def _known_scorers(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in scorer_names():
                raise ValueError(unknown_scorer(name))
        return value

    @field_validator("quality_metric")
    @classmethod
    def _quality_metrics(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names:
            raise ValueError("quality_metric: a metric name or a non-empty list of them")
        known = [*declared_outputs(), "usable_rate"]
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"unknown quality metric {name!r}{hint}")
        return value

    @field_validator("scorer_options")
    @classmethod
    def _scorer_options(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, options in value.items():
            try:  # each scorer declares its options model
                scorer_class(name).Options.model_validate(options)
            except KeyError as exc:
                raise ValueError(exc.args[0]) from None
        return value


class LoadedConfig:
    """A validated config with the file it came from."""

    def __init__(self, config: RunConfig, path: Path, raw: dict[str, Any]):
        self.config = config
        self.path = path
        self.base_dir = path.parent
        self.raw = raw

    def resolve(self, relative: str) -> Path:
        return (self.base_dir / relative).resolve()

    @property
    def suite_path(self) -> Path:
        from vidbench.core.config.resources import (
            resolve_suite,  # a bare name (core, smoke) is a bundled suite
        )

        return resolve_suite(self.config.suite, self.base_dir)

    @property
    def output_dir(self) -> Path:
        return self.resolve(self.config.output_dir)


def key_variable_problems(
    model: ModelConfig, adapter: Any, file: str, where: str, lines: dict, loc: tuple
) -> list[Problem]:
    """A key may come only from the adapter's own variables or one named like a key, so a
    shared config cannot send, say, AWS_SESSION_TOKEN, AWS_SECRET_ACCESS_KEY or GITHUB_TOKEN to
    its base_url."""
    from vidbench.core.seam.secrets import key_refusal

    problems = []
    declared = tuple(adapter.default_env.values())
    for config_key in adapter.secret_roles.values():
        env_var = getattr(model, config_key, None)
        reason = key_refusal(env_var, declared) if env_var else None
        if reason:
            problems.append(
                Problem(
                    file,
                    f"{where}.{config_key}",
                    f"{reason}: use the adapter's own ({', '.join(declared)}) or a name "
                    "ending in _API_KEY, _ACCESS_KEY or _SECRET_KEY",
                    line_for(lines, loc + (config_key,)),
                )
            )
    return problems


def check_models(config: RunConfig, file: str, lines: dict) -> list[Problem]:
    """Adapters exist, model ids are known, ids unique, params valid, profiles known."""
    from vidbench.adapters.registry import load_adapter
    from vidbench.core.sim.profiles import PROFILES

    problems: list[Problem] = []
    seen: set[str] = set()
    for index, model in enumerate(config.models):
        loc = ("models", index)
        where = f"models[{index}]"
        if model.id in seen:
            problems.append(
                Problem(
                    file,
                    f"{where}.id",
                    f"duplicate model id {model.id!r}",
                    line_for(lines, loc + ("id",)),
                )
            )
        seen.add(model.id)
        try:
            adapter = load_adapter(model.adapter)
        except KeyError as exc:
            problems.append(
                Problem(
                    file, f"{where}.adapter", str(exc.args[0]), line_for(lines, loc + ("adapter",))
                )
            )
            continue
        model_problem = adapter.check_model_id(model.model)
        if model_problem:
            problems.append(
                Problem(file, f"{where}.model", model_problem, line_for(lines, loc + ("model",)))
            )
        for message in adapter.validate_params(model.model, model.params):
            problems.append(
                Problem(file, f"{where}.params", message, line_for(lines, loc + ("params",)))
            )
        problems += key_variable_problems(model, adapter, file, where, lines, loc)
        if model.simulate is not None and model.simulate not in PROFILES:
            close = difflib.get_close_matches(model.simulate, PROFILES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                Problem(
                    file,
                    f"{where}.simulate",
                    f"unknown simulator profile {model.simulate!r}{hint} (known: {', '.join(PROFILES)})",
                    line_for(lines, loc + ("simulate",)),
                )
            )
    return problems


def load_config(path: Path | str) -> LoadedConfig:
    """Load and validate a run config, raising ValidationFailed listing every problem."""
    path = Path(path)
    data, lines = load_yaml(path)
    config = parse_model(RunConfig, data, str(path), lines)
    problems = check_models(config, str(path), lines)
    from vidbench.core.config.resources import resolve_suite

    suite_file = resolve_suite(config.suite, path.parent)
    if not suite_file.is_file():
        problems.append(
            Problem(
                str(path),
                "suite",
                f"suite file not found: {config.suite} (relative to the config)",
                line_for(lines, ("suite",)),
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return LoadedConfig(config, path.resolve(), data)
