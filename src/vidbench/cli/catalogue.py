"""`vidbench models` as data: every known model with its capabilities, list price and the
comparable figure — USD for one 5 s 720p 16:9 clip without audio, from the model's own
pricing rule (the adapter's `estimate_cost`), so models priced in tokens, seconds or units
line up in one column. A model that cannot make that clip is priced at the nearest clip it
can make, and says which (`comparable_basis`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from vidbench.core.plan.plan import snap_ratio, snap_resolution
from vidbench.core.seam.adapter import Adapter, AdapterContext, ModelInfo
from vidbench.core.seam.lifecycle import ModelStatus
from vidbench.core.seam.types import GenerationRequest, snap_duration

COMPARABLE_DURATION_S = 5
COMPARABLE_RESOLUTION = "720p"
COMPARABLE_RATIO = "16:9"
COMPARABLE_CNY_PER_USD = 7.1  # the config default; the figure for CNY-priced models uses it
SCHEMA = "vidbench.models/1"


@dataclass(frozen=True)
class Comparable:
    """The price of the comparable clip, and the clip it was priced at."""

    usd: float | None
    duration_s: int
    resolution: str | None
    exact: bool  # False: the model cannot make a 5 s 720p clip; the nearest one was priced
    problem: str = ""  # why no figure (the pricing rule refused the request)

    def text(self) -> str:
        """The column's cell: "$0.423", "$0.600 (6 s)" or "–"."""
        if self.usd is None:
            return "–"
        if self.exact:
            return f"${self.usd:.3f}"
        return f"${self.usd:.3f} ({self.duration_s} s, {self.resolution or 'default'})"


def comparable_price(cls: type[Adapter], model_id: str, info: ModelInfo) -> Comparable:
    """USD for one 5 s 720p clip (or the nearest the model can make) by its own pricing rule."""
    caps = info.capabilities
    duration_s = snap_duration(COMPARABLE_DURATION_S, caps.durations_s)
    resolution = snap_resolution(COMPARABLE_RESOLUTION, caps)
    exact = duration_s == COMPARABLE_DURATION_S and resolution in (COMPARABLE_RESOLUTION, None)
    context = AdapterContext(model_id, cls.default_base_url, cny_per_usd=COMPARABLE_CNY_PER_USD)
    request = GenerationRequest(
        job_id="comparable",
        external_id="comparable",
        provider_model=model_id,
        text="a comparable clip",
        duration_s=duration_s,
        ratio=snap_ratio(COMPARABLE_RATIO, caps.ratios) if caps.ratios else COMPARABLE_RATIO,
        resolution=resolution,
        audio=False,
    )
    try:
        usd = cls(context, None).estimate_cost(request).usd
    except Exception as exc:  # noqa: BLE001 - one model's pricing rule must not hide the rest
        return Comparable(None, duration_s, resolution, exact, f"{type(exc).__name__}: {exc}")
    return Comparable(round(usd, 6), duration_s, resolution, exact)


def unknown_providers(wanted: list[str], known: list[str]) -> list[str]:
    """A problem line per provider name that is not an adapter ("did you mean …")."""
    out = []
    for name in wanted:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            out.append(f"unknown provider {name!r}; {hint}known: {', '.join(known)}")
    return out


def model_entry(cls: type[Adapter], model_id: str, info: ModelInfo) -> dict[str, Any]:
    """One model as the JSON document's entry (docs/cli-json.md)."""
    caps, life = info.capabilities, info.lifecycle
    comparable = comparable_price(cls, model_id, info)
    return {
        "adapter": cls.name,
        "model": model_id,
        "label": info.label,
        "status": life.status.value,
        "lifecycle": life.describe(),
        "status_source": life.cite(),
        "durations_s": list(caps.durations_s),
        "ratios": list(caps.ratios),
        "resolutions": list(caps.resolutions),
        "inputs": sorted(kind.value for kind in caps.inputs),
        "audio": caps.audio,
        "list_price": info.price_note,
        "price_source": info.price_source,
        "usd_per_comparable_clip": comparable.usd,
        "comparable_basis": {
            "duration_s": comparable.duration_s,
            "resolution": comparable.resolution,
            "exact": comparable.exact,
            **({"problem": comparable.problem} if comparable.problem else {}),
        },
        "comparable_text": comparable.text(),
    }


def catalogue(providers: list[str] | None = None, live_only: bool = False) -> dict[str, Any]:
    """Every adapter (or those named) and its models (or only live ones), as one document."""
    from vidbench.adapters.registry import adapter_names, load_adapter

    adapters, models = [], []
    for name in adapter_names():
        if providers and name not in providers:
            continue
        cls = load_adapter(name)
        adapters.append({"name": name, "default_base_url": cls.default_base_url, "note": cls.note})
        for model_id, info in cls.known_models().items():
            if live_only and info.lifecycle.status is not ModelStatus.LIVE:
                continue
            models.append(model_entry(cls, model_id, info))
    return {
        "schema": SCHEMA,
        "comparable_clip": {
            "duration_s": COMPARABLE_DURATION_S,
            "resolution": COMPARABLE_RESOLUTION,
            "ratio": COMPARABLE_RATIO,
            "audio": False,
            "cny_per_usd": COMPARABLE_CNY_PER_USD,
        },
        "adapters": adapters,
        "models": models,
    }
