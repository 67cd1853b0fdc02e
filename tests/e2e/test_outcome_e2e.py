"""What a run's console ends with: failure causes grouped and counted per model, the exit
code that says whether anything succeeded, and progress lines when output is piped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_helpers import write_config

from vidbench.cli.app import main

SORA = "  - {id: sora-2, adapter: openai_videos, model: sora-2, simulate: instant, max_concurrency: 1}\n"
ARK = (
    "  - {id: fast, adapter: ark, model: doubao-seedance-2-0-fast-260128, simulate: instant,"
    " params: {resolution: 480p}}\n"
)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_an_all_failed_run_exits_6_with_its_causes_counted_per_model(
    tmp_path: Path,
    small_suite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VIDBENCH_SIM_OPENAI_SHUTDOWN", "1")  # every create refused: shut down
    assert main(["run", str(write_config(tmp_path, SORA, scorers="[conformance]")), "--yes"]) == 6
    err = capsys.readouterr().err.rstrip().splitlines()
    start = next(i for i, line in enumerate(err) if "no job succeeded" in line)
    block = flat("\n".join(err[start:]))
    assert block.startswith("no job succeeded (3 attempted); the causes, per model:")
    assert "sora-2 — 3 not succeeded" in block
    # The first refusal stops the rest from being sent; they are counted with it, one cause.
    line = r"3 × the endpoint says .*2026-09-24.* \(invalid_request\) — openai_videos at 127\.0\.0\.1:\d+"
    assert re.fullmatch(r".*per model: sora-2 — 3 not succeeded " + line, block), block


def test_a_run_with_some_failures_ends_with_the_causes_of_the_failed_model(
    tmp_path: Path,
    small_suite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VIDBENCH_SIM_OPENAI_SHUTDOWN", "1")
    config = write_config(tmp_path, ARK + SORA, scorers="[conformance]")
    assert main(["run", str(config), "--yes"]) == 0  # one model succeeded: a result
    out = capsys.readouterr().out.rstrip().splitlines()
    start = max(i for i, line in enumerate(out) if line == "failure causes, per model:")
    tail = [line.strip() for line in out[start + 1 :]]
    assert tail[0] == "sora-2 — 3 not succeeded"
    assert len(tail) == 2 and tail[1].startswith("3 × the endpoint says")
    assert "fast" not in " ".join(tail)  # the model that succeeded has no cause listed


def test_a_piped_run_prints_progress_lines_while_generating_and_scoring(
    tmp_path: Path,
    small_suite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VIDBENCH_PROGRESS_EVERY_S", "0.05")
    config = write_config(tmp_path, ARK, scorers="[conformance, flicker]")
    assert main(["run", str(config), "--yes"]) == 0
    err = capsys.readouterr().err.splitlines()
    generate = [line for line in err if line.startswith("generate: ")]
    score = [line for line in err if line.startswith("score: ")]
    assert len(generate) >= 2 and len(score) >= 2, err  # ticks, not only the final line
    pattern = r"score: (\d+)/3 · \d+ of 3 videos scored · elapsed \d+ s · ETA (\d+ s|\?)"
    done = [int(re.fullmatch(pattern, line).group(1)) for line in score]  # type: ignore[union-attr]
    assert done == sorted(done) and done[-1] == 3
    assert re.fullmatch(
        r"generate: 3/3 · submitted 3 · running 0 · done 3 · failed 0 · elapsed \d+ s · ETA 0 s",
        generate[-1],
    )
