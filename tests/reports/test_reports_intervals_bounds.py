"""Intervals stay inside their metric's declared range, by construction (issue 23.4).

Degenerate data — all equal, one different, n = 2 and 3, heavy ties, a single outlier,
values on the bounds — never give an interval outside the range or wider than it; a
difference of two bounded metrics stays inside (low − high, high − low).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vidbench.core.scorers.base import Bounds
from vidbench.reports.data import metric_bounds
from vidbench.reports.intervals import mean_intervals, paired_difference_ci
from vidbench.reports.pairwise import paired_differences
from vidbench.reports.stats import metric_summary

RANGES: list[Bounds] = [
    (0.0, 1.0),
    (0.0, 100.0),
    (-1.0, 1.0),
    (0.0, None),
    (1.0, None),
    (-120.0, None),
    (None, 0.0),
]
SPAN_OF_OPEN_END = 1000.0  # values drawn within this distance of a range's one closed end
RESAMPLES = 300  # the property holds for any resample count; fewer keep the test fast


def _ends(bounds: Bounds) -> tuple[float, float]:
    low, high = bounds
    if low is None and high is None:
        return (-SPAN_OF_OPEN_END, SPAN_OF_OPEN_END)
    if low is None:
        assert high is not None
        return (high - SPAN_OF_OPEN_END, high)
    return (low, low + SPAN_OF_OPEN_END if high is None else high)


@st.composite
def degenerate_samples(draw: st.DrawFn, bounds: Bounds) -> np.ndarray:
    """A sample of one of the shapes that broke intervals before, inside `bounds`."""
    low, high = _ends(bounds)
    value = st.one_of(st.sampled_from([low, high]), st.floats(low, high))
    n = draw(st.integers(2, 30))
    shape = draw(st.sampled_from(["all equal", "one different", "tiny", "ties", "outlier"]))
    if shape == "all equal":
        values = [draw(value)] * n
    elif shape == "one different":
        values = [draw(value)] * (n - 1) + [draw(value)]
    elif shape == "tiny":
        values = draw(st.lists(value, min_size=2, max_size=3))
    elif shape == "ties":
        levels = draw(st.lists(value, min_size=2, max_size=3))
        values = draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n))
    else:
        centre = draw(st.floats(low, high))
        spread = (high - low) * 1e-3
        values = [float(np.clip(centre + spread * (i % 3), low, high)) for i in range(n - 1)]
        values.append(draw(st.sampled_from([low, high])))
    return np.asarray(values, dtype=np.float64)


def _assert_inside(low: float, high: float, bounds: Bounds) -> None:
    if not (np.isfinite(low) and np.isfinite(high)):
        return  # no interval (fewer than two values, no spread): nothing shown
    floor = -np.inf if bounds[0] is None else bounds[0]
    ceiling = np.inf if bounds[1] is None else bounds[1]
    assert floor <= low <= high <= ceiling
    assert high - low <= ceiling - floor


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), bounds=st.sampled_from(RANGES), as_rate=st.booleans())
def test_no_mean_interval_leaves_its_range(
    data: st.DataObject, bounds: Bounds, as_rate: bool
) -> None:
    values = data.draw(degenerate_samples(bounds))
    found = mean_intervals(values, n_resamples=RESAMPLES, binary_as_rate=as_rate, bounds=bounds)
    _assert_inside(float(found.low[0]), float(found.high[0]), bounds)
    if np.isfinite(found.low[0]):
        assert found.low[0] <= found.mean[0] <= found.high[0]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), bounds=st.sampled_from(RANGES))
def test_no_difference_interval_leaves_the_difference_range(
    data: st.DataObject, bounds: Bounds
) -> None:
    first = data.draw(degenerate_samples(bounds))
    second = data.draw(degenerate_samples(bounds))
    n = min(first.size, second.size)
    low, high, _ = paired_difference_ci(first[:n], second[:n], n_resamples=RESAMPLES, bounds=bounds)
    width = None if bounds[0] is None or bounds[1] is None else float(bounds[1]) - float(bounds[0])
    _assert_inside(low, high, (None, None) if width is None else (-width, width))


def test_several_columns_each_keep_their_own_range() -> None:
    # Nine 1s and a 0 for a judge score, nine single shots and one with two cuts.
    judge = [1.0] * 9 + [0.0]
    shots = [1.0] * 9 + [3.0]
    found = mean_intervals(
        np.column_stack([judge, shots]), binary_as_rate=False, bounds=[(0.0, 1.0), (1.0, None)]
    )
    assert found.high[0] == 1.0 and 0.6 < found.low[0] < 0.9
    assert found.low[1] == 1.0 and 1.2 < found.high[1] < 2.0
    unbounded = mean_intervals(np.column_stack([judge, shots]), binary_as_rate=False)
    assert unbounded.high[0] > 1.0 and unbounded.low[1] < 1.0  # what the report showed before


def test_values_outside_a_wrong_declaration_widen_it_rather_than_being_cut_off() -> None:
    values = np.array([1.5, 1.7, 1.6, 1.9, 1.4])
    found = mean_intervals(values, bounds=(0.0, 1.0))
    assert found.low[0] <= values.mean() <= found.high[0] <= values.max()


def test_pairwise_differences_of_a_share_stay_within_minus_one_and_one() -> None:
    rows = []
    for prompt in range(4):
        rows.append({"model": "a", "prompt_id": f"p{prompt}", "sample": 0, "judge_score": 1.0})
        score = 0.0 if prompt == 0 else 1.0
        rows.append({"model": "b", "prompt_id": f"p{prompt}", "sample": 0, "judge_score": score})
        rows.append({"model": "c", "prompt_id": f"p{prompt}", "sample": 0, "judge_score": 0.0})
    df = pd.DataFrame(rows).assign(judge_score=lambda d: d["judge_score"] * 0.9 + 0.05)
    # Declared range (0, 1) from the judge scorer; the differences' range is (-1, 1).
    out = paired_differences(df, ["judge_score"], n_resamples=RESAMPLES)
    out = out.set_index(["model_a", "model_b"])
    assert -1.0 <= out.loc[("a", "b"), "ci_low"] < out.loc[("a", "b"), "ci_high"] < 1.0
    assert out.loc[("b", "c"), "ci_high"] == 1.0
    loose = paired_differences(df, ["judge_score"], n_resamples=RESAMPLES, bounds={})
    assert loose.set_index(["model_a", "model_b"]).loc[("b", "c"), "ci_high"] > 1.0


@pytest.mark.parametrize("values", [[0.2, 0.9], [0.0, 1.0, 1.0], [0.95] * 7 + [0.0]])
def test_small_bounded_samples_are_clipped_to_the_range(values: list[float]) -> None:
    found = mean_intervals(np.array(values), binary_as_rate=False, bounds=(0.0, 1.0))
    assert 0.0 <= found.low[0] <= found.high[0] <= 1.0


def test_run_bounds_come_from_scorers_json_over_the_declarations() -> None:
    scorers = {
        "plugin": {
            "outputs": {
                "my_share": {"direction": "higher", "bounds": [0, 1]},
                "my_level": {"direction": "none", "bounds": [None, 0.0]},
                "judge_score": {"direction": "higher", "bounds": [0.0, 5.0]},  # a rescaled judge
                "broken": {"direction": "higher", "bounds": [1.0, 0.0]},
                "text": {"direction": "higher", "bounds": ["a", 1]},
            }
        }
    }
    found = metric_bounds(scorers)
    assert found["my_share"] == (0.0, 1.0) and found["my_level"] == (None, 0.0)
    assert found["judge_score"] == (0.0, 5.0)
    assert "broken" not in found and "text" not in found
    assert found["latency_s"] == (0.0, None) and found["shot_count"] == (1.0, None)


def test_the_metrics_table_keeps_declared_ranges() -> None:
    # The demo's shapes: a judge score nearly always 1, a shot count nearly always 1.
    df = pd.DataFrame(
        {
            "model": ["m"] * 10,
            "judge_camera": [1.0] * 8 + [0.1, 0.0],
            "shot_count": [1] * 9 + [2],
        }
    )
    out = metric_summary(df, ["judge_camera", "shot_count"]).set_index("metric")
    assert 0.0 <= out.loc["judge_camera", "ci_low"] < out.loc["judge_camera", "ci_high"] <= 1.0
    assert out.loc["shot_count", "ci_low"] == 1.0 < out.loc["shot_count", "ci_high"] < 2.0
    given_here = metric_summary(df, ["judge_camera"], bounds={}).set_index("metric")
    assert given_here.loc["judge_camera", "ci_high"] > 1.0  # no range given: not clipped
