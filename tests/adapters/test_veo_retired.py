"""The Gemini-API Veo adapter against today's simulator: every id is retired and says where to go."""

from __future__ import annotations

import pytest
from provider_sim_helpers import make_request, run_with, sim_server

from vidbench.adapters.veo.adapter import VeoAdapter
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter
from vidbench.core.seam.lifecycle import ModelStatus


def test_every_developer_api_id_is_retired_with_a_vertex_replacement() -> None:
    for model_id, info in VeoAdapter.known_models().items():
        assert info.lifecycle.status is ModelStatus.RETIRED, model_id
        assert "(adapter vertex_veo)" in info.lifecycle.replacement


def test_a_create_is_answered_model_gone_naming_vertex() -> None:
    async def action(adapter: Adapter) -> None:
        await adapter.submit(make_request("veo-3.1-fast-generate-preview", duration_s=4))

    with sim_server() as server, pytest.raises(errors.ModelGone) as caught:
        run_with(server, "veo", "veo-3.1-fast-generate-preview", action)
    assert caught.value.status_code == 404 and "vertex_veo" in caught.value.message
