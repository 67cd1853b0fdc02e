"""Gemini Omni Flash video (Interactions API, Gemini key): adapter, wire functions, simulator."""

from vidbench.adapters.gemini_omni.adapter import GeminiOmniAdapter
from vidbench.adapters.gemini_omni.sim import SIMULATOR

ADAPTER = GeminiOmniAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
