"""A test-only provider, "contract_toy", registered the way a third-party package would be:
through the `vidbench.adapters` entry point (tests/adapters/test_contract.py writes the
entry point). It exports `ADAPTER` and `SIMULATOR` and nothing else, and gets the adapter
contract test without any edit to vidbench."""

from contract_provider.adapter import ToyAdapter
from contract_provider.sim import SIMULATOR

ADAPTER = ToyAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
