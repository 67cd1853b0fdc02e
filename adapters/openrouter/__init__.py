"""OpenRouter's video API (a gateway: its models are a catalogue): adapter, wire functions,
simulator."""

from vidbench.adapters.openrouter.adapter import OpenRouterAdapter
from vidbench.adapters.openrouter.sim import SIMULATOR

ADAPTER = OpenRouterAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
