"""Kling AI (text2video / image2video with a per-request JWT): adapter, wire functions, simulator."""

from vidbench.adapters.kling.adapter import KlingAdapter
from vidbench.adapters.kling.sim import SIMULATOR

ADAPTER = KlingAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
