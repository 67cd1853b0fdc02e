"""A mistyped command or option is a usage error (exit 2, usage, 'did you mean'), not a crash."""

from __future__ import annotations

import pytest

from vidbench.cli.app import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["nosuch"], "No such command 'nosuch'"),
        (["valdate", "x.yaml"], "Did you mean 'validate'?"),
        (["run", "--bogus"], "No such option: --bogus"),
        (["run", "--yess"], "Possible options: --yes"),
        (["score"], "Missing argument"),
    ],
)
def test_usage_errors_exit_2_with_usage(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VIDBENCH_LOG_DIR", str(tmp_path))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Usage: vidbench" in err and expected in err
    assert not list(tmp_path.iterdir())  # no traceback file: nothing crashed


def test_version_flag_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    import vidbench

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"vidbench {vidbench.__version__}"
    assert vidbench.__version__ not in ("", "0+unknown")  # read from the installed metadata


@pytest.mark.parametrize(
    "argv",
    [
        ["-h"],
        ["run", "-h"],
        ["suites", "-h"],
        ["compare", "--help"],
        ["init", "-h"],
        ["configs", "-h"],
    ],
)
def test_short_help_and_no_bool_metavars(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: vidbench") and "-h, --help" in out
    assert "<bool>" not in out
