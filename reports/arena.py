"""Human preference from arena votes: ratings, win/tie matrix, rater and metric agreement.

Votes live in `votes.jsonl` (written by `vidbench arena`, one JSON object per line; see
`vidbench.core.arena.votes`). A vote names both clips (run, job id, model) as shown (a = left) and
the choice: "a", "b", "tie" or "both_bad". Everything here is a pure function of the votes
and, for metric agreement, of the runs' results.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vidbench.core.arena.votes import is_vote
from vidbench.core.seam.bounded_json import parse_json_bounded
from vidbench.core.store.safe_files import open_read
from vidbench.core.store.store import RunDir
from vidbench.reports.bradley_terry import Outcome, Ratings, fit_ratings
from vidbench.reports.data import declared_directions, read_or_empty, read_results
from vidbench.reports.davidson import DavidsonRatings, fit_davidson_ratings
from vidbench.reports.formatting import md_escape
from vidbench.reports.intervals import wilson_ci

VOTES_FILE = "votes.jsonl"
CHOICES = ("a", "b", "tie", "both_bad")


@dataclass(frozen=True)
class MetricAgreement:
    """How often one automatic metric prefers the clip people voted for."""

    metric: str
    agree: int
    pairs: int
    low: float
    high: float

    @property
    def share(self) -> float:
        """Share of decisive votes where the metric prefers the voted winner."""
        return self.agree / self.pairs if self.pairs else float("nan")


@dataclass
class Preference:
    """Everything the reports show about the votes."""

    ratings: Ratings
    votes_per_model: dict[str, int]
    wins: dict[str, dict[str, int]]  # wins[a][b]: votes a won against b
    ties: dict[str, dict[str, int]]
    both_bad: int
    raters: list[str]
    rater_agreement: float | None  # share of same-item rating pairs that agree
    rater_pairs: int
    metrics: list[MetricAgreement] = field(default_factory=list)
    davidson: DavidsonRatings | None = None  # `ratings` with ties by Davidson's model, and ν
    half_win: dict[str, float] = field(default_factory=dict)  # ties as half wins (comparison)

    def ties_note(self) -> str:
        """How ties enter the ratings: Davidson's ν with its interval, or none were cast."""
        found = self.davidson
        if found is None or not found.ties:
            return "no ties cast"
        return (
            f"{found.ties} ties, by Davidson's model: ν = {found.nu:.2f} "
            f"({found.nu_low:.2f}–{found.nu_high:.2f}), two equal models tie "
            f"{found.tie_between_equals:.0%} of the time"
        )


def read_votes(path: Path) -> list[dict[str, Any]]:
    """The votes of one file, read without following a link (UnsafePath, exit 2); a line that
    is no countable vote (torn, nested past the bound, no `a`/`b` clip) is skipped."""
    if not path.is_file() and not path.is_symlink():
        return []
    with open_read(path) as handle:
        lines = handle.read().decode("utf-8", "replace").splitlines()
    votes = []
    for line in lines:
        try:
            vote = parse_json_bounded(line)
        except ValueError:
            continue
        if is_vote(vote) and all(
            isinstance(vote[side].get(name), str) for side in "ab" for name in ("run", "job_id")
        ):
            votes.append(vote)
    return votes


def outcomes(votes: list[dict[str, Any]]) -> list[Outcome]:
    """Decisive and tied votes as rating outcomes ("both unusable" says nothing of order)."""
    score = {"a": 1.0, "b": 0.0, "tie": 0.5}
    return [
        Outcome(v["a"]["model"], v["b"]["model"], score[v["choice"]])
        for v in votes
        if v["choice"] in score
    ]


def _item(vote: dict[str, Any]) -> tuple[tuple[str, str], tuple[str, str]]:
    clips = sorted(
        [(vote["a"]["run"], vote["a"]["job_id"]), (vote["b"]["run"], vote["b"]["job_id"])]
    )
    return clips[0], clips[1]


def _verdict(vote: dict[str, Any]) -> str:
    if vote["choice"] in ("tie", "both_bad"):
        return str(vote["choice"])
    side = vote[vote["choice"]]
    return f"{side['run']}/{side['job_id']}"


