"""fal.ai's queue API (a gateway: its models are a catalogue): adapter, wire functions, simulator."""

from vidbench.adapters.fal.adapter import FalAdapter
from vidbench.adapters.fal.sim import SIMULATOR

ADAPTER = FalAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
