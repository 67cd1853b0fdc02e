"""The judge's self-check (issue 24.9) in report.md and report.html, beside judge_score: on the
results table of a real offline demo run (four prompts, eight simulated models, as the full demo had;
tests/reports/data/demo_judge, videos left out), and flagged when its interval includes 0.5."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from vidbench.reports.build import write_reports
from vidbench.reports.decision import Decision, with_judge_check
from vidbench.reports.judge_check import judge_discrimination

DEMO = Path(__file__).parent / "data" / "demo_judge"


# Two of the demo's models with two self-check clips each: a quicker report, the same shape.
FEW_MODELS = ("kling-v3", "seedance-2.0")


def demo_copy(
    tmp_path: Path, change: dict[str, str | None] | None = None, models: tuple[str, ...] = ()
) -> Path:
    """A run directory holding the demo's results, with `models` only (all when empty) and
    the columns `change` names (new ← old column, or dropped for None), reports written."""
    run_dir = tmp_path / "demo-run"
    shutil.copytree(DEMO, run_dir)
    results = pd.read_parquet(run_dir / "results.parquet")
    if models:
        results = results[results["model"].isin(models)]
    for new, old in (change or {}).items():
        results = (
            results.drop(columns=[new]) if old is None else results.assign(**{new: results[old]})
        )
    results.to_parquet(run_dir / "results.parquet", index=False)
    write_reports(run_dir, ("html", "md"))
    return run_dir


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def panel_row(markdown: str) -> str:
    (row,) = [line for line in markdown.splitlines() if line.startswith("| Prompt following")]
    return row


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_copy(tmp_path_factory.mktemp("judge"))


def test_the_demo_report_shows_the_judge_auc_beside_judge_score(demo_run: Path) -> None:
    check = judge_discrimination(pd.read_parquet(demo_run / "results.parquet"))
    assert check is not None and check.clips >= 10 and not check.cannot_tell
    figure = f"AUC {check.auc:.2f}"
    interval = f"95% CI {check.low:.2f}–{check.high:.2f}"
    markdown = (demo_run / "report.md").read_text(encoding="utf-8")
    metrics = section(markdown, "## Metrics", "## Draws")
    assert "| judge\\_score |" in metrics  # the line sits in the section of judge_score's row
    line = f"Judge self-check: {figure} \\({interval}\\) of own vs another prompt's checks, "
    assert line + f"{check.clips} clips" in metrics and "cannot tell" not in metrics
    # The decision panel ranks prompt following by judge_score offline: its verdict says it too.
    row = panel_row(markdown)
    assert "(judge\\_score)" in row and f"judge self-check {figure}, {interval} |" in row
    html = (demo_run / "report.html").read_text(encoding="utf-8")
    found = re.search(r'<p class="note" id="judge-check">([^<]+)</p>', html)
    assert found and f"Judge self-check: {figure} ({interval})" in found.group(1)
    assert html.index('id="judge-check"') > html.index('<td class="l">judge_score')
    verdicts = section(html, '<section id="decision">', "</section>")
    assert f"judge self-check {figure}, {interval}" in verdicts


def test_a_judge_that_cannot_tell_prompts_apart_is_flagged(tmp_path: Path) -> None:
    # Other prompts' checks answered exactly as the clip's own: AUC 0.5 whatever the clip.
    run_dir = demo_copy(tmp_path, {"judge_other_values": "judge_own_values"}, FEW_MODELS)
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    metrics = section(markdown, "## Metrics", "## Draws")
    assert "> **Warning.** Judge self-check: AUC 0.50" in metrics
    assert "the judge cannot tell prompts apart \\(the interval includes 0.5\\)" in metrics
    row = panel_row(markdown)
    assert "but the judge cannot tell prompts apart \\(self-check AUC 0.50" in row
    assert "not a prompt-following result" in row
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert '<p class="banner" id="judge-check"><strong>Warning.</strong> Judge self-check' in html
    decision = section(html, '<section id="decision">', "</section>")
    assert "but the judge cannot tell prompts apart (self-check AUC 0.50" in decision


def test_a_blind_judge_separates_nothing_on_prompt_following() -> None:
    results = pd.read_parquet(DEMO / "results.parquet")
    blind = results.assign(judge_other_values=results["judge_own_values"])
    clear = Decision("Prompt following", "judge_score", "num", "a", 0.9, "b", 0.5, 0.4, 0.001,
                     0.1, 20, "Wilcoxon signed-rank", True, "a leads b by 0.4")  # fmt: skip
    assert with_judge_check(clear, results).separated  # a judge that discriminates: kept
    flagged = with_judge_check(clear, blind)
    assert not flagged.separated and "cannot tell prompts apart" in flagged.verdict
    latency = replace(clear, metric="latency_s")
    assert with_judge_check(latency, blind) == latency  # other dimensions untouched


def test_no_self_check_sample_no_line(tmp_path: Path) -> None:
    run_dir = demo_copy(
        tmp_path, {"judge_own_values": None, "judge_other_values": None}, FEW_MODELS
    )
    assert "self-check" not in (run_dir / "report.md").read_text(encoding="utf-8")
    assert 'id="judge-check"' not in (run_dir / "report.html").read_text(encoding="utf-8")
