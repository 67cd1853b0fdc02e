"""Run in every Ray worker of the executor tests: register the tiny random CLIP config."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from scorer_helpers import TINY, TINY_CONFIG


def register_tiny() -> None:
    """open_clip knows a model by config; the tests' tiny one exists only once registered."""
    import open_clip

    folder = Path(tempfile.mkdtemp(prefix="vidbench-tiny-clip-"))
    (folder / f"{TINY}.json").write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(folder / f"{TINY}.json")
