"""Veo 3.1 on Vertex AI (service-account OAuth): adapter, wire functions and simulator."""

from vidbench.adapters.vertex_veo.adapter import VertexVeoAdapter
from vidbench.adapters.vertex_veo.sim import SIMULATOR

ADAPTER = VertexVeoAdapter
# For tests/adapters/test_contract.py: a create names a Google Cloud project and region.
CONTRACT_EXAMPLE = {"params": {"project": "sim-project", "location": "us-central1"}}

__all__ = ["ADAPTER", "CONTRACT_EXAMPLE", "SIMULATOR"]
