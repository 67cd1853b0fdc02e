"""MiniMax Hailuo (create → query → file retrieve): adapter, wire functions and simulator."""

from vidbench.adapters.minimax.adapter import MiniMaxAdapter
from vidbench.adapters.minimax.sim import SIMULATOR

ADAPTER = MiniMaxAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
