"""`history` over a hostile runs root (issue 25.5): copies of one small real run, some good
and some damaged as a stranger could (a folder named `*`, a linked run folder, a text metric,
a malformed manifest, a text `usable`, a list column, a results file that is not Parquet, a
run without results). Every good run is read once, each bad folder or column is named with
its reason, and the command exits 0. A 100 MB manifest is refused by its size.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hostile_corpus import Outside, cli, leaks

from vidbench.cli.app import main
from vidbench.reports.history import load_history

Damage = Callable[[Path], None]


def _results(damage: Callable[[pd.DataFrame], pd.DataFrame]) -> Damage:
    def apply(run: Path) -> None:
        table = damage(pd.read_parquet(run / "results.parquet"))
        table.to_parquet(run / "results.parquet", index=False)

    return apply


def _text_latency(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(latency_s=[f"{v:.1f} s" for v in table["latency_s"]])


def _text_usable(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(usable=["yes" if v else "no" for v in table["usable"]])


def _list_cost(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(cost_usd=[[v, v] for v in table["cost_usd"]])


def _write(name: str, data: str | bytes) -> Damage:
    def apply(run: Path) -> None:
        target = run / name
        target.write_bytes(data.encode() if isinstance(data, str) else data)

    return apply


def _remove(name: str) -> Damage:
    return lambda run: (run / name).unlink()


GOOD = ("good-1", "good-2", "*")  # `*` is a DuckDB glob: it must be read once, as itself
# Folder → (damage, how the history reads it: "run" read whole, "column" read less that
# column, "skipped" not read; the words the warning must say).
CASES: dict[str, tuple[Damage, str, tuple[str, ...]]] = {
    "text-metric": (_results(_text_latency), "column", ("'latency_s'", "text in this run")),
    "text-usable": (_results(_text_usable), "column", ("'usable'", "text in this run")),
    "list-column": (_results(_list_cost), "column", ("'cost_usd'", "list<")),
    "bad-manifest": (_write("manifest.json", '{"run_id": "x", '), "skipped", ("not JSON",)),
    "list-manifest": (_write("manifest.json", "[1, 2]"), "skipped", ("JSON list",)),
    "not-parquet": (_write("results.parquet", b"PAR1 not a table"), "skipped", ("not a Parquet",)),
    "unscored": (_remove("results.parquet"), "skipped", ("no results.parquet",)),
    "no-prompt-ids": (_results(lambda t: t.drop(columns=["prompt_id"])), "skipped", ("prompt_id",)),
}  # fmt: skip


def _copy(small_run: Path, target: Path, index: int) -> Path:
    shutil.copytree(small_run, target, symlinks=True)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["run_id"] = f"run-{index:02d}-{target.name}"
    manifest["created_at"] = f"2026-12-{index + 1:02d}T02:00:00Z"
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


@pytest.fixture
def hostile_root(small_run: Path, tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    for index, name in enumerate([*GOOD, *CASES]):
        run = _copy(small_run, runs / name, index)
        if name in CASES:
            CASES[name][0](run)
    outside_run = _copy(small_run, tmp_path / "home" / "their-run", 30)
    (runs / "linked").symlink_to(outside_run, target_is_directory=True)
    return runs


def test_history_reads_each_good_run_once_and_names_each_bad_one(
    hostile_root: Path, small_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_bytes() for p in hostile_root.rglob("*") if p.is_file()}
    code, output = cli(["history", str(hostile_root), "--no-plots"], capsys)
    assert code == 0, output
    assert "Traceback" not in output and "internal error" not in output
    assert f"skipped run folder {hostile_root / 'linked'}: a symbolic link" in output
    for name, (_, outcome, words) in CASES.items():
        if outcome == "skipped":
            assert f"skipped run folder {hostile_root / name}" in output, (name, output)
        for word in words:
            assert word in output, (name, word, output)
    assert "skipped 6 folder(s); left out 3 column(s) of single runs" in output
    # Only the history's own output was written; no run's file changed.
    assert all(p.read_bytes() == data for p, data in before.items())

    history = load_history([hostile_root])
    read = {Path(p).name for p in history.runs["path"]}
    assert read == {*GOOD, *(n for n, c in CASES.items() if c[1] != "skipped")}
    jobs = len(pd.read_parquet(small_run / "results.parquet")) // 2  # per model
    table = history.table.assign(folder=[Path(p).name for p in history.table["path"]])
    # Each run read once: every model's failure rate counts its own jobs, no more.
    failures = table[table["metric"] == "failure_rate"]
    assert sorted(failures["folder"]) == sorted(2 * list(read))
    assert (failures["n"] == jobs).all()

    def metrics_of(folder: str) -> set[str]:
        return set(table.loc[table["folder"] == folder, "metric"])

    full = metrics_of("good-1")
    assert {"latency_s", "cost_usd", "usable_rate", "conformance"} <= full
    assert metrics_of("*") == metrics_of("good-2") == full
    assert metrics_of("text-metric") == full - {"latency_s"}  # the others keep latency_s
    assert metrics_of("text-usable") == full - {"usable_rate"}  # not "none usable"
    assert metrics_of("list-column") == full - {"cost_usd"}
    assert {o.path.split("/")[-1]: o.column for o in history.left_out} == {
        "text-metric": "latency_s", "text-usable": "usable", "list-column": "cost_usd",
    }  # fmt: skip


def test_history_json_names_the_skipped_folders_and_left_out_columns(
    hostile_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["history", str(hostile_root), "--no-plots", "--json"])
    output = capsys.readouterr().out
    assert code == 0, output
    document = json.loads(output)
    skipped = {Path(entry["path"]).name: entry["reason"] for entry in document["skipped"]}
    assert set(skipped) == {"linked", *(n for n, c in CASES.items() if c[1] == "skipped")}
    assert "symbolic link" in skipped["linked"] and "not JSON" in skipped["bad-manifest"]
    left_out = {Path(e["path"]).name: e["column"] for e in document["left_out"]}
    assert left_out == {
        "text-metric": "latency_s",
        "text-usable": "usable",
        "list-column": "cost_usd",
    }


def test_a_root_of_only_bad_runs_exits_2_naming_them(
    small_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    for index, name in enumerate(("bad-manifest", "not-parquet")):
        CASES[name][0](_copy(small_run, runs / name, index))
    code, output = cli(["history", str(runs), "--no-plots"], capsys)
    assert code == 2, output
    assert "no readable run" in output and "not JSON" in output and "not a Parquet" in output


def test_a_linked_scorers_json_is_not_read(
    small_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    run = _copy(small_run, runs / "good", 0)
    outside = Outside(tmp_path / "home", next((run / "videos").glob("*.mp4")))
    (run / "scorers.json").unlink()
    (run / "scorers.json").symlink_to(outside / "id_rsa")
    code, output = cli(["history", str(runs), "--no-plots"], capsys)
    assert code == 0, output
    assert "scorers.json: a symbolic link" in output
    assert outside.problems() == [] and leaks(runs) == []


RSS_PROBE = """
import json, resource, sys
from pathlib import Path
from vidbench.cli.app import main
from vidbench.reports.history import load_history
root = Path(sys.argv[1])
load_history([root / "warm"])  # imports, DuckDB and pyarrow warmed on a good run
before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
history = load_history([root])
after_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_kib": after_kib - before_kib, "runs": len(history.runs),
                  "skipped": [[s.path, s.reason] for s in history.skipped]}))
"""


def test_a_100_mb_manifest_is_refused_by_its_size(small_run: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _copy(small_run, runs / "warm", 0)
    big = _copy(small_run, runs / "big", 1)
    manifest = json.loads((big / "manifest.json").read_text(encoding="utf-8"))
    padding = "x" * (100 * 1024**2)
    (big / "manifest.json").write_text(json.dumps({**manifest, "pad": padding}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(runs)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["runs"] == 1
    ((path, reason),) = found["skipped"]
    assert Path(path).name == "big" and "over the 8,388,608-byte cap" in reason
    # The peak grew by less than 100 MB (reading it whole took 1.1 GB before).
    assert found["growth_kib"] < 100 * 1024, found
