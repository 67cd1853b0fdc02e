"""Veo 3.1 on Vertex AI (service-account OAuth): adapter, wire functions and simulator."""

from vidbench.adapters.vertex_veo.adapter import VertexVeoAdapter
from vidbench.adapters.vertex_veo.sim import SIMULATOR

ADAPTER = VertexVeoAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
