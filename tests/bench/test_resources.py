"""Bundled suites and configs: named from anywhere, files still win."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbench.cli.app import main
from vidbench.core.config.config import load_config
from vidbench.core.config.resources import (
    bundled_configs,
    bundled_suites,
    config_path,
    data_root,
    is_suite_name,
    resolve_suite,
    suite_path,
)


def test_bundled_names() -> None:
    assert {"core", "smoke"} <= set(bundled_suites()) and "demo" in bundled_configs()
    assert suite_path("smoke") == data_root() / "prompts" / "smoke.yaml"
    assert config_path("demo").is_file()
    assert is_suite_name("core") and not is_suite_name("core.yaml") and not is_suite_name("x/core")
    with pytest.raises(FileNotFoundError, match="bundled: core, smoke"):
        suite_path("nope")


def test_a_file_of_that_name_wins_over_the_bundled_suite(tmp_path: Path) -> None:
    assert resolve_suite("core", tmp_path) == suite_path("core")
    (tmp_path / "core").write_text("suite: mine\n", encoding="utf-8")
    assert resolve_suite("core", tmp_path) == (tmp_path / "core").resolve()
    assert resolve_suite("other.yaml", tmp_path) == (tmp_path / "other.yaml").resolve()


def test_a_config_names_a_bundled_suite(tmp_path: Path) -> None:
    text = config_path("demo").read_text(encoding="utf-8").replace("../prompts/smoke.yaml", "smoke")
    (tmp_path / "c.yaml").write_text(
        text.replace("output_dir: ../runs", "output_dir: runs"), encoding="utf-8"
    )
    loaded = load_config(tmp_path / "c.yaml")
    assert loaded.suite_path == suite_path("smoke")


def test_cli_suite_option_and_validate_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "smoke"]) == 0
    assert "suite smoke" in capsys.readouterr().out
    totals = []
    for extra in ([], ["--suite", "core"]):
        assert main(["plan", str(config_path("demo")), *extra]) == 0
        total = next(line for line in capsys.readouterr().out.splitlines() if "total" in line)
        totals.append(int(total.split("│")[4]))  # the jobs column of the total row
    assert totals[1] > totals[0]  # the 90-prompt core suite, not the demo's 10-prompt smoke
    assert main(["plan", str(config_path("demo")), "--suite", "no-such-suite"]) == 2
