"""The usable rule: thresholds, and metrics a prompt requires that a clip lacks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vidbench.core.run.results import usable_flags, usable_reasons

NAN = np.nan


def _rows() -> pd.DataFrame:
    """Seven jobs, four succeeded (not half, so a status filter flipped to != shows)."""
    return pd.DataFrame(
        {
            "prompt_id": ["char", "char-ref", "scene", "shots", "shots-nan", "fail", "low"],
            "category": ["character_consistency", "style", "scene", "multi_shot", "multi_shot"]
            + ["scene", "scene"],
            "has_character_ref": [False, True, False, False, False, False, False],
            "status": ["succeeded"] * 5 + ["failed", "succeeded"],
            "face_identity": [NAN, NAN, NAN, NAN, NAN, NAN, 0.95],
            "shots_expected": [NAN, NAN, NAN, 2, 3, NAN, NAN],
            "shot_count": [1, 1, 1, 1, NAN, NAN, 1],
            "clip_score": [30.0, 30.0, 30.0, 30.0, 30.0, NAN, 20.0],
            "conformance": [True, True, True, True, True, None, False],
        }
    )


def test_a_faceless_character_clip_is_not_usable_and_says_why() -> None:
    df = _rows()
    reasons, applied = usable_reasons(df, {"clip_score": 25, "face_identity": 0.8})
    by_prompt = dict(zip(df["prompt_id"], reasons, strict=True))
    assert by_prompt["char"] == "no face detected for a character prompt"
    assert by_prompt["char-ref"] == "no face detected for a character prompt"
    assert by_prompt["scene"] == ""  # no face needed, none found: usable
    assert by_prompt["shots"] == "expected 2 shots, found 1"
    assert by_prompt["shots-nan"] == "expected 3 shots, shot count not measured"
    assert by_prompt["fail"] == "status failed"
    assert by_prompt["low"] == "clip_score 20 < 25; conformance failed"
    assert applied == [
        "clip_score >= 25",
        "face_identity >= 0.8",
        "conformance",
        "required metrics present (face for character prompts, shot count)",
    ]
    usable, _ = usable_flags(df, {"clip_score": 25, "face_identity": 0.8})
    assert usable.tolist() == [False, False, True, False, False, False, False]


def test_metrics_whose_scorer_did_not_run_are_not_required() -> None:
    df = _rows().drop(columns=["shot_count"])
    df["face_identity"] = NAN  # face scorer unavailable in this run
    df["conformance"] = [True] * 7
    usable, applied = usable_flags(df, {})
    assert usable.tolist() == [True, True, True, True, True, False, True]
    assert applied == ["conformance"]


def test_face_threshold_applies_where_a_face_was_measured() -> None:
    df = _rows()
    df.loc[6, ["face_identity", "clip_score", "conformance"]] = [0.5, 30.0, True]
    reasons, _ = usable_reasons(df, {"face_identity": 0.8})
    assert reasons[6] == "face_identity 0.5 < 0.8"
    assert reasons[2] == ""
