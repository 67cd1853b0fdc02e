"""Alibaba Wan (DashScope async video synthesis): adapter, wire functions and simulator."""

from vidbench.adapters.wan.adapter import WanAdapter
from vidbench.adapters.wan.sim import SIMULATOR

ADAPTER = WanAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
