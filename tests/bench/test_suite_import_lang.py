"""Imports that know their language: VBench's Chinese prompts, pairing a translation with its
English original, and VBench-2.0's prompt dict (fixtures of the same shape, written here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vidbench.cli.app import main
from vidbench.core.common.lang import detect_language
from vidbench.core.seam.errors import ValidationFailed
from vidbench.core.suites.suite import load_suite
from vidbench.core.suites.suite_import import import_vbench

# The first lines of VBench's prompts/all_dimension.txt and all_dimension_cn.txt (line-aligned).
ORIGINAL = ["In a still frame, a stop sign", "a toilet, frozen in time", "a laptop, frozen in time"]
CHINESE = ["在静止的画面中，一个停车标志", "一个厕所，凝固在时间里", "一台笔记本电脑，凝固在时间里"]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("a red bicycle leaning on a white wall", "en"),
        ("一只白色的猫在窗台上打哈欠", "zh"),
        ("一个穿着 T-shirt 的女孩在跳舞", "zh"),  # a few Latin letters inside Chinese
        ("猫が窓辺であくびをする", "ja"),  # kanji with kana is Japanese
        ("고양이가 창가에서 하품을 한다", "ko"),
        ("Кошка зевает на подоконнике", "ru"),
        ("Nike 运动鞋 on a white table", "en"),  # mostly Latin letters: counted as English
        ("A portrait of 李白 in the rain", "en"),
        ("12345 !!!", "en"),
    ],
)
def test_language_from_script(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_chinese_vbench_file_imports_as_zh(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "all_dimension_cn.txt", CHINESE)
    suite = import_vbench(src)
    assert [p.lang for p in suite.prompts] == ["zh"] * 3
    assert [p.scoring_text for p in suite.prompts] == [None] * 3
    # the translation keeps its original's ids and category (the _cn suffix dropped)
    english = import_vbench(write_lines(tmp_path / "all_dimension.txt", ORIGINAL))
    assert [p.id for p in suite.prompts] == [p.id for p in english.prompts]
    assert {p.lang for p in english.prompts} == {"en"}


def test_pair_puts_the_original_into_scoring_text(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "all_dimension_cn.txt", CHINESE)
    original = write_lines(tmp_path / "all_dimension.txt", ORIGINAL)
    out = tmp_path / "suite.yaml"
    code = main(
        [
            "suites",
            "import",
            str(src),
            "--format",
            "vbench",
            "--pair",
            str(original),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    suite = load_suite(out).suite  # valid: every zh prompt has its English scoring_text
    assert [(p.text, p.lang, p.scoring_text) for p in suite.prompts] == list(
        zip(CHINESE, ["zh"] * 3, ORIGINAL, strict=True)
    )
    assert [p.clip_text for p in suite.prompts] == ORIGINAL


def test_pair_refuses_files_that_are_not_line_aligned(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "all_dimension_cn.txt", CHINESE)
    shifted = write_lines(tmp_path / "all_dimension.txt", ["", *ORIGINAL])
    with pytest.raises(ValidationFailed) as caught:
        import_vbench(src, pair=shifted)
    assert "not line-aligned" in caught.value.problems[0].message


def test_pair_refuses_an_original_that_is_not_english(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "a_cn.txt", CHINESE)
    with pytest.raises(ValidationFailed) as caught:
        import_vbench(src, pair=write_lines(tmp_path / "b.txt", CHINESE))
    assert {p.location for p in caught.value.problems} == {"line 1", "line 2", "line 3"}
    assert "expected the English original" in caught.value.problems[0].message


def test_pair_folders_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "zh").mkdir()
    (tmp_path / "en").mkdir()
    write_lines(tmp_path / "zh" / "color.txt", ["一辆红色的自行车"])
    write_lines(tmp_path / "en" / "color.txt", ["a red bicycle"])
    suite = import_vbench(tmp_path / "zh", pair=tmp_path / "en")
    assert [(p.lang, p.scoring_text) for p in suite.prompts] == [("zh", "a red bicycle")]
    write_lines(tmp_path / "zh" / "scene.txt", ["一座山"])
    with pytest.raises(ValidationFailed, match="no original for scene.txt"):
        import_vbench(tmp_path / "zh", pair=tmp_path / "en")


# Entries shaped like VBench-2.0's prompts/VBench2_full_text_info.json: the key is the prompt
# cut to 180 characters, `caption` the whole prompt.
LONG = "In a distant mountain range, there was said to be a legendary red dragon. " * 4
VBENCH2 = {
    "A man is playing basketball.": {
        "caption": "A man is playing basketball.",
        "dimension": ["Diversity", "Human_Clothes", "Instance_Preservation", "Human_Identity"],
    },
    "A river changes from blue to brown.": {
        "caption": "A river changes from blue to brown.",
        "dimension": ["Diversity", "Dynamic_Attribute"],
    },
    LONG[:180]: {"caption": LONG.strip(), "dimension": ["Complex_Plot"]},
    "The camera circles around. Garden.": {
        "caption": "The camera circles around. Garden.",
        "dimension": ["Camera_Motion"],
    },
}


def test_vbench2_prompt_dict_imports_with_dimensions(tmp_path: Path) -> None:
    src = tmp_path / "VBench2_full_text_info.json"
    src.write_text(json.dumps(VBENCH2), encoding="utf-8")
    out = tmp_path / "vbench2.yaml"
    assert main(["suites", "import", str(src), "--format", "vbench", "--out", str(out)]) == 0
    suite = load_suite(out).suite
    assert [p.id for p in suite.prompts] == [f"vbench2-{i:04d}" for i in range(1, 5)]
    basketball, river, plot, camera = suite.prompts
    assert plot.text == LONG.strip()  # the caption, not the truncated key
    assert basketball.tags == [
        "vbench2:diversity",
        "vbench2:human_clothes",
        "vbench2:instance_preservation",
        "vbench2:human_identity",
    ]
    # the first dimension that maps to one of ours decides; else the first one's own name
    assert basketball.category == "character_consistency"
    assert river.category == "diversity"
    assert plot.category == "multi_shot"
    assert camera.category == "camera"  # VBench's camera_motion is our camera
    assert "diversity" in suite.categories


def test_vbench2_dict_of_dimension_lists_and_its_errors(tmp_path: Path) -> None:
    src = tmp_path / "v2.json"
    src.write_text(json.dumps({"A cat sleeps.": ["Material"], "A dog runs.": {"dimension": 3}}))
    with pytest.raises(ValidationFailed) as caught:
        import_vbench(src)
    [problem] = caught.value.problems
    assert problem.location == '["A dog runs."]' and "dimension" in problem.message
    src.write_text(json.dumps({"A cat sleeps.": ["Material"]}))
    [prompt] = import_vbench(src).prompts
    assert (prompt.text, prompt.category, prompt.tags) == (
        "A cat sleeps.",
        "material",
        ["vbench2:material"],
    )
