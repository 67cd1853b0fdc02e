"""history.csv's intervals are the report's: Wilson for rates, never zero-width at 20/20 or 0/20."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from history_helpers import write_history

from vidbench.cli.app import main
from vidbench.reports.history_intervals import run_intervals


def moments(values: np.ndarray, metric: str) -> pd.DataFrame:
    """Rows as DuckDB gives them: n, mean, sd, binary, min, max per group (one group per row)."""
    return pd.DataFrame(
        {
            "metric": metric,
            "n": values.shape[1],
            "mean": values.mean(axis=1),
            "sd": values.std(axis=1, ddof=1),
            "binary": np.isin(values, (0.0, 1.0)).all(axis=1),
            "min": values.min(axis=1),
            "max": values.max(axis=1),
        }
    )


def test_all_and_none_of_twenty_get_wilson_intervals_not_zero_width() -> None:
    table = moments(np.array([[1.0] * 20, [0.0] * 20]), "usable_rate")
    low, high, methods = run_intervals(table, {})
    assert methods == ["Wilson", "Wilson"]
    assert abs(low[0] - 0.8389) < 1e-4  # Wilson, 20/20
    assert high[0] == 1.0 and low[1] == 0.0 and abs(high[1] - 0.1611) < 1e-4


def test_wilson_covers_a_rate_of_point_nine_at_twenty() -> None:
    rng = np.random.default_rng(7)
    draws = (rng.random((4000, 20)) < 0.9).astype(float)
    low, high, _ = run_intervals(moments(draws, "usable_rate"), {})
    coverage = float(np.mean((low <= 0.9) & (high >= 0.9)))
    assert coverage >= 0.93, coverage  # mean ± 1.96·sd/√n covered .878 on these draws


def test_a_mean_without_spread_gets_no_interval_and_bounds_hold() -> None:
    table = moments(
        np.array([[0.5] * 10, [0.99, 0.98, 1.0, 0.97, 1.0, 0.99, 1.0, 0.96, 1.0, 1.0]]), "x"
    )
    low, high, methods = run_intervals(table, {"x": (0.0, 1.0)})
    assert methods[0] == "none (no spread)" and np.isnan(low[0]) and np.isnan(high[0])
    assert methods[1] == "t" and low[1] < 0.99 < high[1] <= 1.0


def test_history_csv_has_no_zero_width_rate_interval(tmp_path: Path) -> None:
    write_history(tmp_path / "runs", n_runs=2, drop_at=None, price_cut_at=None)
    out = tmp_path / "history"
    assert main(["history", str(tmp_path / "runs"), "--out", str(out), "--no-plots"]) == 0
    table = pd.read_csv(out / "history.csv")
    rates = table[table["metric"].isin(["usable_rate", "failure_rate"])]
    assert set(rates["mean"]) == {0.0, 1.0} and (rates["interval"] == "Wilson").all()
    assert (rates["ci_high"] > rates["ci_low"]).all()
    assert (rates["ci_low"] >= 0).all() and (rates["ci_high"] <= 1).all()
