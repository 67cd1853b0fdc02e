"""Veo on the Gemini Developer API (retired there): adapter, wire functions and simulator."""

from vidbench.adapters.veo.adapter import VeoAdapter
from vidbench.adapters.veo.sim import SIMULATOR

ADAPTER = VeoAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
