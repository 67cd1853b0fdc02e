"""The `judge` scorer: a vision-language model answers each prompt check about the clip.

For each check (`checks:` in the suite) the frames of the shot it names (or a few frames
spread over the clip) go to the configured OpenAI-compatible model with a yes/no question;
P(yes) comes from token log-probabilities where the endpoint returns them, else the answer
counts 1 or 0. `judge_score` is the mean over answered checks (the direction of DSG and
VQAScore); per-kind means follow. A check about a shot the clip does not have is answered no
without asking; audio checks are not judged from frames. Refusals, malformed answers and
failed requests are counted and listed, never crashes. The judge's tokens and cost are
recorded per clip and count toward the run's budget.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vidbench.core.config.checks import CHECK_KINDS, Check, JudgeSettings
from vidbench.core.scorers.base import (
    NON_NEGATIVE,
    SHARE,
    Output,
    Protocol,
    Scorer,
    ScorerUnavailable,
    Value,
)
from vidbench.core.scorers.judge_api import TEMPLATE_VERSION, encode_frame
from vidbench.core.scorers.judge_self import (
    SELF_CHECK_MIN_CLIPS,
    SELF_CHECK_SEED,
    SELF_CHECK_SHARE,
    self_check_pairs,
)
from vidbench.core.scorers.judge_session import Answered, BudgetLeft, JudgeSession, Question
from vidbench.core.scorers.sampler import VideoPass
from vidbench.core.store.jobs import Job

FRAME_KINDS = tuple(k for k in CHECK_KINDS if k != "audio")  # audio is not judged from frames
FAILED_TEXT_CHARS = 1500


class JudgeOptions(BaseModel):
    """Where the judge finds its run (filled in by the scoring stage)."""

    model_config = ConfigDict(extra="forbid")
    run_dir: str | None = Field(None, description="The run directory being scored.")


def _outputs() -> dict[str, Output]:
    outputs = {
        "judge_score": Output(
            "higher",
            "Mean P(yes) (or share of yes) over the prompt's checks, 0..1.",
            bounds=SHARE,
        )
    }
    for kind in FRAME_KINDS:
        outputs[f"judge_{kind}"] = Output(
            "higher", f"Mean P(yes) over the {kind} checks.", bounds=SHARE
        )
    outputs["judge_checks"] = Output("none", "Checks answered.", bounds=NON_NEGATIVE)
    outputs["judge_unanswered"] = Output(
        "none", "Checks refused, malformed or failed.", bounds=NON_NEGATIVE
    )
    outputs["judge_failed"] = Output("none", "The checks answered no (P(yes) < 0.5), '; '-joined.")
    outputs["judge_notes"] = Output("none", "Refusals, malformed answers and errors.")
    outputs["judge_frames_sent"] = Output(
        "none", "Frames sent to the judge for this clip.", bounds=NON_NEGATIVE
    )
    outputs["judge_input_tokens"] = Output(
        "none", "The judge's input tokens for this clip.", bounds=NON_NEGATIVE
    )
    outputs["judge_output_tokens"] = Output(
        "none", "The judge's output tokens for this clip.", bounds=NON_NEGATIVE
    )
    outputs["judge_cost_usd"] = Output(
        "none",
        "What the judge's answers cost (USD), the self-check's included.",
        bounds=NON_NEGATIVE,
    )
    outputs["judge_other_prompt"] = Output(
        "none", "Self-check: the other prompt whose checks this clip was also asked."
    )
    outputs["judge_other_score"] = Output(
        "none",
        "Self-check: mean P(yes) over the other prompt's checks (null: not sampled).",
        bounds=SHARE,
    )
    outputs["judge_own_values"] = Output(
        "none", "Self-check: P(yes) of each of the clip's own checks (JSON list)."
    )
    outputs["judge_other_values"] = Output(
        "none", "Self-check: P(yes) of each of the other prompt's checks (JSON list)."
    )
    return outputs


def spread(count: int, wanted: int) -> list[int]:
    """`wanted` indices spread evenly (segment centres) over `count` items."""
    if count <= wanted:
        return list(range(count))
    return sorted({int((k + 0.5) * count / wanted) for k in range(wanted)})


def frames_for(video: VideoPass, shot: int | None, wanted: int) -> list[np.ndarray] | None:
    """The frames a check is asked on; None when the clip has no such shot."""
    frames, times = video.uniform_frames, video.uniform_times_s
    if shot is None:
        return [frames[i] for i in spread(len(frames), wanted)]
    cuts = [0.0, *(video.shot_boundaries_s or []), float("inf")]
    if shot > len(cuts) - 1:
        return None
    start, end = cuts[shot - 1], cuts[shot]
    inside = [i for i, t in enumerate(times) if start <= t < end]
    if not inside:  # a short shot between two sampled frames: the nearest one
        middle = (start + min(end, start + 1.0)) / 2
        inside = [int(np.argmin([abs(t - middle) for t in times]))]
    return [frames[inside[i]] for i in spread(len(inside), wanted)]


class JudgeScorer(Scorer):
    """Prompt faithfulness from yes/no checks answered by a vision-language model."""

    name: ClassVar[str] = "judge"
    version: ClassVar[str] = "1"
    needs: ClassVar[frozenset[str]] = frozenset({"uniform", "shots", "probe"})
    default_enabled: ClassVar[bool] = False  # costs money: only when a config asks for it
    Options: ClassVar[type[BaseModel]] = JudgeOptions
    outputs: ClassVar[dict[str, Output]] = _outputs()
    protocol: ClassVar[Protocol | None] = Protocol(
        frames="per check, up to judge.frames (default 4) of the 16 uniform frames, "
        "from the shot the check names",
        model="the configured vision-language model (judge: block), yes/no per check",
        scope="per check, averaged over the prompt's checks",
        comparable_with=None,
        differences="vidbench's own: DSG/VQAScore-style yes/no checks, but with this run's "
        "judge model, prompt template and checks; comparable only across runs that share all three",
    )

    def __init__(
        self,
        settings: JudgeSettings | None = None,
        checks: dict[str, list[Check]] | None = None,
        *,
        session: JudgeSession | None = None,
        reason: str | None = None,
        others: dict[str, str] | None = None,
    ):
        self.judge = settings
        self.checks = checks or {}
        self.session = session
        self.reason = reason
        self.others = others or {}  # job id → the prompt whose checks it is also asked

    @classmethod
    def create(cls, context: Any) -> JudgeScorer:
        """Build from the stage context: the run directory comes in the judge's options."""
        options = JudgeOptions.model_validate(context.options.get("judge", {}))
        if options.run_dir is None:
            return cls(reason="the judge scorer needs the run directory (score with vidbench)")
        return judge_for_run(Path(options.run_dir))

    def settings(self) -> dict[str, Any]:
        """Model, template version and frames per question (scorers.json and cache key)."""
        if self.judge is None:
            return {"template": TEMPLATE_VERSION}
        return {
            "model": self.judge.model,
            "template": TEMPLATE_VERSION,
            "frames_per_check": self.judge.frames,
            "logprobs": self.judge.logprobs,
            "simulated": self.judge.simulate,
            "self_check": {
                "share": SELF_CHECK_SHARE,
                "min_clips": SELF_CHECK_MIN_CLIPS,
                "seed": SELF_CHECK_SEED,
            },
        }

    def unavailable_reason(self) -> str | None:
        """Why the judge cannot run (no `judge:` block, no key, no checks)."""
        return self.reason

    def job_inputs(self, job: Job) -> dict[str, Any]:
        """The prompt's checks (changing one re-asks only that one: answers are cached)."""
        inputs: dict[str, Any] = {"checks": [c.key() for c in self.checks.get(job.prompt_id, [])]}
        other = self.others.get(job.job_id)
        if other is not None:
            inputs["self_check"] = {
                "prompt": other,
                "checks": [c.key() for c in self.checks[other]],
            }
        return inputs

    def questions(self, video: VideoPass, checks: list[Check]) -> list[Question | str]:
        """A Question per check, or why it is not asked ("audio", "no shot N")."""
        assert self.judge is not None
        out: list[Question | str] = []
        encoded: dict[int, str] = {}  # id(frame) → its data URL: checks share the clip's frames
        for check in checks:
            if check.kind == "audio":
                out.append("audio is not judged from frames")
                continue
            frames = frames_for(video, check.shot, self.judge.frames)
            if not frames:
                out.append(f"no shot {check.shot} in the clip")
                continue
            for frame in frames:
                if id(frame) not in encoded:
                    encoded[id(frame)] = encode_frame(frame)
            images = tuple(encoded[id(frame)] for frame in frames)
            digest = hashlib.sha256("".join(images).encode("ascii")).hexdigest()
            out.append(Question(check.question, check.shot, images, digest))
        return out

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        """Ask every check of the job's prompt; aggregate into judge_* values."""
        return self.begin(job, video)()

    def begin(self, job: Job, video: VideoPass) -> Callable[[], dict[str, Value]]:
        """Send the job's questions now and return what waits for the answers and aggregates
        them (`score` is the two at once): the stage scores the clip's other scorers while a
        judge answers, instead of a scoring thread idling for seconds per clip."""
        if self.session is None or self.judge is None:
            raise ScorerUnavailable(self.reason or "no judge configured")
        checks = self.checks.get(job.prompt_id, [])
        other = self.others.get(job.job_id)
        other_checks = self.checks.get(other, []) if other is not None else []
        prepared = self.questions(video, checks + other_checks)
        asked = [q for q in prepared if isinstance(q, Question)]
        answered = self.session.ask_all(asked)
        return lambda: self._finish(checks, other, other_checks, prepared, asked, answered.result)

    def _finish(
        self,
        checks: list[Check],
        other: str | None,
        other_checks: list[Check],
        prepared: list[Question | str],
        asked: list[Question],
        wait: Callable[[], list[Answered | None]],
    ) -> dict[str, Value]:
        try:
            answers = iter(wait())
        except Exception as exc:  # an auth error: every later question would fail the same way
            from vidbench.core.seam import errors

            if isinstance(exc, errors.AuthError):
                raise ScorerUnavailable(f"the judge endpoint refused the key: {exc}") from exc
            raise
        results = [next(answers) if isinstance(q, Question) else q for q in prepared]
        own_results, other_results = results[: len(checks)], results[len(checks) :]
        own_sent = sum(isinstance(q, Question) for q in prepared[: len(checks)])
        frames = [len(q.images) for q in asked]
        out = aggregate(checks, own_results, frames[:own_sent])
        if other is not None:
            add_self_check(out, other, checks, own_results, other_checks, other_results)
            out["judge_frames_sent"] = sum(frames)
        return out


