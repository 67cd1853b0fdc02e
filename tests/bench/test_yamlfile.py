"""Loading users' YAML is bounded: alias bombs, deep nesting and huge files are Problems."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from vidbench.core.config import yamlfile
from vidbench.core.config.yamlfile import load_yaml
from vidbench.core.seam.errors import ValidationFailed


def alias_bomb(levels: int, fan_out: int) -> str:
    """The 'billion laughs' shape: each level lists the previous one `fan_out` times."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ",".join([f"*a{level - 1}"] * fan_out)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int, fan_out: int) -> str:
    """The same blow-up through merge keys (`<<`), which PyYAML flattens while constructing."""
    lines = ["m0: &m0 {k0: 1}"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*m{level - 1}"] * fan_out)
        lines.append(f"m{level}: &m{level} {{<<: [{refs}], k{level}: 1}}")
    return "\n".join(lines) + "\n"


def problem_text(path: Path) -> str:
    with pytest.raises(ValidationFailed) as info:
        load_yaml(path)
    return str(info.value)


def test_a_500_byte_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(9, 9), encoding="utf-8")  # 9**9 ≈ 387 million strings
    assert len(path.read_bytes()) < 600
    started = time.monotonic()
    text = problem_text(path)
    assert time.monotonic() - started < 5
    assert "bomb.yaml" in text and "(size)" in text and "anchors and aliases" in text


def test_a_moderate_alias_bomb_is_refused(tmp_path: Path) -> None:
    # 8**7 ≈ 2 million nodes once expanded: loads (slowly) without the bound, so this shows it.
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(7, 8), encoding="utf-8")
    assert f"more than {yamlfile.MAX_YAML_NODES} nodes" in problem_text(path)


def test_a_merge_key_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(merge_bomb(7, 8), encoding="utf-8")
    assert "(size)" in problem_text(path)


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n", encoding="utf-8")
    assert "(size)" in problem_text(path)


def test_deep_nesting_is_a_problem_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    text = problem_text(path)
    assert f"nested deeper than {yamlfile.MAX_YAML_DEPTH} levels" in text
    assert "deep.yaml:1" in text


def test_too_many_plain_nodes_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "MAX_YAML_NODES", 100)
    path = tmp_path / "many.yaml"
    path.write_text("[" + ",".join(["1"] * 200) + "]\n", encoding="utf-8")
    assert "more than 100 nodes" in problem_text(path)


def test_a_file_above_the_size_cap_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * yamlfile.MAX_YAML_BYTES + b"\n")
    assert f"larger than {yamlfile.MAX_YAML_BYTES} bytes" in problem_text(path)


def test_a_directory_is_a_problem(tmp_path: Path) -> None:
    assert "a directory" in problem_text(tmp_path)


def test_ordinary_anchors_still_work_and_lines_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(
        "base: &base {resolution: 720p, audio: true}\n"
        "models:\n"
        "  - id: a\n"
        "    params: *base\n"
        "  - id: b\n"
        "    params: {<<: *base, audio: false}\n",
        encoding="utf-8",
    )
    data, lines = load_yaml(path)
    assert data["models"][0]["params"] == {"resolution": "720p", "audio": True}
    assert data["models"][1]["params"] == {"resolution": "720p", "audio": False}
    assert lines[("models", 1, "id")] == 5
    assert lines[("models", 0, "params")] == 4
    assert lines[("models", 0, "params", "resolution")] == 1  # the anchor's line


def test_empty_file_loads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert load_yaml(path) == (None, {})
