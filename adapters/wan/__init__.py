"""Alibaba Wan (DashScope async video synthesis): adapter, wire functions and simulator."""

from adapters.wan.adapter import WanAdapter
from adapters.wan.sim import SIMULATOR

ADAPTER = WanAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
