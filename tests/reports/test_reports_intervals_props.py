"""Intervals pinned exactly and fast (small resample counts, fixed seeds): the resampling
machinery against a direct reimplementation, each interval against values worked by hand,
and the rule that picks an interval at its edges."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats as scipy_stats

from vidbench.reports import intervals
from vidbench.reports.intervals import (
    CONFIDENCE,
    MIN_STUDENTIZED_N,
    N_RESAMPLES,
    SEED,
    bootstrap_column_means,
    bootstrap_indices,
    bootstrap_mean_ci,
    bootstrap_resample_counts,
    interval_method,
    is_binary,
    mean_intervals,
    paired_difference_ci,
    paired_rate_difference_ci,
    percentile_interval,
    studentized_interval,
    t_interval,
    wilson_ci,
)

Z95 = 1.959963984540054


def test_defaults() -> None:
    assert (N_RESAMPLES, SEED, CONFIDENCE, MIN_STUDENTIZED_N) == (2000, 0, 0.95, 10)
    assert intervals._MAX_CELLS == 2_000_000


def test_bootstrap_indices_chunk_by_cells_and_stay_in_range() -> None:
    chunks = list(bootstrap_indices(800_000, 5, np.random.default_rng(1)))
    assert [c.shape for c in chunks] == [(2, 800_000), (2, 800_000), (1, 800_000)]
    assert all(c.dtype == np.int32 for c in chunks)
    small = list(bootstrap_indices(3, 7, np.random.default_rng(1)))
    assert [c.shape for c in small] == [(7, 3)]
    assert small[0].min() >= 0 and small[0].max() == 2
    assert list(bootstrap_indices(0, 0, np.random.default_rng(1))) == []


def test_bootstrap_indices_equal_one_draw_of_the_generator() -> None:
    (chunk,) = bootstrap_indices(4, 6, np.random.default_rng(3))
    expected = np.random.default_rng(3).integers(0, 4, size=(6, 4), dtype=np.int32)
    assert np.array_equal(chunk, expected)


def test_resample_counts_count_each_row_of_each_draw() -> None:
    counts = bootstrap_resample_counts(5, 9, np.random.default_rng(2))
    (draws,) = bootstrap_indices(5, 9, np.random.default_rng(2))
    expected = np.stack([np.bincount(row, minlength=5) for row in draws]).astype(np.float64)
    assert counts.dtype == np.float64
    assert np.array_equal(counts, expected)
    assert (counts.sum(axis=1) == 5).all()


def _reference_moments(
    matrix: np.ndarray, n_resamples: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    (draws,) = bootstrap_indices(matrix.shape[0], n_resamples, np.random.default_rng(seed))
    means = np.empty((n_resamples, matrix.shape[1]))
    ses = np.empty_like(means)
    for r, rows in enumerate(draws):
        for j in range(matrix.shape[1]):
            picked = matrix[rows, j]
            picked = picked[~np.isnan(picked)]
            means[r, j] = picked.mean() if picked.size else np.nan
            ses[r, j] = picked.std(ddof=1) / math.sqrt(picked.size) if picked.size > 1 else np.nan
    return means, ses


def test_bootstrap_moments_equal_a_direct_computation_with_missing_values() -> None:
    rng = np.random.default_rng(5)
    matrix = rng.normal(10.0, 3.0, (12, 3))
    matrix[[1, 4], 1] = np.nan
    matrix[[1, 4], 2] = np.nan  # the same pattern as column 1
    with np.errstate(invalid="ignore", divide="ignore"):
        means, ses = intervals._bootstrap_moments(matrix, 40, 7, True)
        ref_means, ref_ses = _reference_moments(matrix, 40, 7)
    assert ses is not None
    assert np.allclose(means, ref_means, equal_nan=True)
    assert np.allclose(ses, ref_ses, equal_nan=True)
    assert intervals._bootstrap_moments(matrix, 40, 7, False)[1] is None
    assert np.allclose(bootstrap_column_means(matrix, 40, 7), ref_means, equal_nan=True)


def test_bootstrap_column_means_of_a_vector_and_its_defaults() -> None:
    values = np.array([1.0, 2.0, 4.0, 8.0])
    out = bootstrap_column_means(values, 30, 4)
    assert out.shape == (30, 1)
    assert np.allclose(out[:, 0], _reference_moments(values[:, None], 30, 4)[0][:, 0])
    assert np.array_equal(bootstrap_column_means(values), bootstrap_column_means(values, 2000, 0))


def test_percentile_interval_exact() -> None:
    resampled = np.arange(101, dtype=np.float64)[:, None]
    low, high = percentile_interval(resampled)
    assert (low[0], high[0]) == pytest.approx((2.5, 97.5), abs=1e-9)
    low, high = percentile_interval(resampled, 0.5)
    assert (low[0], high[0]) == pytest.approx((25.0, 75.0), abs=1e-9)
    with_nan = np.vstack([resampled, [[np.nan]]])
    assert percentile_interval(with_nan)[0][0] == pytest.approx(2.5, abs=1e-9)
    empty_low, empty_high = percentile_interval(np.full((4, 2), np.nan))
    assert np.isnan(empty_low).all() and empty_low.shape == (2,) and np.isnan(empty_high).all()
    assert percentile_interval(np.empty((0,)))[0].shape == (1,)


def test_t_interval_exact() -> None:
    low, high = t_interval(np.array([10.0]), np.array([2.0]), np.array([5]))
    half = 2.7764451051977987 * 2.0 / math.sqrt(5)
    assert low[0] == pytest.approx(10.0 - half, abs=1e-12)
    assert high[0] == pytest.approx(10.0 + half, abs=1e-12)
    low, _ = t_interval(np.array([0.0]), np.array([1.0]), np.array([2]), 0.5)
    assert low[0] == pytest.approx(-1.0 / math.sqrt(2), abs=1e-12)  # t(0.75, 1) = 1


def test_studentized_interval_by_hand() -> None:
    resampled = np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan])
    resampled_se = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    # pivots (m* − 3) / 1 = −2, −1, 0, 1, 2; quartiles −1 and 1 at confidence 0.5.
    assert studentized_interval(3.0, 2.0, resampled, resampled_se, 0.5) == (1.0, 5.0)
    # 95 %: quantiles at 2.5 % and 97.5 % (linear) → −1.9 and 1.9.
    low, high = studentized_interval(3.0, 1.0, resampled, resampled_se, 0.95)
    assert (low, high) == pytest.approx((1.1, 4.9), abs=1e-12)
    skewed = studentized_interval(0.0, 1.0, np.array([0.0, 1.0, 4.0]), np.ones(3), 0.5)
    assert skewed == pytest.approx((-2.5, -0.5), abs=1e-12)
    nothing = studentized_interval(1.0, 1.0, np.array([np.nan]), np.array([1.0]), 0.95)
    assert np.isnan(nothing).all()


@pytest.mark.parametrize(
    ("values", "binary"),
    [
        ([0.0, 1.0, 1.0], True),
        ([1.0, np.nan], True),
        ([0.0], True),
        ([0.0, 0.5], False),
        ([2.0], False),
        ([np.nan], False),
        ([], False),
    ],
)
def test_is_binary(values: list[float], binary: bool) -> None:
    assert is_binary(np.array(values, dtype=np.float64)) is binary


@pytest.mark.parametrize(
    ("n", "sd", "binary", "method"),
    [
        (0, 1.0, False, "none (n < 2)"),
        (1, 1.0, True, "none (n < 2)"),
        (2, 0.0, True, "Wilson"),
        (2, 1.0, False, "t"),
        (9, 1.0, False, "t"),
        (10, 1.0, False, "studentized bootstrap"),
        (10, 0.0, False, "none (no spread)"),
        (10, float("nan"), False, "none (no spread)"),
        (50, 1.0, True, "Wilson"),
    ],
)
def test_interval_method_edges(n: int, sd: float, binary: bool, method: str) -> None:
    assert interval_method(n, sd, binary) == method


def test_mean_intervals_t_wilson_and_none_columns() -> None:
    matrix = np.array(
        [
            [1.0, 1.0, 5.0, 7.0, np.nan],
            [2.0, 0.0, 5.0, np.nan, np.nan],
            [4.0, 1.0, 5.0, np.nan, np.nan],
            [9.0, 1.0, 5.0, np.nan, 3.0],
        ]
    )
    with np.errstate(invalid="ignore"):
        found = mean_intervals(matrix, n_resamples=50)
    assert found.n.tolist() == [4, 4, 4, 1, 1]
    assert found.method == ["t", "Wilson", "none (no spread)", "none (n < 2)", "none (n < 2)"]
    assert found.mean[:4].tolist() == [4.0, 0.75, 5.0, 7.0]
    sd = float(np.std([1.0, 2.0, 4.0, 9.0], ddof=1))
    half = scipy_stats.t.ppf(0.975, 3) * sd / 2.0
    assert (found.low[0], found.high[0]) == pytest.approx((4.0 - half, 4.0 + half), abs=1e-12)
    wl, wh = _wilson(3, 4, Z95)
    assert (found.low[1], found.high[1]) == pytest.approx((wl, wh), abs=1e-12)
    assert np.isnan(found.low[2:]).all() and np.isnan(found.high[2:]).all()


def test_binary_column_as_a_mean_when_asked() -> None:
    values = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    found = mean_intervals(values, binary_as_rate=False)
    assert found.method == ["t"]
    sd = float(np.std(values, ddof=1))
    half = scipy_stats.t.ppf(0.975, 4) * sd / math.sqrt(5)
    assert (found.low[0], found.high[0]) == pytest.approx((0.6 - half, 0.6 + half), abs=1e-12)


def _reference_studentized(values: np.ndarray, n_resamples: int, seed: int) -> tuple[float, float]:
    means, ses = _reference_moments(values[:, None], n_resamples, seed)
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(values.size))
    pivots = (means[:, 0] - mean) / ses[:, 0]
    low_q, high_q = np.quantile(pivots, [0.025, 0.975])
    return mean - high_q * se, mean - low_q * se


def test_studentized_bounds_equal_a_direct_bootstrap_t() -> None:
    values = np.random.default_rng(11).lognormal(0.0, 1.0, 14)
    mean, low, high = bootstrap_mean_ci(values, n_resamples=60, seed=3)
    ref_low, ref_high = _reference_studentized(values, 60, 3)
    assert mean == pytest.approx(float(values.mean()), abs=1e-12)
    assert (low, high) == pytest.approx((ref_low, ref_high), rel=1e-9)
    found = mean_intervals(np.column_stack([values, values * 2]), n_resamples=60, seed=3)
    assert found.method == ["studentized bootstrap"] * 2
    assert (found.low[1], found.high[1]) == pytest.approx((2 * ref_low, 2 * ref_high), rel=1e-9)


def test_heavily_tied_values_fall_back_to_t() -> None:
    values = np.array([0.0] * 11 + [5.0])  # many resamples have no spread: infinite pivots
    found = mean_intervals(values, n_resamples=200, seed=0)
    assert found.method == ["t"]
    sd = float(np.std(values, ddof=1))
    half = scipy_stats.t.ppf(0.975, 11) * sd / math.sqrt(12)
    assert (found.low[0], found.high[0]) == pytest.approx(
        (values.mean() - half, values.mean() + half), abs=1e-12
    )


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.27753),
        (3, 10, 0.10779, 0.60322),
        (10, 10, 0.72247, 1.0),
        (1, 2, 0.09453, 0.90547),
    ],
)
def test_wilson_published_values(k: int, n: int, low: float, high: float) -> None:
    found = wilson_ci(k, n)
    assert (float(found[0]), float(found[1])) == pytest.approx((low, high), abs=1e-5)


def test_wilson_at_another_confidence_and_zero_n() -> None:
    z90 = scipy_stats.norm.ppf(0.95)
    found = wilson_ci(np.array([2, 7]), np.array([9, 9]), 0.9)
    for i, k in enumerate((2, 7)):
        assert (found[0][i], found[1][i]) == pytest.approx(_wilson(k, 9, z90), abs=1e-12)
    with np.errstate(invalid="ignore"):
        low, high = wilson_ci(0, 0)
    assert np.isnan(low) and np.isnan(high)


def _newcombe(both: int, only_a: int, only_b: int, neither: int) -> tuple[float, float]:
    n = both + only_a + only_b + neither
    p1, p2 = (both + only_a) / n, (both + only_b) / n
    l1, u1 = _wilson(both + only_a, n, Z95)
    l2, u2 = _wilson(both + only_b, n, Z95)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    cross = both * neither - only_a * only_b
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(margins) if margins else 0.0
    lower = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0))
    upper = math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0))
    return p1 - p2 - lower, p1 - p2 + upper


def _pairs(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = [1] * both + [1] * only_a + [0] * only_b + [0] * neither
    b = [1] * both + [0] * only_a + [1] * only_b + [0] * neither
    return np.array(a), np.array(b)


@pytest.mark.parametrize(
    "table",
    [(12, 9, 2, 21), (5, 0, 0, 5), (0, 3, 1, 0), (7, 2, 6, 1), (3, 3, 3, 3), (1, 0, 4, 9)],
)
def test_paired_rate_difference_against_newcombe_by_hand(
    table: tuple[int, int, int, int],
) -> None:
    a, b = _pairs(*table)
    found = paired_rate_difference_ci(a, b)
    assert found == pytest.approx(_newcombe(*table), abs=1e-12)


def test_paired_rate_difference_of_nothing() -> None:
    assert np.isnan(paired_rate_difference_ci(np.array([]), np.array([]))).all()


def test_paired_difference_routes_by_kind() -> None:
    a, b = _pairs(12, 9, 2, 21)
    low, high, method = paired_difference_ci(a.astype(float), b.astype(float))
    assert method == "Newcombe paired"
    assert (low, high) == pytest.approx(_newcombe(12, 9, 2, 21), abs=1e-12)
    first = np.array([3.0, 5.0, 4.0, np.nan, 8.0])
    second = np.array([1.0, 1.0, 2.0, 0.0, 3.0])
    low, high, method = paired_difference_ci(first, second)
    diffs = np.array([2.0, 4.0, 2.0, 5.0])
    half = scipy_stats.t.ppf(0.975, 3) * float(np.std(diffs, ddof=1)) / 2.0
    assert method == "t"
    assert (low, high) == pytest.approx((3.25 - half, 3.25 + half), abs=1e-12)


def test_paired_difference_equal_in_every_pair_and_its_edges() -> None:
    first = np.array([1.5, 2.5, 3.5])
    assert paired_difference_ci(first, first - 0.25) == pytest.approx(
        (0.25, 0.25, "all pairs equal")
    )
    big = np.array([1e9, 2e9])
    found = paired_difference_ci(big + 0.5, big)  # rounding below 1e-9 of the size
    assert found[2] == "all pairs equal"
    one = paired_difference_ci(np.array([2.0]), np.array([0.5]))
    assert one[2] == "none (n < 2)"
    spread = paired_difference_ci(np.array([1.0, 2.0]), np.array([0.0, 0.0]) + 1e-3)
    assert spread[2] == "t"


def test_chunks_follow_the_cell_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intervals, "_MAX_CELLS", 10)
    shapes = [c.shape for c in bootstrap_indices(20, 3, np.random.default_rng(0))]
    assert shapes == [(1, 20), (1, 20), (1, 20)]  # fewer cells than a row: one row a chunk
    shapes = [c.shape for c in bootstrap_indices(1, 12, np.random.default_rng(0))]
    assert shapes == [(10, 1), (2, 1)]
    shapes = [c.shape for c in bootstrap_indices(3, 7, np.random.default_rng(0))]
    assert shapes == [(3, 3), (3, 3), (1, 3)]


def test_moments_over_several_chunks_equal_a_direct_computation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intervals, "_MAX_CELLS", 20)
    matrix = np.random.default_rng(8).normal(0.0, 1.0, (6, 2))
    matrix[2, 1] = np.nan
    chunks = list(bootstrap_indices(6, 7, np.random.default_rng(4)))
    assert len(chunks) == 3
    draws = np.concatenate(chunks)
    means, ses = intervals._bootstrap_moments(matrix, 7, 4, True)
    assert ses is not None
    for r, rows in enumerate(draws):
        for j in range(2):
            picked = matrix[rows, j]
            picked = picked[~np.isnan(picked)]
            assert means[r, j] == pytest.approx(picked.mean(), abs=1e-12)
            assert ses[r, j] == pytest.approx(
                picked.std(ddof=1) / math.sqrt(picked.size), abs=1e-12
            )


def test_moments_are_exact_far_from_zero() -> None:
    """Centring keeps the sum-of-squares variance exact for values with a large offset."""
    rng = np.random.default_rng(9)
    matrix = np.column_stack([1e8 + rng.normal(0.0, 0.01, 12), rng.normal(0.0, 0.01, 12)])
    means, ses = intervals._bootstrap_moments(matrix, 25, 1, True)
    ref_means, ref_ses = _reference_moments(matrix, 25, 1)
    assert ses is not None
    assert np.allclose(means, ref_means, rtol=1e-12, atol=0)
    assert np.allclose(ses, ref_ses, rtol=1e-6, atol=0)


def test_missing_values_given_as_none_are_missing() -> None:
    with_none = np.array([1.0, None, 4.0, 2.0, 8.0], dtype=object)
    with_nan = np.array([1.0, np.nan, 4.0, 2.0, 8.0])
    assert np.array_equal(
        bootstrap_column_means(with_none, 20, 1), bootstrap_column_means(with_nan, 20, 1)
    )
    assert bootstrap_mean_ci(with_none) == bootstrap_mean_ci(with_nan)
    found = mean_intervals(with_none)
    assert (found.n[0], found.mean[0], found.method) == (4, 3.75, ["t"])
    first = np.array([3.0, None, 5.0, 9.0], dtype=object)
    second = np.array([1.0, 1.0, None, 2.0], dtype=object)
    low, high, method = paired_difference_ci(first, second)
    half = scipy_stats.t.ppf(0.975, 1) * float(np.std([2.0, 7.0], ddof=1)) / math.sqrt(2)
    assert method == "t"
    assert (low, high) == pytest.approx((4.5 - half, 4.5 + half), abs=1e-12)


def test_percentile_interval_of_one_value_and_of_columns() -> None:
    low, high = percentile_interval(np.array([[3.0]]))
    assert (low.tolist(), high.tolist()) == ([3.0], [3.0])
    columns = np.column_stack([np.arange(101.0), 1000.0 + np.arange(101.0)])
    low, high = percentile_interval(columns, 0.5)
    assert low == pytest.approx([25.0, 1025.0]) and high == pytest.approx([75.0, 1075.0])


def test_a_constant_column_beside_others_has_no_spread() -> None:
    matrix = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]])
    assert mean_intervals(matrix).method == ["none (no spread)", "t"]


def test_wilson_columns_use_the_given_confidence() -> None:
    values = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    found = mean_intervals(values, confidence=0.8)
    z80 = scipy_stats.norm.ppf(0.9)
    assert (found.low[0], found.high[0]) == pytest.approx(_wilson(3, 5, z80), abs=1e-12)


def test_bootstrap_mean_ci_treats_zero_one_values_as_numbers() -> None:
    values = [0.0, 1.0, 1.0, 0.0, 1.0]
    mean, low, high = bootstrap_mean_ci(values)
    half = scipy_stats.t.ppf(0.975, 4) * float(np.std(values, ddof=1)) / math.sqrt(5)
    assert (mean, low, high) == pytest.approx((0.6, 0.6 - half, 0.6 + half), abs=1e-12)


def test_wilson_bounds_stay_inside_zero_and_one_exactly() -> None:
    """Rounding leaves the raw bounds 1e-17 outside [0, 1] for some n (21, 16, …)."""
    n = np.arange(1, 120)
    low, _ = wilson_ci(np.zeros_like(n), n)
    _, high = wilson_ci(n, n)
    assert (low >= 0.0).all() and (high <= 1.0).all()
    assert low.max() < 1e-15 and high.min() > 1.0 - 1e-15


@pytest.mark.parametrize("table", [(4, 2, 2, 2), (0, 1, 1, 0), (3, 2, 0, 0), (0, 0, 2, 3)])
def test_newcombe_corrections_at_their_edges(table: tuple[int, int, int, int]) -> None:
    """cross between n/3 and n/2 (no correction), margins of 1 and 0 (phi −1 and 0)."""
    a, b = _pairs(*table)
    found = paired_rate_difference_ci(a.astype(bool), b.astype(bool))
    assert found == pytest.approx(_newcombe(*table), abs=1e-12)
    assert np.isfinite(found).all()
    as_floats = paired_rate_difference_ci(a.astype(float), b.astype(float))
    assert as_floats == pytest.approx(found, abs=1e-12)


def test_paired_difference_needs_both_sides_binary_for_newcombe() -> None:
    first = np.array([0.0, 1.0, 1.0, 0.0])
    second = np.array([0.5, 0.25, 0.75, 0.5])
    assert paired_difference_ci(first, second)[2] == "t"
    assert paired_difference_ci(second, first)[2] == "t"
    a, b = _pairs(7, 2, 6, 1)
    low, high, _ = paired_difference_ci(a.astype(float), b.astype(float), 0.8)
    assert (low, high) != pytest.approx(paired_rate_difference_ci(a == 1, b == 1), abs=1e-6)
    assert (low, high) == pytest.approx(paired_rate_difference_ci(a == 1, b == 1, 0.8), abs=1e-12)


def test_paired_difference_equal_pairs_threshold() -> None:
    equal = paired_difference_ci(np.array([0.0, 1e-9]), np.array([0.0, 0.0]))
    assert equal == pytest.approx((5e-10, 5e-10, "all pairs equal"))
    apart = paired_difference_ci(np.array([0.0, 1.5e-9]), np.array([0.0, 0.0]))
    assert apart[2] == "t"
    large = paired_difference_ci(np.array([1000.0, 1000.0000001]), np.array([0.0, 0.0]))
    assert large[2] == "all pairs equal"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf − inf
        both_infinite = paired_difference_ci(
            np.array([np.inf, 3.0, 4.0, 5.0]), np.array([np.inf, 1.0, 2.0, 3.0])
        )
    assert both_infinite == pytest.approx((2.0, 2.0, "all pairs equal"))


def test_paired_difference_passes_resamples_and_seed_and_never_uses_wilson() -> None:
    rng = np.random.default_rng(12)
    first = rng.normal(5.0, 2.0, 14)
    second = rng.normal(4.0, 2.0, 14)
    low, high, method = paired_difference_ci(first, second, 0.9, n_resamples=40, seed=3)
    ref = mean_intervals(first - second, 0.9, 40, 3, binary_as_rate=False)
    assert method == "studentized bootstrap"
    assert (low, high) == (ref.low[0], ref.high[0])
    base = np.arange(12.0)
    shifted = base - np.array([0.0, 1.0] * 6)  # 0/1 differences of values that are not 0/1
    low, high, method = paired_difference_ci(base, shifted, n_resamples=40, seed=3)
    assert method == "studentized bootstrap"
    ref = mean_intervals(base - shifted, n_resamples=40, seed=3, binary_as_rate=False)
    assert (low, high) == (ref.low[0], ref.high[0])


def test_degenerate_inputs_raise_no_floating_point_warnings() -> None:
    """Empty, single, constant and all-missing columns are answered without a RuntimeWarning."""
    matrix = np.array(
        [[np.nan, 1.0, 2.0, 0.0], [np.nan, np.nan, 2.0, 1.0], [np.nan, np.nan, 2.0, np.nan]]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean_intervals(matrix)
        intervals._bootstrap_moments(matrix, 30, 0, True)
        t_interval(np.array([1.0, np.nan]), np.array([0.0, np.nan]), np.array([1, 0]))
        studentized_interval(1.0, 0.0, np.array([1.0, 2.0]), np.array([0.0, 0.0]), 0.95)
        wilson_ci(np.array([0, 1]), np.array([0, 2]))
        all_ones, mixed = _pairs(3, 0, 0, 0)
        paired_rate_difference_ci(all_ones.astype(bool), mixed.astype(bool))
        tied = np.array([0.0] * 11 + [5.0])
        mean_intervals(tied, n_resamples=200)


def test_infinite_resamples_give_no_bound_and_no_warning() -> None:
    """numpy's interpolation between finite and infinite resamples is inf − inf: the bounds
    are NaN, and the RuntimeWarning stays inside (pytest makes warnings errors)."""
    low, high = percentile_interval(np.array([[1.0], [np.inf], [np.inf]]), 0.5)
    assert np.isnan(low[0]) and np.isnan(high[0])
