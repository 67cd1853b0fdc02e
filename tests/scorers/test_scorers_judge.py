"""The judge scorer against the judge simulator over real HTTP (429s, refusals, malformed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import make_job

from vidbench.core.config.checks import Check, JudgeSettings
from vidbench.core.scorers import judge as judge_module
from vidbench.core.scorers import judge_api
from vidbench.core.scorers.judge import JudgeScorer, frames_for
from vidbench.core.scorers.judge_session import BudgetLeft, JudgeSession
from vidbench.core.scorers.sampler import SamplerSettings, VideoPass, decode_pass
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import Quality
from vidbench.core.sim.render import RenderSpec, render_video
from vidbench.core.sim.server import SimServer
from vidbench.core.store.jobs import Job

PROMPT = 'A red car drives along a road; a sign reads "OPEN"'
CHECKS = [
    Check(question="Is there a car?"),
    Check(question="Is the car red?", kind="attribute"),
    Check(question='Does the sign read "OPEN"?', kind="text"),
    Check(question="Is there a dog?"),
    Check(question="Is the gibberish visible?", kind="attribute"),  # the sim answers malformed
    Check(question="Is there blood on the road?"),  # the sim refuses
    Check(question="Does the engine roar?", kind="audio"),
    Check(question="Does shot 2 show the wheel?", kind="camera", shot=2),
]
SETTINGS = JudgeSettings(model="vidbench-judge-sim", price={"usd_per_million_input_tokens": 1.0})


def job(prompt_id: str = "p1") -> Job:
    return make_job(job_id="j1", provider_model="x", prompt_id=prompt_id, text=PROMPT,
                    duration_requested_s=2, duration_sent_s=2, resolution=None)  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimServer]:
    cache = tmp_path_factory.mktemp("renders")
    settings = {
        "judge": {"error_rate": 0.0, "malformed_words": ["gibberish"], "rate_limit_first": 3}
    }
    with SimServer(cache_dir=cache, settings=settings) as srv:
        yield srv


def video_pass(server: SimServer, quality: Quality) -> VideoPass:
    spec = RenderSpec(PROMPT, 256, 144, 2.0, seed=2, quality=quality)
    path = render_video(spec, server.cache_dir)
    return decode_pass(path, {"uniform", "shots", "probe"}, SamplerSettings(uniform_frames=8))


def scorer(server: SimServer, cache: Path, budget: float | None = None) -> JudgeScorer:
    session = JudgeSession(
        SETTINGS,
        api_key=SIM_API_KEY,
        base_url=server.base_url("openai_chat"),
        cache_dir=cache,
        budget=BudgetLeft(budget),
    )
    return JudgeScorer(SETTINGS, {"p1": CHECKS}, session=session)


def test_scores_follow_the_scene_and_bad_answers_are_recorded(
    server: SimServer, tmp_path: Path
) -> None:
    judge = scorer(server, tmp_path)
    faithful = judge.score(job(), video_pass(server, Quality()))
    assert judge.session is not None and judge.session.requests == 6  # audio and shot 2 not
    assert server.counters.count(provider="judge", status=429) == 3  # retried, not failed
    assert server.counters.count(provider="judge", status=200) == 6
    # car yes, red yes, OPEN yes, dog no, shot 2 missing → no; audio not judged
    assert faithful["judge_checks"] == 5 and faithful["judge_unanswered"] == 2
    assert faithful["judge_score"] == pytest.approx((0.92 * 3 + 0.08) / 5)
    assert faithful["judge_text"] == pytest.approx(0.92)
    assert "Is there a dog?" in str(faithful["judge_failed"])
    assert "[shot 2] Does shot 2 show the wheel? (no shot 2 in the clip)" in str(
        faithful["judge_failed"]
    )
    notes = str(faithful["judge_notes"])
    assert "refused: Is there blood" in notes and "unanswered: Is the gibberish" in notes
    assert faithful["judge_frames_sent"] == 6 * 4 and faithful["judge_input_tokens"] > 6 * 4 * 85
    assert faithful["judge_cost_usd"] == pytest.approx(faithful["judge_input_tokens"] / 1e6)
    planted = judge.score(job(), video_pass(server, Quality(prompt_errors=1.0)))
    assert planted["judge_score"] < faithful["judge_score"]
    assert "Is the car red?" in str(planted["judge_failed"])


def test_answers_are_cached_per_check_and_budget_stops_asking(
    server: SimServer, tmp_path: Path
) -> None:
    video = video_pass(server, Quality())
    first = scorer(server, tmp_path)
    values = first.score(job(), video)
    again = scorer(server, tmp_path)
    assert again.score(job(), video)["judge_score"] == values["judge_score"]
    assert again.session is not None and again.session.requests == 2  # only the bad answers
    broke = scorer(server, tmp_path / "other", budget=0.0)
    spent = broke.score(job(), video)
    assert broke.session is not None and broke.session.requests == 0
    assert spent["judge_unanswered"] == 6 and "not asked (budget)" in str(spent["judge_notes"])


def test_each_frame_is_encoded_once_per_clip_and_every_check_gets_its_frames(
    server: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = video_pass(server, Quality())
    encoded: list[int] = []

    def counting(frame: object) -> str:
        encoded.append(id(frame))
        return judge_api.encode_frame(frame)  # type: ignore[arg-type]

    monkeypatch.setattr(judge_module, "encode_frame", counting)
    questions = scorer(server, tmp_path).questions(video, CHECKS)
    asked = [q for q in questions if not isinstance(q, str)]
    assert len(asked) == 6 and len(encoded) == len(set(encoded)) == 4  # 4 frames, 6 checks
    for question in asked:  # the same URLs as encoding each check's frames afresh
        frames = frames_for(video, question.shot, SETTINGS.frames) or []
        assert question.images == tuple(judge_api.encode_frame(f) for f in frames)


def test_frames_for_a_shot_come_from_that_shot() -> None:
    frames = [__import__("numpy").full((4, 4, 3), i, "uint8") for i in range(8)]
    video = VideoPass(
        probe=None,
        uniform_frames=frames,  # type: ignore[arg-type]
        uniform_times_s=[0.25 * i for i in range(8)],
        shot_boundaries_s=[1.0],
    )
    second = frames_for(video, 2, 4)
    assert second is not None and [int(f[0, 0, 0]) for f in second] == [4, 5, 6, 7]
    assert frames_for(video, 3, 4) is None
    assert [int(f[0, 0, 0]) for f in frames_for(video, None, 2) or []] == [2, 6]


OTHER_CHECKS = [Check(question="Is there a boat?"), Check(question="Is there a person?")]


def test_a_sampled_clip_is_also_asked_another_prompts_checks(
    server: SimServer, tmp_path: Path
) -> None:
    import json

    session = JudgeSession(SETTINGS, api_key=SIM_API_KEY, base_url=server.base_url("openai_chat"),
                           cache_dir=tmp_path, budget=BudgetLeft(None))  # fmt: skip
    checks = {"p1": CHECKS, "p2": OTHER_CHECKS}
    judge = JudgeScorer(SETTINGS, checks, session=session, others={"j1": "p2"})
    values = judge.score(job(), video_pass(server, Quality()))
    alone = JudgeScorer(SETTINGS, checks, session=session).score(
        job(), video_pass(server, Quality())
    )
    assert values["judge_score"] == alone["judge_score"]  # own checks scored as before
    assert values["judge_other_prompt"] == "p2"
    assert values["judge_other_score"] == pytest.approx(0.08)
    assert json.loads(str(values["judge_other_values"])) == [0.08, 0.08]
    assert json.loads(str(values["judge_own_values"])) == [0.92, 0.92, 0.92, 0.08, 0.0]
    # the two extra answers are paid and counted in the clip's judge cost
    assert float(values["judge_cost_usd"] or 0) > float(alone["judge_cost_usd"] or 0)
    assert values["judge_frames_sent"] == 8 * 4
    assert "judge_other_score" not in alone  # an unsampled clip: the column stays null
    assert "self_check" in judge.job_inputs(job())


def test_self_check_sample_is_ten_percent_at_least_ten_and_seeded() -> None:
    from vidbench.core.scorers.judge_self import self_check_clips, self_check_pairs

    assert [self_check_clips(n) for n in (4, 10, 50, 200)] == [4, 10, 10, 20]
    jobs = [make_job(job_id=f"j{i}", prompt_id=f"p{i % 5}") for i in range(200)]
    checks = {f"p{i}": OTHER_CHECKS for i in range(5)}
    pairs = self_check_pairs(jobs, checks)
    assert len(pairs) == 20 and pairs == self_check_pairs(list(reversed(jobs)), checks)
    prompt_of = {j.job_id: j.prompt_id for j in jobs}
    assert all(other != prompt_of[job_id] for job_id, other in pairs.items())
    assert self_check_pairs(jobs, checks, seed=1) != pairs
    assert self_check_pairs(jobs, {"p0": OTHER_CHECKS}) == {}  # no other prompt to ask
