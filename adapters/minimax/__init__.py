"""MiniMax Hailuo (create → query → file retrieve): adapter, wire functions and simulator."""

from adapters.minimax.adapter import MiniMaxAdapter
from adapters.minimax.sim import SIMULATOR

ADAPTER = MiniMaxAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
