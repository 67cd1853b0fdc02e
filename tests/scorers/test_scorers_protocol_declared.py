"""Every built-in metric declares how it is measured (issue 11, build 1)."""

from __future__ import annotations

import pytest

from vidbench.core.scorers.base import ScorerContext
from vidbench.core.scorers.registry import BUILTIN_SCORERS, scorer_class


@pytest.mark.parametrize("name", list(BUILTIN_SCORERS))
def test_every_builtin_output_declares_a_protocol(name: str) -> None:
    scorer = scorer_class(name).create(ScorerContext())
    described = scorer.describe()["outputs"]
    for column in scorer.outputs:
        protocol = scorer.protocol_for(column)
        assert protocol is not None, f"{name}.{column} declares no protocol"
        assert protocol.frames and protocol.model, (name, column)
        assert protocol.comparable_with or protocol.differences, (name, column)
        assert described[column]["protocol"] == protocol.to_dict()  # as scorers.json shows it
