"""Metric ranges for intervals: per-column bounds, the scale that respects them, clipping.

A metric declares its range (`Output.bounds`: low, high, None for an open end). An interval
for its mean is computed on a scale on which the range is the whole line — logit for a
range closed at both ends, log of the distance to the one closed end otherwise — and
mapped back, so it can never leave the range; it is clipped as well, against rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from vidbench.core.scorers.base import UNBOUNDED, Bounds

# One pair for every column, or one pair per column; None: no range declared.
BoundsSpec = Bounds | Sequence[Bounds] | None


class ColumnBounds(NamedTuple):
    """Per column: the low and high ends (−inf / +inf where open)."""

    low: np.ndarray
    high: np.ndarray

    @property
    def both(self) -> np.ndarray:
        """Columns closed at both ends (the logit scale)."""
        return np.isfinite(self.low) & np.isfinite(self.high)

    @property
    def low_only(self) -> np.ndarray:
        """Columns closed below only (log of the distance to the low end)."""
        return np.isfinite(self.low) & ~np.isfinite(self.high)

    @property
    def high_only(self) -> np.ndarray:
        """Columns closed above only (log of the distance to the high end)."""
        return ~np.isfinite(self.low) & np.isfinite(self.high)

    def scale_names(self) -> list[str]:
        """Per column: 'logit', 'log' or '' (the values' own scale)."""
        return [
            "logit" if both else "log" if low or high else ""
            for both, low, high in zip(self.both, self.low_only, self.high_only, strict=True)
        ]


def column_bounds(bounds: BoundsSpec, k: int) -> ColumnBounds:
    """(low, high) arrays of length k from one pair, k pairs or None (open at both ends)."""
    if bounds is None:
        pairs: Sequence[Bounds] = [UNBOUNDED] * k
    elif len(bounds) == 2 and not isinstance(bounds[0], tuple | list):
        pairs = [bounds] * k  # type: ignore[list-item]
    else:
        pairs = list(bounds)  # type: ignore[arg-type]
    if len(pairs) != k:
        raise ValueError(f"{len(pairs)} bounds for {k} columns")
    low = np.array([-np.inf if p[0] is None else float(p[0]) for p in pairs], dtype=np.float64)
    high = np.array([np.inf if p[1] is None else float(p[1]) for p in pairs], dtype=np.float64)
    return ColumnBounds(low, high)


def as_pairs(bounds: ColumnBounds) -> list[Bounds]:
    """The per-column (low, high) pairs, None for an open end (the form `column_bounds` reads)."""
    return [
        (None if np.isinf(low) else float(low), None if np.isinf(high) else float(high))
        for low, high in zip(bounds.low, bounds.high, strict=True)
    ]


def widened_to(bounds: ColumnBounds, matrix: np.ndarray) -> ColumnBounds:
    """The bounds, widened to every value present: an interval never excludes the data, even
    when a declaration is wrong for them."""
    with np.errstate(invalid="ignore"):
        low = np.fmin(bounds.low, np.nanmin(matrix, axis=0, initial=np.inf))
        high = np.fmax(bounds.high, np.nanmax(matrix, axis=0, initial=-np.inf))
    return ColumnBounds(low, high)


def difference_bounds(bounds: ColumnBounds) -> ColumnBounds:
    """The range of a − b for a, b in [low, high]: (low − high, high − low), open if either is."""
    width = bounds.high - bounds.low
    return ColumnBounds(-width, width)


def clip(low: np.ndarray, high: np.ndarray, bounds: ColumnBounds) -> tuple[np.ndarray, np.ndarray]:
    """Both ends held inside the range (NaN stays NaN)."""
    return np.clip(low, bounds.low, bounds.high), np.clip(high, bounds.low, bounds.high)


def _safe(bounds: ColumnBounds) -> tuple[np.ndarray, np.ndarray]:
    """Ends with the open ones replaced by 0, for arithmetic that np.where later discards."""
    return (
        np.where(np.isfinite(bounds.low), bounds.low, 0.0),
        np.where(np.isfinite(bounds.high), bounds.high, 0.0),
    )


def to_scale(mean: np.ndarray, bounds: ColumnBounds) -> tuple[np.ndarray, np.ndarray]:
    """(g(mean), g'(mean)) per column: logit, log or the identity, as the range calls for."""
    low, high = _safe(bounds)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        above, below = mean - low, high - mean
        value = np.where(
            bounds.both,
            np.log(above) - np.log(below),
            np.where(
                bounds.low_only, np.log(above), np.where(bounds.high_only, -np.log(below), mean)
            ),
        )
        slope = np.where(
            bounds.both,
            (high - low) / (above * below),
            np.where(bounds.low_only, 1 / above, np.where(bounds.high_only, 1 / below, 1.0)),
        )
    return value, slope


def from_scale(value: np.ndarray, bounds: ColumnBounds) -> np.ndarray:
    """The inverse of `to_scale`'s g, per column."""
    low, high = _safe(bounds)
    with np.errstate(over="ignore", invalid="ignore"):
        expit = 1.0 / (1.0 + np.exp(-value))
        return np.where(
            bounds.both,
            low + (high - low) * expit,
            np.where(
                bounds.low_only,
                low + np.exp(value),
                np.where(bounds.high_only, high - np.exp(-value), value),
            ),
        )
