"""Replicate predictions (a gateway: official models by owner/name): adapter, wire, simulator."""

from vidbench.adapters.replicate.adapter import ReplicateAdapter
from vidbench.adapters.replicate.sim import SIMULATOR

ADAPTER = ReplicateAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
