"""A shared run directory's own files are read without following a link out: results.parquet,
results.csv, manifest.json and scorers.json planted as links (or as a FIFO, or too large) are
refused by `load_run`, and `vidbench report` and `compare` exit 2 naming the file; the
run's manifest and score cache are not read through links either, and a vote naming a run
outside the runs root is not read."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from report_helpers import synthetic_results, write_run

from vidbench.cli.app import main
from vidbench.core.scorers.cache import ScoreCache
from vidbench.core.store.confine import FileRefused
from vidbench.core.store.store import RunDir
from vidbench.reports import arena, data
from vidbench.reports.data import load_run

OUTSIDE_MODEL = "outside-secret-model"


def _run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "shared" / "run"
    run_dir.mkdir(parents=True)
    write_run(run_dir, synthetic_results(), media=False)
    return run_dir


def _outside_table(tmp_path: Path) -> Path:
    """A real results table outside the run, its model a marker that must never be read."""
    home = tmp_path / "home"
    home.mkdir()
    table = synthetic_results().assign(model=OUTSIDE_MODEL)
    table.to_parquet(home / "results.parquet", index=False)
    return home / "results.parquet"


def _plant(path: Path, target: Path) -> None:
    path.unlink(missing_ok=True)
    os.symlink(target, path)


@pytest.mark.parametrize("name", ["results.parquet", "results.csv"])
def test_a_results_table_linked_outside_is_refused_not_read(tmp_path: Path, name: str) -> None:
    run_dir = _run(tmp_path)
    outside = _outside_table(tmp_path)
    if name == "results.csv":  # the fallback when there is no parquet
        (run_dir / "results.parquet").unlink()
        outside = outside.with_suffix(".csv")
        synthetic_results().assign(model=OUTSIDE_MODEL).to_csv(outside, index=False)
    _plant(run_dir / name, outside)
    with pytest.raises(FileRefused, match=f"{name}: a symbolic link"):
        load_run(run_dir)


def test_report_and_compare_exit_2_naming_the_linked_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _run(tmp_path)
    good = tmp_path / "good"
    shutil.copytree(run_dir, good)
    _plant(run_dir / "results.parquet", _outside_table(tmp_path))
    for argv in (["report", str(run_dir)], ["compare", str(good), str(run_dir)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"refused: {run_dir / 'results.parquet'}: a symbolic link" in err, err
        assert "internal error" not in err
    written = [p for p in run_dir.rglob("*") if p.is_file() and not p.is_symlink()]
    assert not any(OUTSIDE_MODEL.encode() in p.read_bytes() for p in written)


def test_a_fifo_or_an_oversized_table_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = _run(tmp_path)
    size = (run_dir / "results.parquet").stat().st_size
    monkeypatch.setattr(data, "MAX_RESULTS_BYTES", size - 1)
    with pytest.raises(FileRefused, match="over the"):
        load_run(run_dir)
    monkeypatch.undo()
    (run_dir / "results.parquet").unlink()
    os.mkfifo(run_dir / "results.parquet")  # a read would wait for a writer forever
    with pytest.raises(FileRefused, match="not a regular file"):
        load_run(run_dir)


@pytest.mark.parametrize("name", ["manifest.json", "scorers.json"])
def test_a_linked_manifest_or_scorers_file_is_left_unread(tmp_path: Path, name: str) -> None:
    run_dir = _run(tmp_path)
    secret = tmp_path / "home-secret.json"
    secret.write_text(json.dumps({"name": OUTSIDE_MODEL, "outputs": {}}), encoding="utf-8")
    _plant(run_dir / name, secret)
    loaded = load_run(run_dir)
    read = loaded.manifest if name == "manifest.json" else loaded.scorers
    assert read == {} and OUTSIDE_MODEL not in json.dumps(read)
    assert set(loaded.results["model"]) == set(synthetic_results()["model"])  # the rest loads


def test_the_runs_manifest_and_score_cache_are_not_read_through_links(tmp_path: Path) -> None:
    run_dir = _run(tmp_path)
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"values": {"flicker": 0.123}}), encoding="utf-8")
    cache = ScoreCache(run_dir / "cache")
    cache.put_json("scores", "k1", {"values": {"flicker": 0.9}})
    assert cache.get_json("scores", "k1") == {"values": {"flicker": 0.9}}
    _plant(run_dir / "cache" / "scores" / "k1.json", secret)
    assert cache.get_json("scores", "k1") is None  # a miss: the score is computed again
    np.save(tmp_path / "secret.npy", np.ones(3))
    (run_dir / "cache" / "embeddings").mkdir()
    _plant(run_dir / "cache" / "embeddings" / "k2.npy", tmp_path / "secret.npy")
    assert cache.get_array("embeddings", "k2") is None
    _plant(run_dir / "manifest.json", secret)
    with pytest.raises(FileRefused, match="manifest.json: a symbolic link"):
        RunDir(run_dir).manifest()


def test_a_vote_naming_a_run_outside_the_runs_root_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = _run(tmp_path)
    sibling = tmp_path / "shared" / "sibling"
    sibling.mkdir()
    write_run(sibling, synthetic_results(), media=False)
    (tmp_path / "shared" / "linked").symlink_to(sibling)
    read: list[Path] = []
    monkeypatch.setattr(
        arena, "read_results", lambda path: read.append(path) or synthetic_results()
    )
    lines = []
    for other in ("sibling", "../../home", "/etc", "..", "linked"):
        clip = {"model": "beta", "run": other, "job_id": "j2"}
        lines.append({"choice": "a", "a": {"model": "alpha-sim", "run": "run", "job_id": "j1"},
                      "b": clip})  # fmt: skip
    (run_dir / "votes.jsonl").write_text("".join(json.dumps(v) + "\n" for v in lines))
    arena.run_preference(run_dir, synthetic_results())
    assert read == [sibling]  # the plain sibling only: no traversal, no linked folder
