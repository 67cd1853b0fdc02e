"""The 抽卡 section names its two draw figures apart (issue 24.5) in report.md, report.html and
summary.csv: draws per usable clip (1 ÷ pooled rate, inverted Wilson) and expected draws for a
given prompt (E[1/p], beta-binomial, bootstrap over prompts), each with its interval; with one
draw per prompt the second says it needs more samples instead of showing a number."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import synthetic_results, write_run

from vidbench.reports.build import write_reports
from vidbench.reports.draws import draw_stats
from vidbench.reports.draws_section import GIVEN_PROMPT, NEEDS_SAMPLES, PER_USABLE
from vidbench.reports.formatting import md_escape

PER_USABLE_CSV = "draws_per_usable_clip"
GIVEN_PROMPT_CSV = "expected_draws_given_prompt"


def reported(tmp_path: Path, samples: int) -> Path:
    run_dir = write_run(tmp_path, synthetic_results(samples=samples), media=False)
    write_reports(run_dir)
    return run_dir


def md_section(run_dir: Path) -> list[str]:
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    lines = markdown[markdown.index("## Draws until usable") :].splitlines()
    return lines[: lines.index("### Sample size for a 10-point confidence interval")]


def html_section(run_dir: Path) -> str:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="draws">') :]
    return section[: section.index("</section>")]


def md_cells(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The table's header and, per model, its cells."""
    table = [line.strip("|").split(" | ") for line in lines if line.startswith("| ")]
    table = [row for row in table if not set(row[0].strip()) <= set(":-")]  # the rule row
    header = [cell.strip() for cell in table[0]]
    return header, {row[0].strip(): [cell.strip() for cell in row] for row in table[1:]}


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reported(tmp_path_factory.mktemp("draws2"), samples=4)


def test_both_figures_with_their_intervals_when_prompts_have_several_draws(several: Path) -> None:
    results = pd.read_parquet(several / "results.parquet")
    stats = {s.model: s for s in draw_stats(results)}
    header, rows = md_cells(md_section(several))
    per_usable, given = header.index(PER_USABLE), header.index(GIVEN_PROMPT)
    for model, s in stats.items():
        assert math.isfinite(s.prompt_draws)
        assert rows[model][per_usable].startswith(f"{s.draws_per_usable:#.3g} [")
        assert rows[model][given].startswith(f"{s.prompt_draws:#.3g} [")  # value [low, high]
    text = "\n".join(md_section(several))
    assert "E[1/p] over prompts under a beta-binomial fit" in text
    fit = md_escape("per-prompt usable rate ~ Beta(")
    assert all(f"- {model}: {fit}" in text for model in stats)
    html = html_section(several)
    assert f"<th>{PER_USABLE}</th><th>{GIVEN_PROMPT}</th>" in html
    for model, s in stats.items():
        (row,) = [r for r in html.split("<tr>") if f"</span>{model}" in r.split("</td>")[0]]
        assert f'<td>{s.prompt_draws:#.3g}<span class="ci">[' in row
    assert re.search(
        r'<ul class="note" id="draws-fit"><li>alpha-sim: per-prompt usable rate ~ Beta', html
    )
    csv = pd.read_csv(several / "summary.csv").set_index("model")
    for model, s in stats.items():
        assert csv.loc[model, PER_USABLE_CSV] == pytest.approx(s.draws_per_usable)
        assert csv.loc[model, GIVEN_PROMPT_CSV] == pytest.approx(s.prompt_draws)
        low, high = (csv.loc[model, f"{GIVEN_PROMPT_CSV}_{end}"] for end in ("low", "high"))
        assert low - 1e-6 <= s.prompt_draws <= high + 1e-6  # all usable: 1.0000002 in [1, 1]
        assert csv.loc[model, f"{PER_USABLE_CSV}_low"] <= s.draws_per_usable


def test_one_draw_per_prompt_names_what_the_given_prompt_figure_needs(tmp_path: Path) -> None:
    run_dir = reported(tmp_path, samples=1)
    header, rows = md_cells(md_section(run_dir))
    given = header.index(GIVEN_PROMPT)
    assert {row[given] for row in rows.values()} == {NEEDS_SAMPLES}
    assert all("[" in row[header.index(PER_USABLE)] for row in rows.values())
    assert f"<td>{NEEDS_SAMPLES}<span" in html_section(run_dir)
    csv = pd.read_csv(run_dir / "summary.csv")
    assert csv[GIVEN_PROMPT_CSV].isna().all() and csv[PER_USABLE_CSV].notna().all()
