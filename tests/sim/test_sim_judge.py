"""The judge simulator: recognises rendered frames, answers from the scene drawn, over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import numpy as np
import openai
import pytest

from vidbench.core.scorers.judge_api import build_payload, encode_frame, parse_answer
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.judge import image_tokens
from vidbench.core.sim.judge_truth import read_question, truth_answer
from vidbench.core.sim.profiles import Quality
from vidbench.core.sim.render import RenderSpec, render_video
from vidbench.core.sim.render_prompt import COLOURS, parse_prompt
from vidbench.core.sim.render_truth import plant_errors
from vidbench.core.sim.server import SimServer

PROMPT = 'A red car drives along a road; a sign reads "OPEN"'


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimServer, Path, Path]]:
    cache = tmp_path_factory.mktemp("judge-sim")
    faithful = render_video(RenderSpec(PROMPT, 192, 108, 1.0, seed=1), cache)
    wrong = render_video(
        RenderSpec(PROMPT, 192, 108, 1.0, seed=1, quality=Quality(prompt_errors=1.0)), cache
    )
    settings = {"judge": {"error_rate": 0.0, "malformed_words": ["gibberish"]}}
    with SimServer(cache_dir=cache, settings=settings) as server:
        yield server, faithful, wrong


def ask(server: SimServer, question: str, video: Path, logprobs: bool = True) -> httpx.Response:
    images = [encode_frame(f) for f in frames_of(video)[::8]]
    payload = build_payload("vidbench-judge-sim", question, images, shot=None, logprobs=logprobs)
    return httpx.post(
        server.base_url("openai_chat") + "/chat/completions",
        json=payload,
        headers={"Authorization": f"Bearer {SIM_API_KEY}"},
        timeout=30,
    )


def test_planted_errors_change_what_is_drawn() -> None:
    scene = parse_prompt(PROMPT)
    planted = plant_errors(scene, 1.0, seed=7)
    assert planted.subject_colours[0] != COLOURS["red"] and planted.text is None
    assert planted.object_motion == "idle" and plant_errors(scene, 0.0, seed=7) == scene


def test_questions_read_in_the_renderers_vocabulary() -> None:
    asked = read_question("Is the car in shot 1 red?")
    assert asked.subjects == {"car": COLOURS["red"]} and not asked.empty
    assert read_question("Are there three distinct shots?").shots_at_least == 3
    assert read_question("Is the camera static?").camera == "static"
    assert read_question("Does the chef smile warmly?").person
    assert read_question("Is it a watercolor painting?").empty
    truth = {"scene": {"subjects": ["car"], "subject_colours": [COLOURS["red"]], "person": False,
             "clothing": None, "object_motion": "drive", "camera": "static", "text": "OPEN"},
             "shots": 1}  # fmt: skip
    assert truth_answer("Is the car red?", truth)
    assert not truth_answer("Is the car blue?", truth)
    assert not truth_answer("Is there a dog?", truth)
    assert truth_answer('Does the sign read "OPEN"?', truth)
    assert not truth_answer("Are there two shots?", truth)


@pytest.mark.parametrize(
    ("question", "faithful", "wrong"),
    [
        ("Is the car red?", "yes", "no"),
        ('Is there a sign that reads "OPEN"?', "yes", "no"),
        ("Is there a car?", "yes", "yes"),
        ("Is there a dog?", "no", "no"),
    ],
)
def test_answers_follow_the_scene_drawn(
    served: tuple[SimServer, Path, Path], question: str, faithful: str, wrong: str
) -> None:
    server, good, bad = served
    for video, expected in ((good, faithful), (bad, wrong)):
        answer = parse_answer(ask(server, question, video).json())
        assert answer.answer == expected, (video.name, question)
        assert answer.p_yes == pytest.approx(0.92 if expected == "yes" else 0.08)
        assert answer.input_tokens > 85 and answer.output_tokens == 1


def test_unknown_frames_refusals_malformed_and_auth(served: tuple[SimServer, Path, Path]) -> None:
    server, good, _ = served
    url = server.base_url("openai_chat") + "/chat/completions"
    noise = np.random.default_rng(0).integers(0, 255, (108, 192, 3), dtype=np.uint8)
    payload = build_payload("vidbench-judge-sim", "Is the car red?", [encode_frame(noise)],
                            shot=None, logprobs=False)  # fmt: skip
    auth = {"Authorization": f"Bearer {SIM_API_KEY}"}
    assert parse_answer(httpx.post(url, json=payload, headers=auth).json()).answer == "no"
    refused = parse_answer(ask(server, "Is there blood on the car?", good).json())
    assert refused.answer is None and refused.refusal
    malformed = parse_answer(ask(server, "Is the gibberish red?", good).json())
    assert malformed.answer is None and malformed.malformed
    assert httpx.post(url, json=payload, headers={"Authorization": "Bearer x"}).status_code == 401
    payload["model"] = "gpt-unknown"
    assert httpx.post(url, json=payload, headers=auth).status_code == 404


def test_official_openai_sdk_lists_models_and_gets_an_answer(
    served: tuple[SimServer, Path, Path],
) -> None:
    server, good, _ = served
    client = openai.OpenAI(base_url=server.base_url("openai_chat"), api_key=SIM_API_KEY)
    assert [m.id for m in client.models.list()] == ["vidbench-judge-sim"]
    frame = encode_frame(frames_of(good)[0])
    completion = client.chat.completions.create(
        model="vidbench-judge-sim",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Question: Is the car red?\nAnswer yes or no."},
                    {"type": "image_url", "image_url": {"url": frame}},
                ],
            },
        ],  # fmt: skip
        max_tokens=1,
        logprobs=True,
        top_logprobs=2,
    )
    assert completion.choices[0].message.content == "yes"
    assert completion.choices[0].logprobs is not None
    assert completion.usage is not None and completion.usage.completion_tokens == 1


def test_image_tokens_follow_openais_tiles() -> None:
    assert image_tokens(512, 512) == 85 + 170
    assert image_tokens(683, 384) == 85 + 170 * 2
    assert image_tokens(4096, 2048) == 85 + 170 * 6  # 2048x1024 → 1536x768 → 3x2 tiles


def test_suites_checks_drafts_a_reviewable_copy(tmp_path: Path) -> None:
    from vidbench.core.config.checks import JudgeSettings
    from vidbench.core.scorers.checks_draft import draft_suite
    from vidbench.core.suites.suite import load_suite

    suite = tmp_path / "suite.yaml"
    suite.write_text(
        "suite: t\nprompts:\n"
        "  - id: a\n    category: motion\n    text: A red car drives along a road.\n\n"
        "  - id: b\n    category: multi_shot\n    shots: 2\n"
        "    text: 'Shot 1: a dog runs. Shot 2: a sign reads \"OPEN\".'\n"
        "  - id: c\n    category: scene\n    text: A blue bird.\n"
        "    checks:\n      - {question: 'Is there a bird?'}\n",
        encoding="utf-8",
    )
    with SimServer(cache_dir=tmp_path / "renders") as server:
        settings = JudgeSettings(
            model="vidbench-judge-sim", base_url=server.base_url("openai_chat")
        )
        counts = draft_suite(suite, settings, SIM_API_KEY, tmp_path / "draft.yaml")
    assert counts == {"a": 3, "b": 4}  # c already had checks: left alone
    drafted = load_suite(tmp_path / "draft.yaml")
    by_id = {p.id: [c.question for c in p.checks] for p in drafted.prompts}
    assert by_id["a"] == ["Is there a car?", "Is the car red?", "Does the car drive?"]
    assert "Are there 2 distinct shots?" in by_id["b"] and by_id["c"] == ["Is there a bird?"]
    assert "# drafted by vidbench-judge-sim" in (tmp_path / "draft.yaml").read_text()


def test_scenery_time_of_day_and_ground_are_read_and_checked() -> None:
    truth = {"scene": {"subjects": ["car"], "subject_colours": [None], "person": False,
             "clothing": None, "object_motion": "drive", "camera": "static", "text": None,
             "backdrop": ["ocean", "road"], "time_of_day": "sunset",
             "ground_colour": COLOURS["green"]}, "shots": 1}  # fmt: skip
    assert read_question("Is there an ocean beside the road?").backdrop == {"ocean", "road"}
    assert truth_answer("Is there an ocean beside the road?", truth)
    assert truth_answer("Is the sun low over the ocean at sunset?", truth) is False  # no sun
    assert truth_answer("Is it sunset?", truth)
    assert not truth_answer("Is it night?", truth)
    assert truth_answer("Is the ground a green lawn?", truth)
    assert not truth_answer("Is the ground a white lawn?", truth)
    assert not truth_answer("Is there a beach?", truth)  # sand is not drawn here


def test_a_question_about_something_never_drawn_is_answered_no() -> None:
    # It used to be yes whatever the clip (44% of core.yaml's checks, 21% of smoke.yaml's).
    truth = {"scene": {"subjects": ["house"], "subject_colours": [None], "person": False,
             "clothing": None, "object_motion": "none", "camera": "static", "text": None},
             "shots": 1}  # fmt: skip
    assert read_question("Is it raining?").empty
    assert not truth_answer("Is it raining?", truth)
    assert not truth_answer("Is there a door?", truth)


def test_smoke_checks_tell_their_own_prompt_from_the_others() -> None:
    from vidbench.core.sim.render_truth import scene_to_json
    from vidbench.core.suites.suite import load_suite

    suite = load_suite(Path(__file__).parents[2] / "prompts" / "smoke.yaml")
    scenes = {
        p.id: {"scene": scene_to_json(parse_prompt(p.text)), "shots": p.shots or 1}
        for p in suite.prompts
    }
    own, other, everywhere = [], [], 0
    for prompt in suite.prompts:
        for check in (c for c in prompt.checks if c.kind != "audio"):
            answers = {pid: truth_answer(check.question, t) for pid, t in scenes.items()}
            everywhere += all(answers.values())
            own.append(answers[prompt.id])
            other += [a for pid, a in answers.items() if pid != prompt.id]
    assert everywhere == 0  # was 10 of 47
    assert np.mean(own) >= 0.8 and np.mean(other) <= 0.15  # drawn as asked: .85 and .08


def test_latency_s_delays_each_answer_not_its_content(
    served: tuple[SimServer, Path, Path],
) -> None:
    _, good, _ = served
    settings = {"judge": {"error_rate": 0.0, "latency_s": 0.4}}
    with SimServer(cache_dir=good.parent, settings=settings) as slow:
        started = time.monotonic()
        answer = parse_answer(ask(slow, "Is the car red?", good).json())
        assert time.monotonic() - started >= 0.4 and answer.answer == "yes"