def rater_agreement(votes: list[dict[str, Any]]) -> tuple[float | None, int]:
    """Share of pairs of different raters' votes on the same two clips that agree."""
    by_item: dict[Any, dict[str, str]] = {}
    for vote in votes:
        rater = vote.get("rater") or ""
        if rater:
            by_item.setdefault(_item(vote), {})[rater] = _verdict(vote)  # a rater's last vote
    agree = total = 0
    for verdicts in by_item.values():
        for first, second in itertools.combinations(verdicts.values(), 2):
            total += 1
            agree += first == second
    return (agree / total if total else None), total


def metric_agreement(
    votes: list[dict[str, Any]], results: pd.DataFrame, directions: dict[str, str]
) -> list[MetricAgreement]:
    """Per metric: share of decisive votes where the metric orders the two clips the same way."""
    indexed = results.set_index(["run", "job_id"]) if len(results) else results
    out = []
    for metric, direction in sorted(directions.items()):
        if direction not in ("higher", "lower") or metric not in results.columns:
            continue
        agree = pairs = 0
        for vote in votes:
            if vote["choice"] not in ("a", "b"):
                continue
            try:
                a = indexed.at[(vote["a"]["run"], vote["a"]["job_id"]), metric]
                b = indexed.at[(vote["b"]["run"], vote["b"]["job_id"]), metric]
            except KeyError:
                continue
            if a is None or b is None or pd.isna(a) or pd.isna(b) or a == b:
                continue
            prefers_a = (float(a) > float(b)) == (direction == "higher")
            pairs += 1
            agree += prefers_a == (vote["choice"] == "a")
        if pairs:
            low, high = wilson_ci(agree, pairs)
            out.append(MetricAgreement(metric, agree, pairs, float(low), float(high)))
    return sorted(out, key=lambda m: -m.share)


def preference(
    votes: list[dict[str, Any]],
    results: pd.DataFrame | None = None,
    directions: dict[str, str] | None = None,
    *,
    samples: int = 400,
) -> Preference | None:
    """The preference section's numbers, or None when there are no votes."""
    if not votes:
        return None
    models = sorted({v[side]["model"] for v in votes for side in ("a", "b")})
    wins = {m: dict.fromkeys(models, 0) for m in models}
    ties = {m: dict.fromkeys(models, 0) for m in models}
    per_model = dict.fromkeys(models, 0)
    for vote in votes:
        a, b = vote["a"]["model"], vote["b"]["model"]
        per_model[a] += 1
        per_model[b] += 1
        if vote["choice"] == "a":
            wins[a][b] += 1
        elif vote["choice"] == "b":
            wins[b][a] += 1
        elif vote["choice"] == "tie":
            ties[a][b] += 1
            ties[b][a] += 1
    agreement, rater_pairs = rater_agreement(votes)
    metrics = []
    if results is not None and directions:
        metrics = metric_agreement(votes, results, directions)
    rated = outcomes(votes)
    davidson = fit_davidson_ratings(rated, models, samples=samples)
    return Preference(
        ratings=davidson.ratings,
        votes_per_model=per_model,
        wins=wins,
        ties=ties,
        both_bad=sum(v["choice"] == "both_bad" for v in votes),
        raters=sorted({str(v.get("rater")) for v in votes if v.get("rater")}),
        rater_agreement=agreement,
        rater_pairs=rater_pairs,
        metrics=metrics,
        davidson=davidson,
        half_win=fit_ratings(rated, models, samples=0).rating,
    )


def _sibling_name(name: object) -> bool:
    """True for a plain folder name: no separator, not '.' or '..', no NUL."""
    text = str(name)
    return bool(text) and text not in (".", "..") and not any(c in text for c in "/\\\x00")


