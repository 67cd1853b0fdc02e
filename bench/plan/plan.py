"""Planning: prompts × models × samples → jobs with settings snapped to capabilities, and cost."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from vidbench.core.config.config import LoadedConfig, ModelConfig
from vidbench.core.plan.adapter_factory import required_secrets
from vidbench.core.plan.live_prices import PriceChoice, choose_prices, priced_adapter
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import Capabilities, GenerationInputs, InputKind, snap_duration
from vidbench.core.store.jobs import Job, JobInputs, make_job_id
from vidbench.core.suites.suite import LoadedSuite, Prompt

DEFAULT_DURATION_S = 5
DEFAULT_RATIO = "16:9"
RESOLUTION_ORDER = ("480p", "720p", "1080p", "4k")


@dataclass
class ModelPlan:
    """The jobs planned for one model and what they are expected to cost."""

    model: ModelConfig
    jobs: list[Job] = field(default_factory=list)

    @property
    def runnable(self) -> list[Job]:
        return [j for j in self.jobs if j.unsupported_reason is None]

    @property
    def estimated_cost_usd(self) -> float:
        return sum(j.estimated_cost_usd for j in self.runnable)


@dataclass
class Plan:
    """Every job of a run, grouped by model, with the notes made while snapping settings."""

    models: list[ModelPlan]
    prompts: list[Prompt]
    notes: list[str] = field(default_factory=list)
    prices: dict[str, PriceChoice] = field(default_factory=dict)  # model id → price used

    @property
    def jobs(self) -> list[Job]:
        return [j for m in self.models for j in m.jobs]

    @property
    def estimated_cost_usd(self) -> float:
        return sum(m.estimated_cost_usd for m in self.models)


def _ratio_value(ratio: str) -> float:
    w, h = ratio.split(":")
    return float(Fraction(int(w), int(h)))


def snap_ratio(requested: str, supported: tuple[str, ...]) -> str:
    """The supported aspect ratio nearest the request; `adaptive` falls back to 16:9."""
    if requested in supported:
        return requested
    target = _ratio_value("16:9" if requested == "adaptive" else requested)
    numeric = [r for r in supported if r != "adaptive"]
    return min(numeric, key=lambda r: abs(_ratio_value(r) - target))


def snap_resolution(requested: str | None, caps: Capabilities) -> str | None:
    """The requested resolution if supported, else the highest supported one below it."""
    if not caps.resolutions:
        return requested
    if requested is None:
        return caps.default_resolution or caps.resolutions[0]
    if requested in caps.resolutions:
        return requested
    rank = RESOLUTION_ORDER.index(requested) if requested in RESOLUTION_ORDER else 1
    lower = [
        r for r in caps.resolutions if r in RESOLUTION_ORDER and RESOLUTION_ORDER.index(r) <= rank
    ]
    return max(lower, key=RESOLUTION_ORDER.index) if lower else caps.resolutions[0]


def inputs_for(loaded: LoadedSuite, prompt: Prompt) -> GenerationInputs:
    """The prompt's input files as absolute paths."""
    i = prompt.inputs
    return GenerationInputs(
        first_frame=loaded.resolve(i.first_frame) if i.first_frame else None,
        last_frame=loaded.resolve(i.last_frame) if i.last_frame else None,
        reference_images=tuple(loaded.resolve(p) for p in i.reference_images),
        reference_videos=tuple(loaded.resolve(p) for p in i.reference_videos),
        reference_audios=tuple(loaded.resolve(p) for p in i.reference_audios),
    )


def unsupported_inputs(inputs: GenerationInputs, caps: Capabilities) -> str | None:
    """Why the model cannot take these inputs, or None."""
    missing = sorted(k.value for k in inputs.kinds() - caps.inputs)
    if missing:
        return f"model does not accept input kind(s): {', '.join(missing)}"
    if inputs.reference_images and len(inputs.reference_images) > caps.max_reference_images:
        return f"{len(inputs.reference_images)} reference images; model accepts at most {caps.max_reference_images}"
    return None


@dataclass(frozen=True)
class _Snapped:
    """A prompt's settings after snapping to what the model can do, with what changed."""

    requested_s: int
    duration_s: int
    ratio: str
    resolution: str | None
    audio: bool
    changed: tuple[str, ...]


def _snap_settings(settings: dict[str, Any], model: ModelConfig, caps: Capabilities) -> _Snapped:
    """Duration, ratio, resolution and audio snapped to the model's capabilities."""
    requested_s = int(settings.get("duration", DEFAULT_DURATION_S))
    ratio_req = str(settings.get("ratio", DEFAULT_RATIO))
    resolution_req = model.params.get("resolution", settings.get("resolution"))
    duration_s = snap_duration(requested_s, caps.durations_s)
    ratio = snap_ratio(ratio_req, caps.ratios)
    resolution = snap_resolution(resolution_req, caps)
    changed = []
    if duration_s != requested_s:
        changed.append(f"duration {requested_s}s→{duration_s}s")
    if ratio != ratio_req:
        changed.append(f"ratio {ratio_req}→{ratio}")
    if resolution_req and resolution != resolution_req:
        changed.append(f"resolution {resolution_req}→{resolution}")
    audio = bool(settings.get("audio", False))
    if audio and not caps.audio:
        changed.append("audio not available")
        audio = False
    return _Snapped(requested_s, duration_s, ratio, resolution, audio, tuple(changed))


