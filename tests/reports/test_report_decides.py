"""A report that decides (issue 23.1, 23.5): no winner when nothing succeeded, failed models not
ranked, the ranking metric named with its fallback, a decision panel, equal metrics collapsed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from report_helpers import synthetic_results, write_run

from vidbench.reports.analysis import analyse
from vidbench.reports.build import run_summary_table, write_reports
from vidbench.reports.data import load_run
from vidbench.reports.decision import Dimension, decide
from vidbench.reports.formatting import fmt_num

HOST = "ark.cn-beijing.volces.com"


def _set_manifest(run_dir: Path, **fields: object) -> None:
    path = run_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(fields)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _all_failed_run(run_dir: Path) -> Path:
    """Two models, every job failed on DNS, with the records the runner would write."""
    rows, records = [], []
    for model in ("seedance-2.0", "seedance-2.0-fast"):
        for p in range(10):
            job_id = f"{model}__p{p}__0"
            detail = "create failed 2 times: ConnectError: [Errno -2] Name or service not known"
            rows.append(
                {"model": model, "prompt_id": f"p{p}", "sample": 0, "job_id": job_id,
                 "status": "failed", "error_kind": "transient", "detail": detail,
                 "cost_usd": 0.0, "usable": False}
            )  # fmt: skip
            records.append({"event": "planned", "job_id": job_id,
                            "job": {"model_id": model, "adapter": "ark"}})  # fmt: skip
            records.append(
                {"event": "finished", "job_id": job_id, "status": "failed",
                 "error_kind": "transient", "detail": detail, "endpoint": f"ark at {HOST}"}
            )  # fmt: skip
    write_run(run_dir, pd.DataFrame(rows), media=False)
    lines = "".join(json.dumps(r) + "\n" for r in records)
    (run_dir / "records.jsonl").write_text(lines, encoding="utf-8")
    return run_dir


def test_all_failed_run_names_no_winner_and_lists_causes_first(tmp_path: Path) -> None:
    run_dir = _all_failed_run(tmp_path)
    write_reports(run_dir, ("html", "md"))
    cause = f"10 × ConnectError: [Errno -2] Name or service not known (transient) — ark at {HOST}"
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "## Leaderboard" not in md and "## Decision" not in md and "#1" not in md
    sections = [line for line in md.splitlines() if line.startswith("## ")]
    assert sections[0] == "## No model delivered a clip"
    block = md[md.index("## No model delivered a clip") : md.index(sections[1])]
    for model in ("seedance-2.0", "seedance-2.0-fast"):
        assert f"**{model}**: 10 of 10 attempted jobs did not succeed — failed, not ranked" in block
    assert block.count("10 × ConnectError: \\[Errno -2\\] Name or service not known") == 2
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "Highest" not in html and 'id="summary"' not in html and 'id="decision"' not in html
    top = html[html.index('<section id="failures"') : html.index("</section>")]
    assert "No model delivered a clip" in top and top.count(cause) == 2
    assert html.index('id="failures"') < html.index('id="metrics"')


def test_a_model_without_a_delivered_clip_is_failed_not_ranked(tmp_path: Path) -> None:
    results = synthetic_results(samples=1)
    gamma = results["model"] == "gamma"
    results.loc[gamma, ["status", "error_kind", "detail"]] = ["failed", "auth", "401 bad key"]
    for column in ("clip_score", "flicker", "conformance", "latency_s", "video_path"):
        results.loc[gamma, column] = None
    results.loc[gamma, "usable"] = False
    run_dir = write_run(tmp_path, results, media=False)
    analysis = analyse(load_run(run_dir))
    assert analysis.failed_models == ["gamma"]
    assert list(analysis.ranked_summary()["model"]) == ["alpha-sim", "beta"]
    assert all(d.best != "gamma" and d.runner_up != "gamma" for d in analysis.decisions)
    write_reports(run_dir, ("html", "md"))
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "| – | gamma | **failed, not ranked** |" in md
    assert "9 × 401 bad key \\(auth\\)" in md
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("failed · not ranked") == 2  # the leaderboard row and the failures block


def _judge_only_run(tmp_path: Path, wanted: object) -> Path:
    """No clip_score (CLIP offline); judge_score separates the models."""
    results = synthetic_results(samples=1).drop(columns=["clip_score"])
    rng = np.random.default_rng(3)
    level = results["model"].map({"alpha-sim": 0.6, "beta": 0.9, "gamma": 0.75})
    noise = rng.normal(0, 0.03, len(results))
    results["judge_score"] = (level + noise).where(results["status"] == "succeeded")
    run_dir = write_run(tmp_path, results, media=False)
    _set_manifest(run_dir, quality_metric=wanted)
    scorers = json.loads((run_dir / "scorers.json").read_text(encoding="utf-8"))
    scorers["clip_alignment"].update(available=False, reason="CLIP weights are not cached")
    scorers["judge"] = {"available": True, "outputs": {"judge_score": {"direction": "higher"}}}
    (run_dir / "scorers.json").write_text(json.dumps(scorers), encoding="utf-8")
    return run_dir


def test_unavailable_quality_metric_falls_back_in_a_banner(tmp_path: Path) -> None:
    run_dir = _judge_only_run(tmp_path, ["clip_score", "judge_score"])
    analysis = analyse(load_run(run_dir))
    assert analysis.quality_metric == "judge_score"
    assert analysis.best_model() == "beta"
    write_reports(run_dir, ("html", "md"))
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    banner = next(line for line in md.splitlines() if line.startswith("> **Ranking metric.**"))
    assert "clip\\_score \\(scorer clip\\_alignment unavailable\\)" in banner
    assert "ranked by judge\\_score, the next configured quality metric" in banner
    assert "| # | Model | judge score | Usable |" in md
    usable = next(line for line in md.splitlines() if line.startswith("> **Usable.**"))
    assert "Not applied: clip\\_score ≥ 23" in usable
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="quality-banner"' in html and "Ranking metric: judge score." in html
    console = run_summary_table(run_dir)
    assert "judge_score" in console.columns
    assert console.set_index("model")["judge_score"]["beta"] > 0.85


def test_a_single_unavailable_metric_ranks_by_usable_rate_and_says_so(tmp_path: Path) -> None:
    run_dir = _judge_only_run(tmp_path, "clip_score")  # a string still works
    analysis = analyse(load_run(run_dir))
    assert analysis.quality_metric == "usable_rate"
    assert "ranked by usable rate" in (analysis.quality.banner() or "")
    write_reports(run_dir, ("md",))
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    header = next(line for line in md.splitlines() if line.startswith("| # | Model"))
    cells = [cell.strip().lower() for cell in header.split("|")]
    assert sum(c in ("usable", "usable rate") for c in cells) == 1  # not two identical columns
    assert "ties broken by the lower cost per clip" in md


def test_equal_metrics_collapse_and_pairwise_shows_significant_ones(tmp_path: Path) -> None:
    results = synthetic_results(samples=2)
    results["decodable"] = (
        results["status"].eq("succeeded").astype(float).where(results["status"] == "succeeded")
    )
    run_dir = write_run(tmp_path, results, media=False)
    analysis = analyse(load_run(run_dir))
    assert "decodable" in analysis.equal_metrics and "clip_score" not in analysis.equal_metrics
    write_reports(run_dir, ("html", "md"))
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "| decodable |" not in md
    assert (
        "**No difference between models** (the same mean for every model): `decodable` 1.00" in md
    )
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    pairwise = html[html.index('<section id="pairwise">') :]
    significant = analysis.significant_metrics()
    assert "clip_score" in significant
    hidden = pairwise.index('<details class="other-metrics">')
    for metric in analysis.win_rates:
        first = pairwise.index(f"<h3>{metric}<")
        assert (first < hidden) == (metric in significant), metric


def test_decision_separates_a_clear_leader_and_says_when_it_cannot() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for p in range(14):
        for model, level in (("a", 30.0), ("b", 25.0), ("c", 20.0)):
            value = level + rng.normal(0, 1.0)
            rows.append({"model": model, "prompt_id": f"p{p}", "sample": 0,
                         "status": "succeeded", "clip_score": value})  # fmt: skip
    df = pd.DataFrame(rows)
    following = Dimension("Prompt following", ("clip_score",), "higher", "mean", "num")
    clear = decide(df, following, ["a", "b", "c"], fmt_num)
    assert (clear.best, clear.runner_up, clear.separated) == ("a", "b", True)
    assert clear.p_value < 0.001 and clear.verdict.startswith("a leads b by ")
    close = decide(df[df["model"] != "a"].head(6), following, ["b", "c"], fmt_num)  # 3 pairs
    assert not close.separated and close.runner_up is not None
    assert "cannot separate" in close.verdict or "not separated" in close.verdict
    same = df.assign(clip_score=1.0)
    assert decide(same, following, ["a", "b", "c"], fmt_num).verdict == (
        "no difference between models"
    )
