"""Bundled configs and suites by name (`vidbench configs`, a name wherever a file goes) and
`vidbench init`: a copy that runs from its new folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbench.cli.app import main
from vidbench.core.config.bundled import (
    bundled_files,
    init_folder,
    load_named_config,
    resolve_named,
)
from vidbench.core.config.config import load_config
from vidbench.core.config.resources import bundled_configs, config_path, suite_path
from vidbench.core.seam.errors import ValidationFailed


def test_configs_lists_every_bundled_config_and_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["configs"]) == 0
    out = capsys.readouterr().out
    for item in bundled_files():
        assert f"  {item.name} " in out, item.name
    assert "demo" in out and "offline, no key" in out  # the demo needs no key
    assert "seedance-2-vs-fast" in out and "needs ARK_API_KEY" in out
    assert out.index("configs:") < out.index("suites:")


def test_a_name_resolves_only_where_no_file_is(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert resolve_named("demo") == config_path("demo")
    assert resolve_named("smoke") == suite_path("smoke")
    assert resolve_named("missing.yaml") == Path("missing.yaml")  # its loader says "not found"
    Path("demo").write_text("models: []\n", encoding="utf-8")
    assert resolve_named("demo") == Path("demo")  # a local file always wins
    with pytest.raises(ValidationFailed, match="did you mean 'smoke'"):
        resolve_named("smok", ("suite",))
    with pytest.raises(ValidationFailed, match="no bundled config"):
        resolve_named("smoke", ("config",))  # a suite is not a config


def test_a_bundled_config_by_name_writes_its_runs_here(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    loaded = load_named_config("demo")
    assert loaded.output_dir == tmp_path / "runs"  # not inside the (maybe read-only) package
    assert loaded.suite_path == suite_path("smoke")


def test_commands_take_names_and_a_typo_is_a_usage_error(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "demo"]) == 0
    assert main(["validate", "smoke"]) == 0
    assert main(["plan", "demo", "--sample", "1", "--suite", "smoke"]) == 0
    capsys.readouterr()
    assert main(["plan", "dmeo"]) == 2
    assert "did you mean 'demo'?" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()  # planning wrote nothing


def test_init_copies_the_demo_and_it_plans_from_there(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert main(["init", "demo", "work"]) == 0
    out = capsys.readouterr().out
    assert "wrote work/demo.yaml" in out and out.rstrip().endswith(
        "next: cd work && vidbench plan demo.yaml, then vidbench run demo.yaml"
    )
    text = (tmp_path / "work" / "demo.yaml").read_text(encoding="utf-8")
    assert "suite: prompts/smoke.yaml" in text and "output_dir: runs" in text
    assert "# The offline demo" in text  # the comments are kept
    assert (tmp_path / "work/prompts/assets/faces/astronaut.png").is_file()
    assert (tmp_path / "work/prompts/suite.schema.json").is_file()
    monkeypatch.chdir(tmp_path / "work")
    assert main(["plan", "demo.yaml", "--sample", "1"]) == 0
    loaded = load_config("demo.yaml")
    assert loaded.suite_path == tmp_path / "work/prompts/smoke.yaml"
    assert loaded.output_dir == tmp_path / "work/runs"


def test_init_never_overwrites_without_force(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0  # the demo, into this folder
    (tmp_path / "demo.yaml").write_text("# my edits\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert "demo.yaml: (file): already exists (use --force)" in err
    assert (tmp_path / "demo.yaml").read_text(encoding="utf-8") == "# my edits\n"
    assert main(["init", "--force"]) == 0
    assert "# my edits" not in (tmp_path / "demo.yaml").read_text(encoding="utf-8")
    assert main(["init", "nosuch"]) == 2


@pytest.mark.parametrize("name", bundled_configs())
def test_every_bundled_config_loads_from_its_copy(name: str, tmp_path: Path) -> None:
    written = init_folder(name, tmp_path / name)
    loaded = load_config(written[0])
    assert loaded.suite_path.is_relative_to(tmp_path / name)
    assert loaded.output_dir == tmp_path / name / "runs"
    assert f"configs/{name}.yaml" not in written[0].read_text(encoding="utf-8")


def test_demo_plays_three_models_and_full_plays_all_nine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vidbench.cli import tools

    played: list[tuple[list[str], int | None, str]] = []

    def fake_run(loaded: object, **options: object) -> Path:
        config = loaded.config  # type: ignore[attr-defined]
        models = [model.id for model in config.models]
        assert all(model.simulate for model in config.models)  # offline: no key, no money
        played.append((models, options["sample"], config.output_dir))  # type: ignore[arg-type]
        return tmp_path / "run"

    monkeypatch.setattr(tools, "execute_run", fake_run)
    monkeypatch.chdir(tmp_path)  # the default --out is ./runs
    assert main(["demo", "--out", str(tmp_path / "runs")]) == 0
    assert main(["demo", "--full", "--sample", "2"]) == 0
    (quick, quick_sample, quick_out), (full, full_sample, full_out) = played
    # The quick demo keeps a premium model and one model on two routes (the Routes section).
    assert quick == ["seedance-2.0-fast", "seedance-2.0-fast-fal", "kling-v3"]
    assert quick_sample is None and quick_out == str((tmp_path / "runs").resolve())
    assert len(full) == 9 and set(quick) <= set(full) and full_sample == 2
    assert Path(full_out) == (tmp_path / "runs").resolve()
    assert "demo finished" in capsys.readouterr().out


def test_the_demo_sends_each_models_jobs_in_one_wave() -> None:
    # The demo's generation waits on the simulated latency of each wave of creates: with one
    # wave per model it ends when the renders do (12.6 against 16.9 s measured, stop 35).
    from vidbench.core.run.pipeline import prepare

    _, plan = prepare(load_named_config("demo"))
    for model_plan in plan.models:
        assert len(model_plan.runnable) <= model_plan.model.max_concurrency, model_plan.model.id
