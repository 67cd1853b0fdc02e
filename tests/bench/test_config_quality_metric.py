"""quality_metric: one metric or an ordered fallback list; an unknown name is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbench.core.config.config import load_config
from vidbench.core.seam.errors import ValidationFailed

MODELS = (
    "models:\n  - {id: a, adapter: ark, model: doubao-seedance-2-0-260128, simulate: default}\n"
)


def _config(tmp_path: Path, line: str) -> Path:
    (tmp_path / "suite.yaml").write_text(
        "suite: t\nprompts:\n  - {id: p1, category: motion, text: a red ball rolls}\n",
        encoding="utf-8",
    )
    path = tmp_path / "config.yaml"
    path.write_text(f"name: q\nsuite: suite.yaml\n{line}{MODELS}", encoding="utf-8")
    return path


def test_default_is_clip_then_judge(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path, "")).config.quality_metric == [
        "clip_score",
        "judge_score",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("quality_metric: judge_score\n", "judge_score"),
        ("quality_metric: [clip_score, judge_score]\n", ["clip_score", "judge_score"]),
    ],
)
def test_a_string_or_a_list(tmp_path: Path, line: str, expected: object) -> None:
    assert load_config(_config(tmp_path, line)).config.quality_metric == expected


def test_unknown_metric_names_the_close_one(tmp_path: Path) -> None:
    with pytest.raises(
        ValidationFailed, match="unknown quality metric 'judge_scor'.*'judge_score'"
    ):
        load_config(_config(tmp_path, "quality_metric: [clip_score, judge_scor]\n"))
    with pytest.raises(ValidationFailed, match="non-empty list"):
        load_config(_config(tmp_path, "quality_metric: []\n"))