def _label(check: Check) -> str:
    return f"[shot {check.shot}] {check.question}" if check.shot else check.question


def aggregate(
    checks: list[Check], results: list[Answered | str | None], frames_sent: list[int]
) -> dict[str, Value]:
    """judge_* values from each check's outcome (an answer, a reason not asked, or None)."""
    by_kind: dict[str, list[float]] = {kind: [] for kind in FRAME_KINDS}
    failed: list[str] = []
    notes: list[str] = []
    tokens_in = tokens_out = unanswered = 0
    cost_usd = 0.0
    for check, result in zip(checks, results, strict=True):
        if result is None:
            unanswered += 1
            notes.append(f"not asked (budget): {check.question}")
            continue
        if isinstance(result, str):
            if check.kind != "audio":  # a missing shot is a failed check
                by_kind[check.kind].append(0.0)
                failed.append(f"{_label(check)} ({result})")
            continue
        answer = result.answer
        tokens_in, tokens_out = tokens_in + answer.input_tokens, tokens_out + answer.output_tokens
        cost_usd += result.cost_usd
        value = answer.value
        if value is None:
            unanswered += 1
            why = result.error or answer.refusal or answer.malformed or "no answer"
            notes.append(
                f"{'refused' if answer.refusal else 'unanswered'}: {check.question} ({why})"
            )
            continue
        by_kind[check.kind].append(value)
        if value < 0.5:
            failed.append(_label(check))
    values = [v for vs in by_kind.values() for v in vs]
    out: dict[str, Value] = {"judge_score": float(np.mean(values)) if values else None}
    for kind, kind_values in by_kind.items():
        out[f"judge_{kind}"] = float(np.mean(kind_values)) if kind_values else None
    out.update(
        judge_checks=len(values),
        judge_unanswered=unanswered,
        judge_failed="; ".join(failed)[:FAILED_TEXT_CHARS],
        judge_notes="; ".join(notes)[:FAILED_TEXT_CHARS],
        judge_frames_sent=sum(frames_sent),
        judge_input_tokens=tokens_in,
        judge_output_tokens=tokens_out,
        judge_cost_usd=round(cost_usd, 6),
    )
    return out