def run_preference(run_dir: Path, results: pd.DataFrame) -> Preference | None:
    """The preference numbers of one run directory (its votes against its own results)."""
    votes = read_votes(run_dir / VOTES_FILE)
    if not votes:
        return None
    frames = [results.assign(run=run_dir.name)]
    # scorers.json read as load_run reads it (no link followed): refused, it gives no directions
    directions = declared_directions(read_or_empty(RunDir(run_dir).scorers_meta))
    for other in sorted({v[s]["run"] for v in votes for s in ("a", "b")} - {run_dir.name}):
        # A vote names a sibling run by its folder name: one plain component, read as a
        # run's own table (no link followed); "../x" or "/etc" names nothing.
        if not _sibling_name(other) or (run_dir.parent / other).is_symlink():
            continue
        if (run_dir.parent / other / "results.parquet").is_file():
            frames.append(read_results(run_dir.parent / other).assign(run=other))
    return preference(votes, pd.concat(frames, ignore_index=True), directions)


def preference_rows(pref: Preference) -> list[dict[str, Any]]:
    """One row per model, best first: rating, interval, votes, win and tie counts."""
    rows = []
    for model in sorted(pref.ratings.models, key=lambda m: -pref.ratings.rating[m]):
        rows.append(
            {
                "model": model,
                "rating": pref.ratings.rating[model],
                "low": pref.ratings.low[model],
                "high": pref.ratings.high[model],
                "votes": pref.votes_per_model[model],
                "wins": int(np.sum(list(pref.wins[model].values()))),
                "ties": int(np.sum(list(pref.ties[model].values()))),
                "half_win": pref.half_win.get(model, float("nan")),
            }
        )
    return rows


def _fmt(value: float) -> str:
    return "–" if value != value else f"{value:.0f}"


def preference_markdown(pref: Preference) -> list[str]:
    """The preference section of report.md (and compare.md)."""
    ratings = pref.ratings
    lines = [
        "## Human preference (arena)",
        "",
        f"{ratings.votes} rated votes ({pref.ties_note()}; {pref.both_bad} 'both unusable' "
        f"apart); Bradley-Terry ratings on an Elo-like scale with {ratings.confidence:.0%} "
        "bootstrap intervals. 'Half-win' is the rating when a tie counts as half a win, "
        "shown for comparison only (it pulls ratings together).",
        "",
        "| Model | Rating | Interval | Votes | Wins | Ties | Half-win |",
        "|:--|--:|--:|--:|--:|--:|--:|",
    ]
    for row in preference_rows(pref):
        lines.append(
            f"| {md_escape(row['model'])} | {_fmt(row['rating'])} | {_fmt(row['low'])}–{_fmt(row['high'])} "
            f"| {row['votes']} | {row['wins']} | {row['ties']} | {_fmt(row['half_win'])} |"
        )
    if pref.rater_agreement is not None:
        lines += ["", f"Raters ({len(pref.raters)}) agree on {pref.rater_agreement:.0%} of "
                  f"{pref.rater_pairs} pairs of votes on the same two clips."]  # fmt: skip
    if pref.metrics:
        lines += ["", "Which automatic metric agrees with the votes (share of decisive votes "
                  "where the metric prefers the voted clip):", "",
                  "| Metric | Agreement | 95% CI | Votes |", "|:--|--:|--:|--:|"]  # fmt: skip
        for m in pref.metrics:
            lines.append(
                f"| {md_escape(m.metric)} | {m.share:.0%} | {m.low:.0%}–{m.high:.0%} | {m.pairs} |"
            )
    return [*lines, ""]


def preference_view(pref: Preference | None) -> dict[str, Any] | None:
    """What report.html's preference section shows."""
    if pref is None:
        return None
    models = [row["model"] for row in preference_rows(pref)]
    return {
        "rows": preference_rows(pref),
        "models": models,
        "matrix": [[(pref.wins[a][b], pref.ties[a][b]) for b in models] for a in models],
        "votes": pref.ratings.votes,
        "both_bad": pref.both_bad,
        "confidence": pref.ratings.confidence,
        "ties_note": pref.ties_note(),
        "nu": pref.davidson.nu if pref.davidson is not None else None,
        "raters": pref.raters,
        "rater_agreement": pref.rater_agreement,
        "rater_pairs": pref.rater_pairs,
        "metrics": pref.metrics,
    }
