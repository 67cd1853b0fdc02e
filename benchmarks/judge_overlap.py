"""A judge that takes seconds to answer: does scoring wait for it or work meanwhile?

Scores the same clips twice side by side in one process, on two scoring threads as the
local executor does: face identity (dlib, CPU) and the judge (its questions over loopback
HTTP to the judge simulator, which answers each after `--latency-s`). Once as the stage
does it (`compute_video` sends the judge's questions first and scores faces while they are
answered) and once with the judge asked only in its turn (the judge's `begin` hidden: what
the stage did before). Each clip is a distinct job with its own questions, so no answer
comes from the judge's cache. Prints each round's wall times and their ratio.

    .venv/bin/python benchmarks/judge_overlap.py [--clips 8] [--latency-s 1.0] [--rounds 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from vidbench.core.config.checks import Check, JudgeSettings
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.compute import compute_video
from vidbench.core.scorers.judge import JudgeScorer
from vidbench.core.scorers.judge_session import BudgetLeft, JudgeSession
from vidbench.core.scorers.sampler import SamplerSettings, VideoPass, decode_pass
from vidbench.core.scorers.work import Scorers, Work, build_scorers
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.render import RenderSpec, render_video
from vidbench.core.sim.server import SimServer
from vidbench.core.store.jobs import Job

PROMPT = "A woman in a red coat walks along a beach at sunset"
QUESTIONS = ("Is there a woman?", "Is her coat red?", "Is it a beach?", "Is it sunset?")


class InItsTurn:
    """The judge scorer with its `begin` hidden: asked only when its turn comes."""

    def __init__(self, judge: JudgeScorer):
        self.judge = judge
        self.needs = judge.needs

    def begin(self, job: Job, video: VideoPass) -> None:
        return None  # Scorer's default: nothing started ahead

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Any]:
        return self.judge.score(job, video, embeddings)


def job_for(index: int) -> Job:
    return Job.from_dict(
        {
            "job_id": f"j{index}", "model_id": "sim", "adapter": "sim", "provider_model": "sim",
            "simulated": True, "prompt_id": f"p{index}", "category": "character", "lang": "en",
            "sample": 0, "text": PROMPT, "clip_text": PROMPT, "duration_requested_s": 4,
            "duration_sent_s": 4, "ratio": "16:9", "resolution": "720p", "audio": False,
        }
    )  # fmt: skip


def judge_for(server: SimServer, cache_dir: Path, clips: int) -> JudgeScorer:
    settings = JudgeSettings(model="vidbench-judge-sim", max_concurrency=8)
    session = JudgeSession(
        settings,
        api_key=SIM_API_KEY,
        base_url=server.base_url("openai_chat"),
        cache_dir=cache_dir,
        budget=BudgetLeft(None),
    )
    checks = {f"p{i}": [Check(question=f"{q} (clip {i})") for q in QUESTIONS] for i in range(clips)}
    return JudgeScorer(settings, checks, session=session)


def score_all(per_thread: list[Scorers], video: VideoPass, clip: Path, clips: int) -> float:
    """Every clip through its thread's scorers (dlib's networks are one per thread, as the
    stage's threads have them), the clips dealt out in turn; returns the wall time."""
    names = list(per_thread[0].by_name)
    works = [Work(job_for(i), clip, "0" * 64, names, {}, set(), {}, video) for i in range(clips)]
    dealt = [works[k :: len(per_thread)] for k in range(len(per_thread))]

    def run(k: int) -> list[Any]:
        return [compute_video(per_thread[k], work, video, None) for work in dealt[k]]

    started = time.perf_counter()
    with ThreadPoolExecutor(len(per_thread)) as pool:
        results = [r for rs in pool.map(run, range(len(per_thread))) for r in rs]
    elapsed_s = time.perf_counter() - started
    failed = [r.failed or r.unavailable for r in results if r.failed or r.unavailable]
    assert not failed, failed
    return elapsed_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--latency-s", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        clip = render_video(RenderSpec(PROMPT, 1280, 720, 4.0, seed=3), root / "renders")
        sampler = SamplerSettings(uniform_frames=16)
        video = decode_pass(clip, {"uniform", "shots"}, sampler)
        faces = [  # one dlib instance per scoring thread (FaceIdentityScorer.thread_safe)
            build_scorers(["face_identity"], ClipSettings(), sampler).by_name["face_identity"]
            for _ in range(2)
        ]
        settings = {"judge": {"latency_s": args.latency_s, "error_rate": 0.0}}
        with SimServer(cache_dir=root / "renders", settings=settings) as server:
            for round_number in range(1, args.rounds + 1):
                times = {}
                for mode in ("in its turn", "sent first"):
                    judge = judge_for(server, root / f"cache-{round_number}-{mode}", args.clips)
                    scorer: Any = InItsTurn(judge) if mode == "in its turn" else judge
                    sets = [Scorers({"face_identity": f, "judge": scorer}) for f in faces]
                    times[mode] = score_all(sets, video, clip, args.clips)
                print(
                    f"round {round_number}: {args.clips} clips, judge answers in "
                    f"{args.latency_s:g} s: judge in its turn {times['in its turn']:.2f} s, "
                    f"sent first {times['sent first']:.2f} s -> "
                    f"{times['sent first'] / times['in its turn']:.2f}x"
                )


if __name__ == "__main__":
    main()
