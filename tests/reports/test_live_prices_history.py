"""A live price is recorded with the time it was read (issue 26.2): `history` must not call
that a price change. Nightly runs at one live rate show no price drift; a changed rate does."""

from __future__ import annotations

import json
from pathlib import Path

from history_helpers import write_history

from vidbench.reports.history import load_history
from vidbench.reports.history_changes import find_changes


def _live(usd_per_second: float, day: int) -> dict[str, object]:
    return {
        "price": {"source": "live", "usd_per_second": usd_per_second, "unit": "video_second",
                  "fetched_at": f"2026-12-{day:02d}T02:00:00Z",
                  "endpoint": "https://api.fal.ai/v1/models/pricing"},
        "adapter": "fal", "list_price": "USD 0.0112 / 1k tokens", "override": None,
    }  # fmt: skip


def _set_prices(paths: list[Path], rate_of_run: list[float]) -> None:
    for day, (path, rate) in enumerate(zip(paths, rate_of_run, strict=True), start=1):
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        manifest["prices"] = {"alpha": _live(rate, day), "beta": _live(0.3, day)}
        (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_a_live_price_read_each_night_is_not_a_price_drift(tmp_path: Path) -> None:
    paths = write_history(tmp_path, n_runs=4, drop_at=None, price_cut_at=None)
    _set_prices(paths, [0.2419] * 4)
    _, drifts = find_changes(load_history([tmp_path]))
    assert [d for d in drifts if d.kind == "price"] == []


def test_a_changed_live_rate_is_a_price_drift(tmp_path: Path) -> None:
    paths = write_history(tmp_path, n_runs=4, drop_at=None, price_cut_at=None)
    _set_prices(paths, [0.2419, 0.2419, 0.2, 0.2])
    _, drifts = find_changes(load_history([tmp_path]))
    price = [d for d in drifts if d.kind == "price"]
    assert [(d.model, d.after_run[:16]) for d in price] == [("alpha", "nightly-20261103")]
    assert json.loads(price[0].after)["price"]["usd_per_second"] == 0.2
    assert "fetched_at" not in price[0].after
