"""Runway's task API (its own models and resold ones): adapter, wire functions, simulator."""

from vidbench.adapters.runway.adapter import RunwayAdapter
from vidbench.adapters.runway.sim import SIMULATOR

ADAPTER = RunwayAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
