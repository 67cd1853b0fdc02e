"""`vidbench doctor`: the environment, and every model's weights by known-answer tests.

The known answers use real photographs that ship with scikit-image, so they run offline:
CLIP must match "a photo of a cat" to the cat photo over the coffee cup (and each of four
photos to its own caption); the face model must tell two real people apart (the NASA
astronaut and the cameraman) and find the astronaut again in a mirrored crop. Random or
corrupt weights fail, and the scoring stage refuses a scorer whose weights fail
(`check_clip_weights` and `check_face_weights` run when a model loads).

Then every scorer the given config (or the demo) lists is asked whether it can run here,
cheaply and without loading a model; one that cannot fails the doctor, with the one command
or setting that fixes it (`fix_for`).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from vidbench.core.config.checks import JudgeSettings
from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.base import Scorer, ScorerUnavailable
from vidbench.core.scorers.embedders import CLIP_WEIGHTS_ENV, ClipEmbedder
from vidbench.core.scorers.faces import SAME_PERSON_DISTANCE, FaceEmbedder
from vidbench.core.scorers.known_answers import check_clip_weights, check_face_weights
from vidbench.core.scorers.sampler import SamplerSettings
from vidbench.core.scorers.work import build_scorers

PACKAGES = ("numpy", "av", "opencv-python-headless", "torch", "open-clip-torch", "dlib-bin")


@dataclass
class Check:
    """One doctor check: passed (True), failed (False) or could not run (None)."""

    name: str
    ok: bool | None
    detail: str
    scorers: tuple[str, ...] = ()  # scorers refused when this fails
    fix: str = ""  # the one command or setting that makes a failed check pass


@dataclass
class DoctorReport:
    """Every check, and the scorers refused with the reason."""

    checks: list[Check] = field(default_factory=list)

    @property
    def refused(self) -> dict[str, str]:
        """Scorer → why its weights are refused."""
        return {s: c.detail for c in self.checks if c.ok is False and not c.fix for s in c.scorers}

    @property
    def missing(self) -> dict[str, str]:
        """Needed scorer → the fix, for every needed scorer that cannot run here."""
        return {s: c.fix for c in self.checks if c.ok is False and c.fix for s in c.scorers}

    @property
    def ok(self) -> bool:
        """No check failed (checks that could not run are reported, not failures)."""
        return all(check.ok is not False for check in self.checks)


def environment_checks() -> list[Check]:
    """Python and the packages the scorers need, with versions."""
    checks = [Check("python", sys.version_info >= (3, 11), sys.version.split()[0])]
    for name in PACKAGES:
        try:
            checks.append(Check(name, True, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(name, None, "not installed"))
    models = importlib.util.find_spec("face_recognition_models")
    checks.append(
        Check(
            "face_recognition_models",
            True if models else None,
            "found" if models else "not installed",
        )
    )
    return checks


def clip_doctor(settings: ClipSettings) -> Check:
    """Load CLIP as the scorers would and run the known answers."""
    embedder = ClipEmbedder(settings)
    scorers = ("clip_alignment", "subject_consistency")
    name = f"CLIP {settings.model} weights"
    try:
        embedder.load(verify=False)
    except ScorerUnavailable as exc:
        return Check(name, None, str(exc), scorers)
    problem = check_clip_weights(embedder)
    detail = f"{embedder.weights_source or 'file'}: known answers match"
    return Check(name, problem is None, problem or detail, scorers)


def face_doctor() -> Check:
    """Load dlib's models as face_identity would and run the known answers."""
    embedder = FaceEmbedder()
    if embedder.unavailable:
        return Check("face model", None, embedder.unavailable, ("face_identity",))
    problem = check_face_weights(embedder, SAME_PERSON_DISTANCE)
    detail = "two real people told apart; the astronaut found again"
    return Check("face model", problem is None, problem or detail, ("face_identity",))


