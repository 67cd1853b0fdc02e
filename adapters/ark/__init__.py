"""Seedance on Volcengine Ark (create → get / list → delete): adapter, wire functions, simulator."""

from adapters.ark.adapter import ArkAdapter
from adapters.ark.sim import SIMULATOR

ADAPTER = ArkAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
