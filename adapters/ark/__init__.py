"""Seedance on Volcengine Ark (create → get / list → delete): adapter, wire functions, simulator."""

from vidbench.adapters.ark.adapter import ArkAdapter
from vidbench.adapters.ark.sim import SIMULATOR

ADAPTER = ArkAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
