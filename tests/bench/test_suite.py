"""Suite validation: each kind of problem, several at once, the shipped suites and the schema."""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from vidbench.core.seam.errors import Problem, ValidationFailed
from vidbench.core.seam.types import Capabilities
from vidbench.core.suites.suite import (
    DEFAULT_CATEGORIES,
    Note,
    check_durations,
    load_suite,
    main,
    schema_json,
)

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"

HEADER = """\
suite: t
version: 1
defaults: {duration: 5, ratio: "16:9"}
prompts:
"""


def write_suite(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    """A suite file from an indented prompts body, with a valid 320x320 image beside it."""
    Image.new("RGB", (320, 320), (200, 30, 30)).save(tmp_path / "ok.png")
    path = tmp_path / "suite.yaml"
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ValidationFailed) as caught:
        load_suite(path)
    return caught.value.problems


def test_valid_suite_loads_with_defaults_and_lines(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        """\
        - id: a-001
          category: motion
          text: A red ball rolls.
          inputs: {first_frame: ok.png}
          params: {duration: 8}
        """,
    )
    loaded = load_suite(path)
    assert loaded.settings_for(loaded.prompts[0]) == {"duration": 8, "ratio": "16:9"}
    assert loaded.suite.categories == list(DEFAULT_CATEGORIES)
    assert loaded.lines[("prompts", 0, "params", "duration")] == 9


def test_duplicate_id(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        """\
        - {id: a-001, category: motion, text: one}
        - {id: a-001, category: scene, text: two}
        """,
    )
    [problem] = problems_of(path)
    assert problem.location == "prompts[1].id"
    assert "duplicate id 'a-001'" in problem.message and "prompts[0]" in problem.message
    assert problem.line == 6


def test_type_error_does_not_hide_a_duplicate_id(tmp_path: Path) -> None:
    # Both orders: the prompt that fails to parse second, then first.
    for items in (
        "- {id: a-001, category: motion, text: one}\n- {id: a-001, category: scene, text: two, shots: two}\n",
        "- {id: a-001, category: scene, text: two, shots: two}\n- {id: a-001, category: motion, text: one}\n",
    ):
        problems = problems_of(write_suite(tmp_path, items))
        messages = sorted(f"{p.location}: {p.message}" for p in problems)
        assert len(problems) == 2, messages
        assert any(
            "prompts[1].id: duplicate id 'a-001' (first at prompts[0])" in m for m in messages
        )
        assert any(".shots:" in m and "integer" in m for m in messages)


def test_unknown_category(tmp_path: Path) -> None:
    path = write_suite(tmp_path, "- {id: a-001, category: explosions, text: boom}\n")
    [problem] = problems_of(path)
    assert problem.location == "prompts[0].category"
    assert "unknown category 'explosions'" in problem.message
    assert "character_consistency" in problem.message  # lists what is declared


def test_declared_categories_replace_defaults(tmp_path: Path) -> None:
    header = HEADER.replace("prompts:\n", "categories: [explosions]\nprompts:\n")
    path = write_suite(tmp_path, "- {id: a-001, category: motion, text: x}\n", header=header)
    [problem] = problems_of(path)
    assert "declared: explosions" in problem.message


def test_missing_asset_file(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        """\
        - id: a-001
          category: reference_image
          text: x
          character_ref: faces/nobody.png
          inputs:
            reference_images: [ok.png, gone.png]
        """,
    )
    problems = problems_of(path)
    assert [p.location for p in problems] == [
        "prompts[0].character_ref",
        "prompts[0].inputs.reference_images[1]",
    ]
    assert "file not found: faces/nobody.png" in problems[0].message
    assert problems[0].line == 8
    assert problems[1].line == 10


def test_non_english_without_scoring_text(tmp_path: Path) -> None:
    path = write_suite(tmp_path, "- {id: a-001, category: scene, lang: zh, text: 海边日落}\n")
    [problem] = problems_of(path)
    assert problem.location == "prompts[0].scoring_text"
    assert "'zh'" in problem.message


def test_unknown_key_is_a_typo(tmp_path: Path) -> None:
    path = write_suite(tmp_path, "- {id: a-001, category: scene, text: x, shot: 2}\n")
    [problem] = problems_of(path)
    assert problem.location == "prompts[0].shot"
    assert "unknown key" in problem.message


def test_input_image_too_small(tmp_path: Path) -> None:
    Image.new("RGB", (200, 400)).save(tmp_path / "small.png")
    path = write_suite(
        tmp_path, "- {id: a-001, category: motion, text: x, inputs: {first_frame: small.png}}\n"
    )
    [problem] = problems_of(path)
    assert problem.location == "prompts[0].inputs.first_frame"
    assert "200x400 px" in problem.message


def test_input_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not a png")
    path = write_suite(
        tmp_path, "- {id: a-001, category: motion, text: x, inputs: {last_frame: notes.png}}\n"
    )
    [problem] = problems_of(path)
    assert "not a readable image" in problem.message


def test_too_many_reference_images(tmp_path: Path) -> None:
    refs = ", ".join(["ok.png"] * 10)
    path = write_suite(
        tmp_path,
        f"- {{id: a-001, category: reference_image, text: x, inputs: {{reference_images: [{refs}]}}}}\n",
    )
    [problem] = problems_of(path)
    assert problem.location == "prompts[0].inputs.reference_images"
    assert "at most 9" in problem.message


