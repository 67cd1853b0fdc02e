"""The two gates on real simulated runs: an outage of a 2-prompt suite fails both (exit 1),
two healthy runs pass both (exit 0), and `--json` prints one document that json.tool reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_helpers import write_config

from vidbench.cli.app import main
from vidbench.core.plan.fingerprint import config_fingerprint

SUITE = """suite: two
version: 1
defaults: {duration: 4, ratio: "16:9"}
prompts:
  - {id: p1, category: scene, text: "A green tree on a hill under a blue sky, static camera"}
  - {id: p2, category: motion, text: "A red ball rolls across a green lawn"}
"""
SORA = "  - {id: sora-2, adapter: openai_videos, model: sora-2, simulate: instant, max_concurrency: 2}\n"


def one_run(tmp_path: Path, samples: int, expected_exit: int = 0) -> Path:
    before = set((tmp_path / "runs").glob("two-*"))
    config = write_config(
        tmp_path, SORA, name="two", scorers="[conformance]", extra=f"samples: {samples}\n"
    )
    assert main(["run", str(config), "--yes"]) == expected_exit
    (run_dir,) = set((tmp_path / "runs").glob("two-*")) - before
    return run_dir


def gates(tmp_path: Path, baseline: Path, candidate: Path) -> tuple[int, int]:
    compare = main(["compare", str(baseline), str(candidate), "--fail-on-regression"])
    history = main(
        ["history", str(tmp_path / "runs"), "--fail-on-regression", "--no-plots"]
        + ["--out", str(tmp_path / "history")]
    )
    return compare, history


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIDBENCH_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


def test_an_outage_of_a_two_prompt_suite_fails_both_gates(
    tmp_path: Path, suite: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy = one_run(tmp_path, samples=1)
    monkeypatch.setenv("VIDBENCH_SIM_OPENAI_SHUTDOWN", "1")  # every create refused
    outage = one_run(tmp_path, samples=1, expected_exit=6)
    capsys.readouterr()
    assert gates(tmp_path, healthy, outage) == (1, 1)
    out = capsys.readouterr().out
    # compare: the summary line first, then each collapse
    assert out.splitlines()[0].startswith("2 collapse(s), 0 regression(s)"), out
    assert "collapse: sora-2: succeeded 2/2 → 0/2 (none left; Fisher's exact p 0.333)" in out
    assert "collapse: sora-2: usable 2/2 → 0/2 (none left" in out
    # history: the same pair, the same verdict
    (line,) = [x for x in out.splitlines() if x.startswith("suite two (group ")]
    assert f"{outage.name} vs {healthy.name} (previous, no pin): 2 collapse(s)" in line
    # The fingerprint the run wrote is the one derived from its manifest.
    manifest = json.loads((outage / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fingerprint"] == config_fingerprint(manifest)


def test_two_healthy_runs_pass_both_gates(tmp_path: Path, suite: Path) -> None:
    first = one_run(tmp_path, samples=3)  # 6 matched jobs: every test can reach p < 0.05
    second = one_run(tmp_path, samples=3)
    assert gates(tmp_path, first, second) == (0, 0)


def vidbench_json(*args: str) -> subprocess.CompletedProcess[str]:
    """`vidbench ARGS | python -m json.tool`, as a script would run it."""
    command = f"{sys.executable} -m vidbench {' '.join(args)} | {sys.executable} -m json.tool"
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=120
    )


def test_compare_and_history_json_go_through_json_tool(
    tmp_path: Path, suite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = one_run(tmp_path, samples=1)
    monkeypatch.setenv("VIDBENCH_SIM_OPENAI_SHUTDOWN", "1")
    outage = one_run(tmp_path, samples=1, expected_exit=6)
    done = vidbench_json("compare", str(healthy), str(outage), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["schema"] == "vidbench.compare/1" and document["exit_code"] == 1
    assert {c["rate"] for c in document["collapses"]} == {"success_rate", "usable_rate"}
    assert document["summary"]["collapses"] == 2
    done = vidbench_json("history", str(tmp_path / "runs"), "--json", "--no-plots")
    assert done.returncode == 0, done.stderr
    history = json.loads(done.stdout)
    assert history["schema"] == "vidbench.history/1" and history["exit_code"] == 1
    (gate,) = history["gates"]
    assert (gate["baseline"], gate["candidate"]) == (healthy.name, outage.name)
    assert gate["summary"] == document["summary"]  # both gates, one verdict
