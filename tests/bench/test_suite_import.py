"""Importing VBench prompt files and CSV, and writing suites that load back unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vidbench.core.seam.errors import ValidationFailed
from vidbench.core.suites.suite import DEFAULT_CATEGORIES, Suite, load_suite
from vidbench.core.suites.suite_import import (
    category_for,
    import_csv,
    import_suite,
    import_vbench,
    write_suite,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "suites"
PER_DIMENSION = FIXTURES / "prompts_per_dimension"


def round_trip(suite: Suite, tmp_path: Path) -> Suite:
    out = tmp_path / "out" / "imported.yaml"
    write_suite(suite, out)
    return load_suite(out).suite


def assert_same_prompts(a: Suite, b: Suite) -> None:
    assert [p.id for p in a.prompts] == [p.id for p in b.prompts]
    assert [p.text for p in a.prompts] == [p.text for p in b.prompts]
    assert [p.category for p in a.prompts] == [p.category for p in b.prompts]
    assert [p.model_dump() for p in a.prompts] == [p.model_dump() for p in b.prompts]
    assert a.categories == b.categories


def test_vbench_dimension_file() -> None:
    suite = import_vbench(PER_DIMENSION / "color.txt")
    assert [p.id for p in suite.prompts] == [
        "color-0001",
        "color-0002",
        "color-0004",
    ]  # line numbers
    assert [p.text for p in suite.prompts] == [
        "a red bicycle leaning on a white wall",
        "a yellow umbrella in the rain",
        "a green car parked by the sea",
    ]
    assert {p.category for p in suite.prompts} == {"color"}
    assert suite.categories == list(DEFAULT_CATEGORIES) + ["color"]
    assert suite.prompts[0].tags == ["vbench:color"]


def test_vbench_folder_maps_dimensions_and_skips_the_aggregate_file(tmp_path: Path) -> None:
    suite = import_vbench(PER_DIMENSION)
    by_id = {p.id: p for p in suite.prompts}
    assert len(suite.prompts) == 8  # all_dimension.txt repeats the others and is skipped
    assert by_id["subject_consistency-0001"].category == "character_consistency"
    assert by_id["temporal_style-0002"].category == "camera"
    assert by_id["mechanics-0001"].category == "mechanics"  # unknown dimension: its own category
    assert suite.categories[: len(DEFAULT_CATEGORIES)] == list(DEFAULT_CATEGORIES)
    assert set(suite.categories) - set(DEFAULT_CATEGORIES) == {"color", "mechanics"}
    assert_same_prompts(suite, round_trip(suite, tmp_path))


def test_vbench_full_info_json(tmp_path: Path) -> None:
    suite = import_vbench(FIXTURES / "VBench_full_info.json")
    entries = json.loads((FIXTURES / "VBench_full_info.json").read_text())
    assert [p.text for p in suite.prompts] == [e["prompt_en"] for e in entries]
    assert [p.id for p in suite.prompts] == [f"vbench-{i:04d}" for i in range(1, 7)]
    assert [p.category for p in suite.prompts] == [
        "color",
        "character_consistency",  # first listed dimension decides
        "spatial_relationship",
        "multiple_objects",
        "camera",
        "thermotics",  # VBench-2.0 capitalised name, normalised
    ]
    corgi = suite.prompts[1]
    assert corgi.tags == [
        "vbench:subject_consistency",
        "vbench:dynamic_degree",
        "vbench:motion_smoothness",
    ]
    assert "color=red" in suite.prompts[0].tags
    assert "spatial_relationship.object_a=cup" in suite.prompts[2].tags
    assert "multiple_objects.object=cat and a dog" in suite.prompts[3].tags
    assert_same_prompts(suite, round_trip(suite, tmp_path))


def test_vbench_json_errors_name_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "full.json"
    bad.write_text(
        json.dumps([{"prompt_en": "ok", "dimension": ["color"]}, {"dimension": ["scene"]}])
    )
    with pytest.raises(ValidationFailed) as caught:
        import_vbench(bad)
    [problem] = caught.value.problems
    assert problem.location == "[1].prompt_en"


def test_csv_keeps_chinese_long_and_multiline_text(tmp_path: Path) -> None:
    suite = import_csv(FIXTURES / "prompts.csv")
    ids = [p.id for p in suite.prompts]
    assert ids == ["csv-001", "csv-002", "csv-003", "csv-004"]
    zh, long_prompt, multiline = suite.prompts[1], suite.prompts[2], suite.prompts[3]
    assert zh.text == "一只白色的猫在窗台上打哈欠，窗外下着小雨。"
    assert zh.lang == "zh" and zh.scoring_text and zh.tags == ["cat", "zh"]
    assert len(long_prompt.text) > 1000 and long_prompt.params.duration == 15
    assert long_prompt.tags == ["long", "ad"]
    assert multiline.text == 'Shot 1: a door opens.\nShot 2: a dog runs out, barking "woof".'
    assert suite.prompts[0].params.duration == 6 and suite.prompts[0].tags == ["kite", "sky"]
    assert suite.categories[-1] == "short_drama"  # a new category is declared for the suite

    back = round_trip(suite, tmp_path)
    assert_same_prompts(suite, back)
    written = (tmp_path / "out" / "imported.yaml").read_text(encoding="utf-8")
    assert "一只白色的猫" in written  # not \u-escaped
    assert long_prompt.text in written  # on one line, never folded


def test_written_suite_gets_schema_comment_beside_a_schema(tmp_path: Path) -> None:
    (tmp_path / "suite.schema.json").write_text("{}")
    out = tmp_path / "s.yaml"
    write_suite(import_csv(FIXTURES / "prompts.csv"), out)
    assert out.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=./suite.schema.json\n"
    )


def test_csv_problems_are_listed_with_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,text,category,lang\n"
        "a-1,fine,motion,\n"
        "a-1,again,motion,\n"
        "bad id,x,scene,\n"
        "a-4,中文,scene,zh\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        import_csv(bad)
    found = {(p.location, p.line) for p in caught.value.problems}
    assert found == {("row 3.id", 3), ("row 4.id", 4), ("row 5.scoring_text", 5)}


def test_csv_header_must_name_the_required_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,prompt,category,colour\nx,y,z,w\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        import_csv(bad)
    [problem] = caught.value.problems
    assert "missing column(s) text" in problem.message
    assert "unknown column(s) prompt, colour" in problem.message


def test_import_suite_dispatches_on_format(tmp_path: Path) -> None:
    copy = tmp_path / "color.txt"
    shutil.copy(PER_DIMENSION / "color.txt", copy)
    assert len(import_suite(copy, "vbench").prompts) == 3
    assert len(import_suite(FIXTURES / "prompts.csv", "csv").prompts) == 4
    with pytest.raises(ValueError, match="vbench or csv"):
        import_suite(copy, "xlsx")


def test_category_mapping_normalises_names() -> None:
    assert category_for("Subject_Consistency") == "character_consistency"
    assert category_for("Complex_Plot") == "multi_shot"
    assert category_for("Multi-View_Consistency") == "multi_view_consistency"
