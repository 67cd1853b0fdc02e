"""compute_video: a scorer that waits on someone else (the judge) is started first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorer_helpers import make_job

from vidbench.core.scorers.base import ScorerUnavailable
from vidbench.core.scorers.compute import compute_video
from vidbench.core.scorers.work import Scorers, Work


class Busy:
    """A CPU scorer: it records when it ran."""

    needs = frozenset({"uniform"})

    def __init__(self, log: list[str]):
        self.log = log

    def begin(self, job: Any, video: Any) -> Any:
        return None  # scored in its turn, as Scorer's default

    def score(self, job: Any, video: Any, embeddings: Any = None) -> dict[str, Any]:
        self.log.append("busy scored")
        return {"busy": 1.0}


class Waiting(Busy):
    """A scorer answered elsewhere: `begin` sends, what it returns waits."""

    def __init__(self, log: list[str], refuse: Exception | None = None):
        super().__init__(log)
        self.refuse = refuse

    def begin(self, job: Any, video: Any) -> Any:
        if self.refuse is not None:
            raise self.refuse
        self.log.append("questions sent")

        def finish() -> dict[str, Any]:
            self.log.append("answers read")
            return {"waited": 2.0}

        return finish


def work_for(names: list[str]) -> Work:
    # a cached pass: the (fake) video's summary is not asked for
    return Work(make_job("j1"), Path("v.mp4"), "0" * 64, names, {}, set(), {}, object())  # type: ignore[arg-type]


def test_a_waiting_scorer_is_asked_before_the_others_run_and_read_in_its_turn() -> None:
    log: list[str] = []
    scorers = Scorers({"waiting": Waiting(log), "busy": Busy(log)})  # type: ignore[dict-item]
    result = compute_video(scorers, work_for(["busy", "waiting"]), video=object(), error=None)  # type: ignore[arg-type]
    assert log == ["questions sent", "busy scored", "answers read"]
    assert result.values == {"busy": {"busy": 1.0}, "waiting": {"waited": 2.0}}
    assert list(result.values) == ["busy", "waiting"]  # records in the scorers' order


def test_a_waiting_scorer_that_cannot_start_fails_or_is_unavailable_in_its_turn() -> None:
    log: list[str] = []
    for refusal, outcome, reason in (
        (ScorerUnavailable("no key"), "unavailable", "no key"),
        (OSError("disk gone"), "failed", "OSError: disk gone"),
    ):
        scorers = Scorers({"waiting": Waiting(log, refusal), "busy": Busy(log)})  # type: ignore[dict-item]
        result = compute_video(scorers, work_for(["waiting", "busy"]), video=object(), error=None)  # type: ignore[arg-type]
        assert result.values == {"busy": {"busy": 1.0}}
        assert getattr(result, outcome) == {"waiting": reason}
    skipped = compute_video(
        Scorers({"waiting": Waiting(log)}),  # type: ignore[dict-item]
        work_for(["waiting"]),
        video=object(),  # type: ignore[arg-type]
        error=None,
        unavailable={"waiting": "said unavailable before"},
    )
    assert (
        skipped.unavailable == {"waiting": "said unavailable before"}
        and "questions sent" not in log
    )
