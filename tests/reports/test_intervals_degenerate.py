"""Intervals from heavily tied data stay near the data: the studentized bootstrap steps aside
when many resamples have no spread (the demo's `shot_count` once read [0.969, 25,466,024])."""

from __future__ import annotations

import numpy as np
import pytest

from vidbench.reports.intervals import mean_intervals


@pytest.mark.parametrize(
    "data",
    [
        [1.0] * 9 + [2.0],  # shot_count in the demo: nine single-shot clips and one with two
        [1.0] * 9 + [0.0] * 1,  # a judge score that is almost always yes, as a continuous metric
        [0.9] * 12 + [0.2],
    ],
)
def test_tied_data_gives_a_finite_interval_inside_a_plausible_span(data: list[float]) -> None:
    found = mean_intervals(np.array(data), binary_as_rate=False)
    low, high = float(found.low[0]), float(found.high[0])
    span = max(data) - min(data)
    assert np.isfinite([low, high]).all()
    assert min(data) - span <= low <= found.mean[0] <= high <= max(data) + span
    assert found.method[0] == "t"


def test_untied_data_keeps_the_studentized_bootstrap() -> None:
    data = np.random.default_rng(7).normal(0.5, 0.1, 30)
    found = mean_intervals(data)
    assert found.method[0] == "studentized bootstrap"
    assert found.low[0] < data.mean() < found.high[0]


# Values from the offline demo run of 2026-12-07 (full smoke suite, eight simulated models).
DEMO_SAMPLES = [
    ("shot_count", (1.0, None), [1.0, 2.0] + [1.0] * 8),
    ("judge_score", (0.0, 1.0), [0.92, 0.78, 0.92, 0.752, 0.92, 0.416, 0.92, 0.92, 0.92, 0.92]),
    ("judge_camera", (0.0, 1.0), [0.92, 0.08, 0.92, 0.92]),
    ("judge_action", (0.0, 1.0), [0.08, 0.08, 0.92, 0.92, 0.92]),
    ("face_distance_mean", (0.0, None), [0.091, 0.053]),
]


@pytest.mark.parametrize(("metric", "bounds", "data"), DEMO_SAMPLES)
def test_the_demos_own_samples_get_finite_intervals_inside_the_range(
    metric: str, bounds: tuple[float | None, float | None], data: list[float]
) -> None:
    found = mean_intervals(np.array(data), binary_as_rate=False, bounds=bounds)
    low, high = float(found.low[0]), float(found.high[0])
    floor = -np.inf if bounds[0] is None else bounds[0]
    ceiling = np.inf if bounds[1] is None else bounds[1]
    assert np.isfinite([low, high]).all(), metric
    assert floor <= low <= found.mean[0] <= high <= ceiling, metric
    assert found.method[0] == "t"  # studentized pivots degenerate or n < 10: Student's t
