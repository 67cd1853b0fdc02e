"""Veo on the Gemini Developer API (retired there): adapter, wire functions and simulator."""

from vidbench.adapters.veo.adapter import VeoAdapter
from vidbench.adapters.veo.sim import SIMULATOR

ADAPTER = VeoAdapter
# For tests/adapters/test_contract.py: every id is retired (a create answers ModelGone), so
# the contract rehearses the API as it was, with the simulator's documented switch.
CONTRACT_EXAMPLE = {
    "provider_model": "veo-3.1-fast-generate-preview",
    "sim_settings": {"retired_models": ()},
}

__all__ = ["ADAPTER", "CONTRACT_EXAMPLE", "SIMULATOR"]