def check_values(checks: list[Check], results: list[Answered | str | None]) -> list[float]:
    """P(yes) per answered frame check (a missing shot counts 0), in check order."""
    values: list[float] = []
    for check, result in zip(checks, results, strict=True):
        if isinstance(result, str):
            if check.kind != "audio":
                values.append(0.0)
        elif result is not None and result.answer.value is not None:
            values.append(result.answer.value)
    return values


def add_self_check(
    out: dict[str, Value],
    other: str,
    checks: list[Check],
    own_results: list[Answered | str | None],
    other_checks: list[Check],
    other_results: list[Answered | str | None],
) -> None:
    """The self-check's values and its tokens and cost added to the clip's judge_* values."""
    other_values = check_values(other_checks, other_results)
    out["judge_other_prompt"] = other
    out["judge_other_score"] = float(np.mean(other_values)) if other_values else None
    out["judge_own_values"] = json.dumps([round(v, 4) for v in check_values(checks, own_results)])
    out["judge_other_values"] = json.dumps([round(v, 4) for v in other_values])
    answered = [r for r in other_results if isinstance(r, Answered)]
    tokens_in = sum(r.answer.input_tokens for r in answered)
    tokens_out = sum(r.answer.output_tokens for r in answered)
    out["judge_input_tokens"] = int(out["judge_input_tokens"] or 0) + tokens_in
    out["judge_output_tokens"] = int(out["judge_output_tokens"] or 0) + tokens_out
    cost = float(out["judge_cost_usd"] or 0.0) + sum(r.cost_usd for r in answered)
    out["judge_cost_usd"] = round(cost, 6)