def test_several_problems_in_one_pass_with_file_and_line(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        """\
        - id: a-001
          category: motion
          text: A red ball rolls.
          durration: 5
        - id: a-002
          category: sports
          text: x
        - id: a-002
          category: scene
          text: y
          inputs: {first_frame: missing.png}
        - id: a-004
          category: scene
          lang: zh
          text: 海边
        """,
    )
    problems = problems_of(path)
    found = {(p.location, p.line) for p in problems}
    assert found == {
        ("prompts[0].durration", 8),  # schema error: reported alongside the cross checks
        ("prompts[1].category", 10),
        ("prompts[2].id", 12),
        ("prompts[2].inputs.first_frame", 15),
        ("prompts[3].scoring_text", 18),
    }
    assert all(p.file == str(path) for p in problems)
    text = str(ValidationFailed(problems))
    assert "5 problem(s)" in text
    assert f"{path}:10: prompts[1].category" in text


def kling_like() -> Capabilities:
    return Capabilities(durations_s=(5, 10), ratios=("16:9",), resolutions=("720p",))


def sora_like() -> Capabilities:
    return Capabilities(durations_s=(4, 8, 12), ratios=("16:9",), resolutions=("720p",))


def test_check_durations_strict_is_a_problem_and_loose_a_note(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        """\
        - {id: a-001, category: motion, text: x}
        - id: a-002
          category: motion
          text: y
          strict: true
          params: {duration: 8}
        - {id: a-003, category: motion, text: z, params: {duration: 10}}
        """,
    )
    loaded = load_suite(path)
    found = check_durations(loaded, {"kling": kling_like(), "sora": sora_like()})
    notes = [p for p in found if isinstance(p, Note)]
    errors = [p for p in found if not isinstance(p, Note)]
    # a-001 takes the suite default 5 s (Sora: nearest is 4); a-003 asks 10 s (Sora: 8 and 12 tie,
    # the planner takes the longer); a-002 is strict, so Kling's gap is an error, not a note.
    assert [str(e.message) for e in errors] == [
        "a-002: kling cannot do 8 s (supports 5, 10); strict: true, so it will be recorded unsupported"
    ]
    assert errors[0].location == "prompts[1].params.duration"
    assert errors[0].line == 10
    assert sorted(n.message for n in notes) == [
        "a-001: sora cannot do 5 s (supports 4, 8, 12); 4 s will be sent",
        "a-003: sora cannot do 10 s (supports 4, 8, 12); 12 s will be sent",
    ]


@pytest.mark.parametrize("name", ["core.yaml", "smoke.yaml"])
def test_shipped_suites_validate(name: str) -> None:
    loaded = load_suite(PROMPTS_DIR / name)
    assert loaded.suite.description
    first_line = (PROMPTS_DIR / name).read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./suite.schema.json"
    used = {p.category for p in loaded.prompts}
    assert used == set(loaded.suite.categories)


def test_smoke_suite_is_cheap_and_serveable() -> None:
    loaded = load_suite(PROMPTS_DIR / "smoke.yaml")
    for prompt in loaded.prompts:
        settings = loaded.settings_for(prompt)
        assert settings["duration"] == 4 and settings["ratio"] == "16:9", prompt.id
    # At most two prompts use inputs that some of the five demo models lack.
    partial = [p for p in loaded.prompts if p.inputs.reference_images or p.inputs.last_frame]
    assert len(partial) <= 2


def test_checked_in_schema_is_up_to_date() -> None:
    checked_in = (PROMPTS_DIR / "suite.schema.json").read_text(encoding="utf-8")
    assert checked_in == schema_json(), (
        "regenerate: python -m vidbench.core.suites.suite --schema > prompts/suite.schema.json"
    )
    schema = json.loads(checked_in)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"suite", "prompts"}


def test_module_cli_prints_schema_and_validates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Suite"
    bad = write_suite(tmp_path, "- {id: a-001, category: nope, text: x}\n")
    assert main([str(bad)]) == 1
    assert "unknown category" in capsys.readouterr().err


def load_make_assets() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_assets", PROMPTS_DIR / "assets" / "make_assets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_assets_match_the_drawing_script() -> None:
    make_assets = load_make_assets()
    for relative, draw in make_assets.DRAWINGS.items():
        path = PROMPTS_DIR / "assets" / relative
        assert path.stat().st_size <= 200 * 1024, relative
        with Image.open(path) as stored:
            assert np.array_equal(np.asarray(stored.convert("RGB")), np.asarray(draw())), relative


def test_suite_inputs_are_drawn_assets_and_faces_only_score() -> None:
    drawn = set(load_make_assets().DRAWINGS)
    for name in ("core.yaml", "smoke.yaml"):
        loaded = load_suite(PROMPTS_DIR / name)
        for prompt in loaded.prompts:
            for _, rel in prompt.inputs.paths():
                assert rel.startswith("assets/") and not rel.startswith("assets/faces/"), prompt.id
                assert rel.removeprefix("assets/") in drawn, prompt.id
            if prompt.inputs.first_frame:
                with Image.open(loaded.resolve(prompt.inputs.first_frame)) as image:
                    assert abs(image.width / image.height - 16 / 9) < 0.01, prompt.id
