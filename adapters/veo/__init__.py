"""Veo on the Gemini Developer API (retired there): adapter, wire functions and simulator."""

from adapters.veo.adapter import VeoAdapter
from adapters.veo.sim import SIMULATOR

ADAPTER = VeoAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