@dataclass(frozen=True)
class Needs:
    """What a config asks of this machine: its scorers, their settings and its judge."""

    label: str  # "the demo", "config.yaml": who needs the scorers
    scorers: tuple[str, ...]
    clip: ClipSettings = field(default_factory=lambda: ClipSettings.model_validate({}))
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    judge: JudgeSettings | None = None


def clip_fix(embedder: ClipEmbedder) -> str:
    """The one command or setting that gives this CLIP embedder its weights."""
    if any(importlib.util.find_spec(m) is None for m in ("torch", "open_clip")):
        return "pip install 'vidbench[clip]'"
    settings = embedder.settings
    wanted = f"{settings.model}/{settings.pretrained}"
    if embedder.configured_file is not None:
        return (
            f"export {CLIP_WEIGHTS_ENV}=<an existing {wanted} weights file> "
            f"(now {embedder.configured_file}: not found; or clip.weights in the config)"
        )
    return (
        f"export {CLIP_WEIGHTS_ENV}=/path/to/<{wanted} open_clip weights file> "
        "(or clip.weights in the config; see README, Troubleshooting)"
    )


def fix_for(scorer: Scorer, reason: str) -> str:
    """The one command or setting that makes `scorer` available (its reason when it names no
    better one: scorers' reasons end with their fix)."""
    embedder = scorer.embedder
    if isinstance(embedder, ClipEmbedder):
        return clip_fix(embedder)
    if isinstance(embedder, FaceEmbedder):
        return "pip install 'vidbench[faces]'"
    return reason


def judge_check(needs: Needs) -> Check:
    """The judge is built per run directory; here: is there a judge, and a key for it."""
    name = f"scorer judge (needed by {needs.label})"
    judge = needs.judge
    if judge is None:
        fix = "add a judge: block to the config (see configs/demo.yaml), or drop judge from scorers"
        return Check(name, False, "the config has no judge: block", ("judge",), fix)
    if judge.simulate or not judge.api_key_env or os.environ.get(judge.api_key_env):
        where = "the built-in judge simulator" if judge.simulate else judge.endpoint
        return Check(name, True, f"{judge.model} at {where}", ("judge",))
    env = judge.api_key_env
    return Check(name, False, f"{env} is not set", ("judge",), f"export {env}=<the judge's key>")


def needed_scorer_checks(needs: Needs) -> list[Check]:
    """One check per scorer `needs` lists: can it run here (no model is loaded)?"""
    names = [n for n in needs.scorers if n != "judge"]
    built = build_scorers(names, needs.clip, SamplerSettings(), needs.options)
    checks = []
    for name, scorer in built.by_name.items():
        reason = scorer.unavailable_reason()
        label = f"scorer {name} (needed by {needs.label})"
        if reason is None:
            checks.append(Check(label, True, "available", (name,)))
        else:
            checks.append(Check(label, False, reason, (name,), fix_for(scorer, reason)))
    if "judge" in needs.scorers:
        checks.append(judge_check(needs))
    return checks


def run_doctor(clip: ClipSettings | None = None, needs: Needs | None = None) -> DoctorReport:
    """Every check, in order: environment, face model, CLIP, then each scorer `needs` lists."""
    settings = clip or (needs.clip if needs else ClipSettings.model_validate({}))
    checks = [*environment_checks(), face_doctor(), clip_doctor(settings)]
    if needs is not None:
        checks += needed_scorer_checks(needs)
    return DoctorReport(checks)


def report_lines(report: DoctorReport) -> list[str]:
    """The report as plain lines: one per check (a failed one with its fix), then the refused
    scorers."""
    marks = {True: "ok  ", False: "FAIL", None: "skip"}
    lines = []
    for check in report.checks:
        lines.append(f"{marks[check.ok]}  {check.name}: {check.detail}")
        if check.ok is False and check.fix:
            lines.append(f"      fix: {check.fix}")
    for scorer, reason in report.refused.items():
        lines.append(f"refused  {scorer}: {reason}")
    return lines