def _input_refusals(prompt: Prompt, inputs: GenerationInputs, caps: Capabilities) -> list[str]:
    """Why the model cannot take this prompt's inputs or text (empty: it can)."""
    reasons: list[str] = []
    why = unsupported_inputs(inputs, caps)
    if why:
        reasons.append(why)
    if len(prompt.text) > caps.max_prompt_chars:
        reasons.append(
            f"prompt is {len(prompt.text)} characters; model accepts at most {caps.max_prompt_chars}"
        )
    return reasons


def plan_job(
    loaded: LoadedSuite,
    prompt: Prompt,
    model: ModelConfig,
    sample: int,
    adapter: Adapter,
    run_id: str,
) -> tuple[Job, list[str]]:
    """Resolve one prompt × model × sample into a Job (snapping or refusing settings)."""
    notes: list[str] = []
    reasons: list[str] = []
    caps = adapter.capabilities(model.model, model.params)
    settings = loaded.settings_for(prompt)
    snapped = _snap_settings(settings, model, caps)
    if snapped.changed and prompt.strict:
        reasons.append("strict prompt; model cannot do " + ", ".join(snapped.changed))
    elif snapped.changed:
        notes.append(f"{model.id}/{prompt.id}: " + ", ".join(snapped.changed))
    inputs = inputs_for(loaded, prompt)
    reasons += _input_refusals(prompt, inputs, caps)
    seed = settings.get("seed")
    job_id = make_job_id(model.id, prompt.id, sample)
    job = Job(
        job_id=job_id,
        model_id=model.id,
        adapter=model.adapter,
        provider_model=model.model,
        simulated=model.simulate is not None,
        prompt_id=prompt.id,
        category=prompt.category,
        lang=prompt.lang,
        sample=sample,
        text=prompt.text,
        clip_text=prompt.clip_text,
        duration_requested_s=snapped.requested_s,
        duration_sent_s=snapped.duration_s,
        ratio=snapped.ratio,
        resolution=snapped.resolution,
        audio=snapped.audio,
        seed=(seed + sample) if isinstance(seed, int) and caps.seed else None,
        shots=prompt.shots,
        character_ref=str(loaded.resolve(prompt.character_ref)) if prompt.character_ref else None,
        inputs=JobInputs.from_paths(inputs, f"vb-{run_id}-{job_id}"[:120]),
        params=dict(model.params),
        tags=tuple(prompt.tags),
        unsupported_reason="; ".join(reasons) or None,
    )
    if job.unsupported_reason is None:
        try:
            cost = adapter.estimate_cost(job.request)
            job = _with_cost(job, cost.usd)
        except Exception as exc:  # an adapter that cannot price this request cannot run it
            job = _with_reason(job, f"cannot build request: {exc}")
    return job, notes


def _with_cost(job: Job, usd: float) -> Job:
    return replace(job, estimated_cost_usd=round(usd, 6))


def _with_reason(job: Job, reason: str) -> Job:
    return replace(job, unsupported_reason=reason)


def build_plan(
    config: LoadedConfig,
    suite: LoadedSuite,
    *,
    run_id: str = "plan",
    sample: int | None = None,
    stratify: str | None = "category",
    seed: int | None = None,
) -> Plan:
    """Plan a run: optionally a stratified sample of the suite, every model, every sample."""
    prompts = list(suite.prompts)
    if sample is not None and sample < len(prompts):
        from vidbench.core.suites.sampling import sample_prompts

        prompts = sample_prompts(
            prompts, sample, stratify=stratify, seed=config.config.seed if seed is None else seed
        )
    plan = Plan(models=[], prompts=prompts, prices=choose_prices(config))
    for model in config.config.models:
        adapter = priced_adapter(model, config.config.currency.cny_per_usd, plan.prices[model.id])
        model_plan = ModelPlan(model)
        for prompt in prompts:
            for index in range(config.config.samples):
                job, notes = plan_job(suite, prompt, model, index, adapter, run_id)
                model_plan.jobs.append(job)
                if index == 0:
                    plan.notes.extend(notes)
        plan.models.append(model_plan)
    return plan


def missing_secrets(config: LoadedConfig) -> list[tuple[str, str]]:
    """(model id, env var) for every key the run needs that the environment lacks."""
    missing = []
    for model in config.config.models:
        for env_var in required_secrets(model).values():
            if not env_var or not os.environ.get(env_var):
                missing.append((model.id, env_var or "(no variable configured)"))
    return missing


INPUT_KIND_LABELS = {k: k.value for k in InputKind}
