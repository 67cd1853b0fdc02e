"""Every numeric scorer output declares the range its values lie in, and the range reaches
scorers.json (the reports keep every interval inside it)."""

from __future__ import annotations

import pytest

from vidbench.core.scorers.base import SHARE, Output, ScorerContext
from vidbench.core.scorers.registry import BUILTIN_SCORERS, declared_outputs, scorer_class

# Outputs that hold text (a model name, a note, a JSON list): no range to declare.
TEXT_OUTPUTS = {
    "clip_text_source",
    "clip_model",
    "clip_note",
    "face_reference",
    "flicker_note",
    "shot_boundaries_s",
    "judge_failed",
    "judge_notes",
    "judge_other_prompt",
    "judge_own_values",
    "judge_other_values",
}


def test_every_numeric_output_declares_bounds() -> None:
    undeclared = sorted(
        column
        for column, output in declared_outputs().items()
        if column not in TEXT_OUTPUTS and output.bounds == (None, None)
    )
    assert undeclared == []


@pytest.mark.parametrize(
    ("column", "bounds"),
    [
        ("judge_score", SHARE),
        ("judge_camera", SHARE),
        ("clip_score", (0.0, 100.0)),
        ("face_distance_mean", (0.0, None)),
        ("shot_count", (1.0, None)),
        ("conformance", SHARE),
    ],
)
def test_known_ranges(column: str, bounds: tuple[float | None, float | None]) -> None:
    assert declared_outputs()[column].bounds == bounds


@pytest.mark.parametrize("name", list(BUILTIN_SCORERS))
def test_bounds_travel_in_the_scorers_json_entry(name: str) -> None:
    cls = scorer_class(name)
    described = cls.create(ScorerContext()).describe()["outputs"]
    for column, output in cls.outputs.items():
        if output.bounds == (None, None):
            assert "bounds" not in described[column]
        else:
            assert described[column]["bounds"] == list(output.bounds)


def test_an_empty_range_is_refused() -> None:
    with pytest.raises(ValueError, match="low must be < high"):
        Output("higher", "broken", bounds=(1.0, 0.0))
