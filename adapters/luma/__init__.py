"""Luma's Agents API (`ray-3.2`): adapter, wire functions, simulator."""

from vidbench.adapters.luma.adapter import LumaAdapter
from vidbench.adapters.luma.sim import SIMULATOR

ADAPTER = LumaAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
