"""Config validation: every problem listed at once, with file, line, field and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbench.core.config.config import load_config
from vidbench.core.seam.errors import ValidationFailed

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "suite.yaml").write_text(
        "suite: t\nprompts:\n  - {id: p1, category: motion, text: a red ball rolls}\n",
        encoding="utf-8",
    )
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_configs_validate() -> None:
    for name in ("demo.yaml", "seedance-2-vs-fast.yaml", "five-models.yaml"):
        loaded = load_config(REPO / "configs" / name)
        assert loaded.config.models


def test_every_problem_is_listed_with_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """name: t
suite: suite.yaml
sampels: 2
scorers: [clip_alignmnt]
models:
  - id: a
    adapter: arc
    model: doubao-seedance-2-0-260128
  - id: b
    adapter: ark
    model: doubao-seedance-2-0-260128
    simulate: fastt-default
""",
    )
    with pytest.raises(ValidationFailed) as info:
        load_config(path)
    text = str(info.value)
    assert "config.yaml:3: sampels: unknown key" in text
    assert "did you mean 'clip_alignment'" in text
    # Model checks run after the schema passes; fix the schema errors and the rest show.
    path = write(
        tmp_path,
        """name: t
suite: suite.yaml
models:
  - id: a
    adapter: arc
    model: doubao-seedance-2-0-260128
  - id: b
    adapter: ark
    model: doubao-seedance-2-0-260128
    simulate: fastt-default
  - id: c
    adapter: ark
    model: doubao-seedance-9
""",
    )
    with pytest.raises(ValidationFailed) as info:
        load_config(path)
    text = str(info.value)
    assert "models[0].adapter" in text and "did you mean 'ark'" in text
    assert "models[1].simulate" in text and "fast-default" in text
    assert "models[2].model" in text and "unknown model" in text
    assert "config.yaml:5" in text


def test_missing_suite_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "name: t\nsuite: nope.yaml\nmodels:\n  - {id: a, adapter: ark, model: doubao-seedance-2-0-260128}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match="suite file not found: nope.yaml"):
        load_config(path)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: t\nmodels: [\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="c.yaml:"):
        load_config(path)
