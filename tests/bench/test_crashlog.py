"""Exit 5's traceback goes into the run directory (or a private temp folder), as a new file
that no planted symlink can redirect."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidbench.cli import crashlog
from vidbench.cli.app import main
from vidbench.core.store.store import RunDir


@pytest.fixture(autouse=True)
def no_remembered_run() -> Iterator[None]:
    crashlog.forget_run_dir()
    yield
    crashlog.forget_run_dir()


def test_the_log_goes_into_the_remembered_run_directory(tmp_path: Path) -> None:
    crashlog.remember_run_dir(tmp_path)
    path = crashlog.write_crash_log("Traceback: boom\n")
    assert path.parent == tmp_path and path.name.startswith("vidbench-error-")
    assert path.read_text(encoding="utf-8") == "Traceback: boom\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_without_a_run_directory_the_log_goes_to_a_private_temp_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("VIDBENCH_LOG_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    path = crashlog.write_crash_log("x")
    assert path.parent.parent == tmp_path and path.parent.name.startswith("vidbench-")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_planted_symlink_is_neither_followed_nor_overwritten(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    # The name the old code always wrote to, planted as a symlink by another local user.
    (shared / "vidbench-error.log").symlink_to(victim)
    monkeypatch.setenv("VIDBENCH_LOG_DIR", str(shared))
    paths = {crashlog.write_crash_log(f"trace {i}") for i in range(3)}
    assert victim.read_text(encoding="utf-8") == "precious"
    assert len(paths) == 3  # a new file each time, never an existing one
    for path in paths:
        assert not path.is_symlink() and path.name != "vidbench-error.log"


def test_an_internal_error_in_report_logs_inside_the_run_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_manifest({"name": "t"})
    monkeypatch.setenv("VIDBENCH_LOG_DIR", str(tmp_path / "elsewhere"))

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the report")

    import vidbench.cli.stages

    monkeypatch.setattr(vidbench.cli.stages, "report_stage", boom)
    monkeypatch.setattr("vidbench.cli.app.report_stage", boom)
    assert main(["report", str(run.path)]) == 5
    logs = list(run.path.glob("vidbench-error-*.log"))
    assert len(logs) == 1 and "a bug in the report" in logs[0].read_text(encoding="utf-8")
    assert str(logs[0]) in capsys.readouterr().err.replace("\n", "")
    assert not (tmp_path / "elsewhere").exists() or not os.listdir(tmp_path / "elsewhere")


def test_a_crash_outside_a_run_never_writes_through_a_planted_symlink(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (shared / "vidbench-error.log").symlink_to(victim)
    monkeypatch.setenv("VIDBENCH_LOG_DIR", str(shared))

    def boom(*args: object) -> None:
        raise RuntimeError("a bug listing models")

    monkeypatch.setattr("vidbench.cli.app.views.print_models", boom)
    assert main(["models"]) == 5
    assert victim.read_text(encoding="utf-8") == "precious"
    logs = [p for p in shared.iterdir() if not p.is_symlink()]
    assert len(logs) == 1 and "a bug listing models" in logs[0].read_text(encoding="utf-8")