def judge_for_run(run_dir: Path, transport: Any = None) -> JudgeScorer:
    """The judge scorer for one run: its config's `judge:` block, its suite's checks, budget."""
    from vidbench.core.scorers.judge_setup import endpoint_for, load_checks, remaining_budget
    from vidbench.core.store.store import RunDir

    run = RunDir(run_dir)
    manifest = run.manifest()
    block = (manifest.get("config") or {}).get("judge")
    if not block:
        return JudgeScorer(reason="no `judge:` block in the run's config")
    settings = JudgeSettings.model_validate(block)
    checks = load_checks(manifest)
    if not any(checks.values()):
        return JudgeScorer(settings, reason="the run's suite has no `checks:` on any prompt")
    try:
        base_url, api_key, server = endpoint_for(settings)
    except ScorerUnavailable as exc:
        return JudgeScorer(settings, checks, reason=str(exc))
    session = JudgeSession(
        settings,
        api_key=api_key,
        base_url=base_url,
        cache_dir=run.cache_dir,
        budget=BudgetLeft(remaining_budget(run, manifest)),
        transport=transport,
    )
    others = self_check_pairs([job for job, _, _ in run.scorable()], checks)
    scorer = JudgeScorer(settings, checks, session=session, others=others)
    if server is not None:
        weakref.finalize(scorer, server.stop)
    return scorer
