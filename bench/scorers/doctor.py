"""`vidbench doctor`: the environment, and every model's weights by known-answer tests.

The known answers use real photographs that ship with scikit-image, so they run offline:
CLIP must match "a photo of a cat" to the cat photo over the coffee cup (and each of four
photos to its own caption); the face model must tell two real people apart (the NASA
astronaut and the cameraman) and find the astronaut again in a mirrored crop. Random or
corrupt weights fail, and the scoring stage refuses a scorer whose weights fail
(`check_clip_weights` and `check_face_weights` run when a model loads).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from dataclasses import dataclass, field

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.base import ScorerUnavailable
from vidbench.core.scorers.embedders import ClipEmbedder
from vidbench.core.scorers.faces import SAME_PERSON_DISTANCE, FaceEmbedder
from vidbench.core.scorers.known_answers import check_clip_weights, check_face_weights

PACKAGES = ("numpy", "av", "opencv-python-headless", "torch", "open-clip-torch", "dlib-bin")


@dataclass
class Check:
    """One doctor check: passed (True), failed (False) or could not run (None)."""

    name: str
    ok: bool | None
    detail: str
    scorers: tuple[str, ...] = ()  # scorers refused when this fails


@dataclass
class DoctorReport:
    """Every check, and the scorers refused with the reason."""

    checks: list[Check] = field(default_factory=list)

    @property
    def refused(self) -> dict[str, str]:
        """Scorer → why its weights are refused."""
        return {s: c.detail for c in self.checks if c.ok is False for s in c.scorers}

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


def run_doctor(clip: ClipSettings | None = None) -> DoctorReport:
    """Every check, in order: environment, face model, CLIP."""
    settings = clip or ClipSettings.model_validate({})
    return DoctorReport([*environment_checks(), face_doctor(), clip_doctor(settings)])


def report_lines(report: DoctorReport) -> list[str]:
    """The report as plain lines: one per check, then the refused scorers."""
    marks = {True: "ok  ", False: "FAIL", None: "skip"}
    lines = [f"{marks[check.ok]}  {check.name}: {check.detail}" for check in report.checks]
    for scorer, reason in report.refused.items():
        lines.append(f"refused  {scorer}: {reason}")
    return lines
