"""Planning as exact tables: snapping over many requests, refusals, the job a plan writes,
and the request and cost it leads to. A fake adapter states its capabilities outright."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import pytest
from factories import make_job

from vidbench.core.config.config import LoadedConfig, ModelConfig, RunConfig
from vidbench.core.plan import plan as plan_module
from vidbench.core.plan.adapter_factory import planning_adapter, required_secrets
from vidbench.core.plan.plan import (
    ModelPlan,
    Plan,
    build_plan,
    missing_secrets,
    plan_job,
    snap_ratio,
    snap_resolution,
    unsupported_inputs,
)
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    GenerationInputs,
    GenerationRequest,
    InputKind,
    snap_duration,
)
from vidbench.core.suites.suite import LoadedSuite, Prompt, Suite

ALL_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9")


def ratio_value(ratio: str) -> Fraction:
    w, h = ratio.split(":")
    return Fraction(int(w), int(h))


def test_duration_snaps_to_the_nearest_and_ties_go_longer() -> None:
    supported = (4, 6, 10)
    table = {1: 4, 4: 4, 5: 6, 6: 6, 7: 6, 8: 10, 9: 10, 10: 10, 30: 10}
    assert {s: snap_duration(s, supported) for s in table} == table
    assert snap_duration(5, (6, 4)) == 6  # the tie rule does not depend on order
    for requested in range(1, 20):
        got = snap_duration(requested, supported)
        best = min(abs(d - requested) for d in supported)
        assert abs(got - requested) == best
        assert got == max(d for d in supported if abs(d - requested) == best)


def test_ratio_snaps_to_the_nearest_aspect_for_every_pair() -> None:
    for size in range(1, len(ALL_RATIOS) + 1):
        for supported in itertools.combinations(ALL_RATIOS, size):
            for requested in ALL_RATIOS:
                got = snap_ratio(requested, supported)
                if requested in supported:
                    assert got == requested
                    continue
                distance = abs(ratio_value(got) - ratio_value(requested))
                best = min(abs(ratio_value(r) - ratio_value(requested)) for r in supported)
                assert distance == best, (requested, supported, got)


def test_ratio_snapping_examples() -> None:
    assert snap_ratio("21:9", ("16:9", "9:16", "1:1")) == "16:9"
    assert snap_ratio("3:4", ("16:9", "9:16", "1:1")) == "9:16"  # 0.75: 0.1875 from 0.5625
    assert snap_ratio("4:3", ("16:9", "9:16", "1:1")) == "1:1"  # 1.333: 0.333 from 1
    assert snap_ratio("9:16", ("16:9", "1:1", "4:3")) == "1:1"
    assert snap_ratio("4:3", ("21:9", "9:16")) == "9:16"  # 0.771 from 9:16, 1.0 from 21:9


def test_adaptive_is_kept_where_supported_else_read_as_16_9() -> None:
    assert snap_ratio("adaptive", ("16:9", "adaptive")) == "adaptive"
    assert snap_ratio("adaptive", ("1:1", "4:3")) == "4:3"
    assert snap_ratio("adaptive", ("9:16", "21:9")) == "21:9"
    assert snap_ratio("4:3", ("adaptive", "16:9", "1:1")) == "1:1"  # adaptive is no candidate


def caps(**changes: Any) -> Capabilities:
    base: dict[str, Any] = {
        "durations_s": (5, 10),
        "ratios": ("16:9", "9:16", "1:1"),
        "resolutions": ("480p", "720p", "1080p"),
        "inputs": frozenset({InputKind.FIRST_FRAME, InputKind.REFERENCE_IMAGES}),
        "max_reference_images": 2,
        "audio": False,
        "seed": True,
        "default_resolution": "720p",
    }
    base.update(changes)
    return Capabilities(**base)


@pytest.mark.parametrize(
    ("requested", "resolutions", "default", "expected"),
    [
        ("720p", (), None, "720p"),  # a model without resolution classes keeps the request
        (None, (), None, None),
        (None, ("480p", "1080p"), "1080p", "1080p"),
        (None, ("480p", "1080p"), None, "480p"),
        ("1080p", ("480p", "720p", "1080p"), "720p", "1080p"),
        ("4k", ("480p", "720p", "1080p"), None, "1080p"),
        ("4k", ("1080p", "480p"), None, "1080p"),
        ("1080p", ("480p", "720p"), None, "720p"),
        ("1080p", ("720p", "480p"), None, "720p"),  # the highest lower, in any order
        ("720p", ("480p", "1080p"), None, "480p"),
        ("480p", ("720p", "1080p"), None, "720p"),  # nothing lower: the first listed
        ("480p", ("1080p", "720p"), None, "1080p"),
        ("8k", ("480p", "720p", "1080p"), None, "720p"),  # unknown names rank as 720p
        ("8k", ("1080p", "4k"), None, "1080p"),
    ],
)
def test_resolution_table(
    requested: str | None, resolutions: tuple[str, ...], default: str | None, expected: str | None
) -> None:
    capabilities = caps(resolutions=resolutions, default_resolution=default)
    assert snap_resolution(requested, capabilities) == expected


def test_unsupported_inputs_name_the_kinds_and_count_references() -> None:
    one = (Path("a.png"),)
    assert unsupported_inputs(GenerationInputs(), caps()) is None
    assert unsupported_inputs(GenerationInputs(reference_images=one * 2), caps()) is None
    assert unsupported_inputs(GenerationInputs(reference_images=one * 3), caps()) == (
        "3 reference images; model accepts at most 2"
    )
    both = GenerationInputs(
        first_frame=Path("a.png"), last_frame=Path("b.png"), reference_videos=(Path("v.mp4"),)
    )
    assert unsupported_inputs(both, caps()) == (
        "model does not accept input kind(s): first_last_frame, reference_videos"
    )


def test_costs_add_up_over_runnable_jobs_only() -> None:
    model = ModelConfig(id="m", adapter="fake", model="x")
    runnable = fake_job(cost_usd=0.25)
    refused = fake_job(cost_usd=4.0, unsupported_reason="no")
    model_plan = ModelPlan(model, [runnable, refused, fake_job(cost_usd=0.5)])
    assert len(model_plan.runnable) == 2 and refused not in model_plan.runnable
    assert model_plan.estimated_cost_usd == 0.75
    other = ModelPlan(model, [fake_job(cost_usd=2.0)])
    whole = Plan(models=[model_plan, other], prompts=[])
    assert whole.estimated_cost_usd == 2.75
    assert whole.jobs == [*model_plan.jobs, *other.jobs]


def fake_job(cost_usd: float, unsupported_reason: str | None = None) -> Any:
    return make_job(
        job_id="j", adapter="fake", provider_model="x", category="c", text="t",
        duration_requested_s=5, duration_sent_s=5, resolution=None,
        unsupported_reason=unsupported_reason, estimated_cost_usd=cost_usd,
    )  # fmt: skip


class FakeAdapter:
    """The two planning calls of an adapter, with stated capabilities and a flat price."""

    def __init__(self, capabilities: Capabilities, usd: float = 0.1234567, fail: bool = False):
        self.caps = capabilities
        self.usd = usd
        self.fail = fail
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.priced: list[GenerationRequest] = []

    def capabilities(self, provider_model: str, params: dict[str, Any]) -> Capabilities:
        self.asked.append((provider_model, params))
        return self.caps

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        self.priced.append(request)
        if self.fail:
            raise ValueError("no price for 4k")
        return Cost(native=self.usd * 7, currency="CNY", usd=self.usd)


def suite_with(
    tmp_path: Path, defaults: dict[str, Any], **prompt: Any
) -> tuple[LoadedSuite, Prompt]:
    fields: dict[str, Any] = {"id": "p1", "category": "motion", "text": "a cat"}
    fields.update(prompt)
    suite = Suite(suite="s", defaults=defaults, prompts=[fields])
    loaded = LoadedSuite(suite, tmp_path / "suite.yaml", "sha")
    return loaded, loaded.prompts[0]


def planned(
    tmp_path: Path,
    capabilities: Capabilities,
    defaults: dict[str, Any] | None = None,
    sample: int = 0,
    model_params: dict[str, Any] | None = None,
    **prompt: Any,
) -> tuple[Any, list[str], FakeAdapter]:
    loaded, the_prompt = suite_with(tmp_path, defaults or {}, **prompt)
    model = ModelConfig(id="mod", adapter="fake", model="prov-1", params=model_params or {})
    adapter = FakeAdapter(capabilities)
    job, notes = plan_job(loaded, the_prompt, model, sample, cast(Adapter, adapter), "run7")
    return job, notes, adapter


def test_a_plain_prompt_becomes_this_exact_job(tmp_path: Path) -> None:
    job, notes, adapter = planned(tmp_path, caps(), tags=["b", "a"], lang="de", scoring_text="x")
    assert notes == []
    assert adapter.asked == [("prov-1", {})]
    assert job.to_dict() == {
        "job_id": "mod__p1__s0",
        "model_id": "mod",
        "adapter": "fake",
        "provider_model": "prov-1",
        "simulated": False,
        "prompt_id": "p1",
        "category": "motion",
        "lang": "de",
        "sample": 0,
        "text": "a cat",
        "clip_text": "x",
        "duration_requested_s": 5,
        "duration_sent_s": 5,
        "ratio": "16:9",
        "resolution": "720p",
        "audio": False,
        "seed": None,
        "shots": None,
        "character_ref": None,
        "inputs": {
            "first_frame": None,
            "last_frame": None,
            "reference_images": [],
            "reference_videos": [],
            "reference_audios": [],
            "external_id": "vb-run7-mod__p1__s0",
        },
        "params": {},
        "tags": ["b", "a"],
        "unsupported_reason": None,
        "estimated_cost_usd": 0.123457,
    }
    assert [r.job_id for r in adapter.priced] == ["mod__p1__s0"]


def test_snapped_settings_are_noted_once_per_prompt(tmp_path: Path) -> None:
    defaults = {"duration": 7, "ratio": "21:9", "resolution": "4k", "audio": True}
    job, notes, _ = planned(tmp_path, caps(), defaults)
    assert notes == [
        "mod/p1: duration 7s→5s, ratio 21:9→16:9, resolution 4k→1080p, audio not available"
    ]
    assert (job.duration_requested_s, job.duration_sent_s) == (7, 5)
    assert (job.ratio, job.resolution, job.audio) == ("16:9", "1080p", False)
    assert job.unsupported_reason is None


def test_a_strict_prompt_is_refused_instead_of_snapped(tmp_path: Path) -> None:
    job, notes, adapter = planned(tmp_path, caps(), {"audio": True}, strict=True)
    assert notes == []
    assert job.unsupported_reason == "strict prompt; model cannot do audio not available"
    assert adapter.priced == [] and job.estimated_cost_usd == 0.0
    exact, notes, _ = planned(tmp_path, caps(), {"duration": 10, "ratio": "1:1"}, strict=True)
    assert exact.unsupported_reason is None and notes == []


def test_audio_is_kept_only_for_models_with_audio(tmp_path: Path) -> None:
    assert planned(tmp_path, caps(audio=True), {"audio": True})[0].audio is True
    assert planned(tmp_path, caps(audio=True), {"audio": False})[0].audio is False
    assert planned(tmp_path, caps(audio=True))[0].audio is False
    job, notes, _ = planned(tmp_path, caps(audio=False), {"audio": True})
    assert job.audio is False and notes == ["mod/p1: audio not available"]


def test_seed_advances_per_sample_where_the_model_takes_one(tmp_path: Path) -> None:
    assert planned(tmp_path, caps(seed=True), {"seed": 100}, sample=3)[0].seed == 103
    assert planned(tmp_path, caps(seed=True), {"seed": 100}, sample=0)[0].seed == 100
    assert planned(tmp_path, caps(seed=False), {"seed": 100}, sample=3)[0].seed is None
    assert planned(tmp_path, caps(seed=True), sample=3)[0].seed is None


def test_model_params_resolution_wins_over_the_suite(tmp_path: Path) -> None:
    job, notes, adapter = planned(
        tmp_path, caps(), {"resolution": "480p"}, model_params={"resolution": "1080p"}
    )
    assert job.resolution == "1080p" and notes == []
    assert job.params == {"resolution": "1080p"}
    assert adapter.asked == [("prov-1", {"resolution": "1080p"})]


def test_unsupported_inputs_are_refused_before_pricing(tmp_path: Path) -> None:
    job, _, adapter = planned(
        tmp_path, caps(), inputs={"first_frame": "img/a.png", "reference_videos": ["v.mp4"]}
    )
    assert job.unsupported_reason == "model does not accept input kind(s): reference_videos"
    assert adapter.priced == [] and job.estimated_cost_usd == 0.0
    assert job.inputs.first_frame == str((tmp_path / "img" / "a.png").resolve())
    assert job.inputs.reference_videos == (str((tmp_path / "v.mp4").resolve()),)


def test_reasons_accumulate(tmp_path: Path) -> None:
    job, _, _ = planned(
        tmp_path, caps(), {"ratio": "4:3"}, strict=True, inputs={"reference_audios": ["a.wav"]}
    )
    assert job.unsupported_reason == (
        "strict prompt; model cannot do ratio 4:3→1:1; "
        "model does not accept input kind(s): reference_audios"
    )


def test_a_prompt_longer_than_the_model_accepts_is_refused(tmp_path: Path) -> None:
    if "max_prompt_chars" not in Capabilities.__dataclass_fields__:
        pytest.skip("capabilities carry no prompt length limit")
    limit = caps(max_prompt_chars=10)
    assert planned(tmp_path, limit, text="x" * 10)[0].unsupported_reason is None
    job = planned(tmp_path, limit, text="x" * 11)[0]
    assert job.unsupported_reason == "prompt is 11 characters; model accepts at most 10"


def test_a_request_the_adapter_cannot_price_is_refused(tmp_path: Path) -> None:
    loaded, prompt = suite_with(tmp_path, {})
    model = ModelConfig(id="mod", adapter="fake", model="prov-1", simulate="default")
    adapter = FakeAdapter(caps(), fail=True)
    job, _ = plan_job(loaded, prompt, model, 0, cast(Adapter, adapter), "r")
    assert job.unsupported_reason == "cannot build request: no price for 4k"
    assert job.simulated is True and job.estimated_cost_usd == 0.0


def test_external_id_is_capped_at_120_characters(tmp_path: Path) -> None:
    loaded, prompt = suite_with(tmp_path, {}, id="p" * 60)
    model = ModelConfig(id="m" * 60, adapter="fake", model="prov-1")
    job, _ = plan_job(loaded, prompt, model, 0, cast(Adapter, FakeAdapter(caps())), "run")
    assert job.inputs.external_id == f"vb-run-{job.job_id}"[:120]
    assert len(job.inputs.external_id or "") == 120


def test_the_request_carries_every_planned_setting(tmp_path: Path) -> None:
    job, _, _ = planned(
        tmp_path,
        caps(audio=True, ratios=("9:16",), inputs=frozenset(InputKind)),
        {"duration": 10, "ratio": "9:16", "audio": True, "seed": 5},
        model_params={"resolution": "480p", "watermark": False},
        shots=3,
        character_ref="who.png",
        inputs={
            "first_frame": "f.png",
            "last_frame": "l.png",
            "reference_images": ["r.png"],
            "reference_audios": ["a.wav"],
            "reference_videos": ["v.mp4"],
        },
    )
    request = job.request
    assert request == GenerationRequest(
        job_id="mod__p1__s0",
        external_id="vb-run7-mod__p1__s0",
        provider_model="prov-1",
        text="a cat",
        duration_s=10,
        ratio="9:16",
        resolution="480p",
        audio=True,
        seed=5,
        shots=3,
        inputs=GenerationInputs(
            first_frame=(tmp_path / "f.png").resolve(),
            last_frame=(tmp_path / "l.png").resolve(),
            reference_images=((tmp_path / "r.png").resolve(),),
            reference_videos=((tmp_path / "v.mp4").resolve(),),
            reference_audios=((tmp_path / "a.wav").resolve(),),
        ),
        params={"resolution": "480p", "watermark": False},
    )
    assert job.character_ref == str((tmp_path / "who.png").resolve())


def test_a_request_without_external_id_uses_the_job_id(tmp_path: Path) -> None:
    from vidbench.core.store.jobs import Job

    job, _, _ = planned(tmp_path, caps())
    data = job.to_dict()
    data["inputs"] = {}
    request = Job.from_dict(data).request
    assert request.external_id == "mod__p1__s0"
    assert request.inputs == GenerationInputs()


def run_config(tmp_path: Path, samples: int, **model: Any) -> LoadedConfig:
    fields: dict[str, Any] = {"id": "ark-fast", "adapter": "ark"}
    fields["model"] = "doubao-seedance-2-0-fast-260128"
    fields.update(model)
    config = RunConfig(name="r", suite="s.yaml", samples=samples, models=[ModelConfig(**fields)])
    return LoadedConfig(config, tmp_path / "run.yaml", {})


def test_build_plan_expands_models_prompts_and_samples(tmp_path: Path) -> None:
    prompts = [
        {"id": f"p{i}", "category": "motion" if i % 2 else "text", "text": f"scene {i}"}
        for i in range(5)
    ]
    suite = Suite(suite="s", defaults={"duration": 3, "ratio": "16:9"}, prompts=prompts)
    loaded = LoadedSuite(suite, tmp_path / "s.yaml", "sha")
    plan = build_plan(run_config(tmp_path, samples=3), loaded, run_id="rid")
    assert [p.id for p in plan.prompts] == ["p0", "p1", "p2", "p3", "p4"]
    assert [(j.prompt_id, j.sample) for j in plan.jobs] == [
        (f"p{i}", s) for i in range(5) for s in range(3)
    ]
    assert plan.notes == [f"ark-fast/p{i}: duration 3s→4s" for i in range(5)]
    assert all(j.estimated_cost_usd > 0 for j in plan.jobs)
    assert plan.estimated_cost_usd == pytest.approx(sum(j.estimated_cost_usd for j in plan.jobs))
    sampled = build_plan(run_config(tmp_path, samples=1), loaded, sample=2, seed=1)
    assert len(sampled.prompts) == 2 and len(sampled.jobs) == 2
    whole = build_plan(run_config(tmp_path, samples=1), loaded, sample=5)
    assert [p.id for p in whole.prompts] == [p.id for p in plan.prompts]


def test_the_planning_adapter_carries_the_model_context() -> None:
    model = ModelConfig(
        id="a", adapter="ark", model="ep-123", params={"watermark": True}, price={"x": 2.0}
    )
    adapter = planning_adapter(model, cny_per_usd=6.5)
    context = adapter.context
    assert (context.provider_model, context.base_url) == ("ep-123", type(adapter).default_base_url)
    assert (context.params, context.price_override, context.cny_per_usd) == (
        {"watermark": True},
        {"x": 2.0},
        6.5,
    )
    pinned = planning_adapter(model.model_copy(update={"base_url": "http://h.test"}), 7.0)
    assert pinned.context.base_url == "http://h.test"


def test_secrets_a_model_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = ModelConfig(id="a", adapter="ark", model="m")
    assert required_secrets(real) == {"api_key": "ARK_API_KEY"}
    named = ModelConfig(id="b", adapter="ark", model="m", api_key_env="MY_ARK")
    assert required_secrets(named) == {"api_key": "MY_ARK"}
    assert required_secrets(ModelConfig(id="c", adapter="ark", model="m", simulate="x")) == {}
    monkeypatch.delenv("ARK_API_KEY", raising=False)
    monkeypatch.setenv("MY_ARK", "set")
    config = RunConfig(name="r", suite="s.yaml", models=[real, named])
    loaded = LoadedConfig(config, tmp_path / "r.yaml", {})
    assert missing_secrets(loaded) == [("a", "ARK_API_KEY")]
    monkeypatch.setenv("MY_ARK", "")
    assert missing_secrets(loaded) == [("a", "ARK_API_KEY"), ("b", "MY_ARK")]


def test_input_kind_labels() -> None:
    assert plan_module.INPUT_KIND_LABELS[InputKind.FIRST_FRAME] == "first_frame"


def test_a_strict_prompt_lists_every_change(tmp_path: Path) -> None:
    job, _, _ = planned(tmp_path, caps(), {"duration": 7, "audio": True}, strict=True)
    assert job.unsupported_reason == (
        "strict prompt; model cannot do duration 7s→5s, audio not available"
    )


def unbalanced_suite(tmp_path: Path) -> LoadedSuite:
    categories = ["motion"] * 6 + ["text"] * 2 + ["physics"] * 4
    prompts = [
        {"id": f"p{i:02d}", "category": category, "text": f"scene {i}"}
        for i, category in enumerate(categories)
    ]
    return LoadedSuite(Suite(suite="s", prompts=prompts), tmp_path / "s.yaml", "sha")


def test_build_plan_samples_with_the_given_strata_and_seed(tmp_path: Path) -> None:
    from vidbench.core.suites.sampling import sample_prompts

    loaded = unbalanced_suite(tmp_path)
    config = run_config(tmp_path, samples=1)
    every = loaded.prompts

    def ids(prompts: list[Prompt]) -> list[str]:
        return [p.id for p in prompts]

    by_category = ids(sample_prompts(every, 4, stratify="category", seed=config.config.seed))
    at_random = ids(sample_prompts(every, 4, stratify=None, seed=config.config.seed))
    reseeded = ids(sample_prompts(every, 4, stratify="category", seed=12345))
    assert len({tuple(by_category), tuple(at_random), tuple(reseeded)}) == 3  # the test can tell
    assert ids(build_plan(config, loaded, sample=4).prompts) == by_category
    assert ids(build_plan(config, loaded, sample=4, stratify=None).prompts) == at_random
    assert ids(build_plan(config, loaded, sample=4, seed=12345).prompts) == reseeded


def test_build_plan_defaults_and_notes_with_one_sample(tmp_path: Path) -> None:
    prompts = [{"id": "p0", "category": "motion", "text": "scene"}]
    suite = Suite(suite="s", defaults={"duration": 3}, prompts=prompts)
    loaded = LoadedSuite(suite, tmp_path / "s.yaml", "sha")
    config = run_config(tmp_path, samples=1)
    plan = build_plan(config, loaded)
    assert plan.notes == ["ark-fast/p0: duration 3s→4s"]
    assert plan.models[0].model is config.config.models[0]
    assert plan.jobs[0].inputs.external_id == "vb-plan-ark-fast__p0__s0"
    named = build_plan(config, loaded, run_id="r-42")
    assert named.jobs[0].inputs.external_id == "vb-r-42-ark-fast__p0__s0"


def test_a_role_without_a_variable_is_reported_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidbench.adapters.registry import load_adapter

    monkeypatch.setattr(load_adapter("ark"), "default_env", {})
    model = ModelConfig(id="a", adapter="ark", model="m")
    assert required_secrets(model) == {"api_key": ""}
    loaded = LoadedConfig(RunConfig(name="r", suite="s.yaml", models=[model]), tmp_path, {})
    assert missing_secrets(loaded) == [("a", "(no variable configured)")]


def test_a_role_whose_config_key_the_model_lacks_uses_the_default_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vidbench.adapters.registry import load_adapter

    monkeypatch.setattr(load_adapter("ark"), "secret_roles", {"api_key": "no_such_field"})
    assert required_secrets(ModelConfig(id="a", adapter="ark", model="m")) == {
        "api_key": "ARK_API_KEY"
    }
