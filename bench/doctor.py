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
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.config import ClipSettings

WEIGHTS_CHECK_ENV = "VIDBENCH_WEIGHTS_CHECK"  # "0": skip the check (tests with random weights)
# Each caption with the scikit-image photo it describes (skimage.data function names).
CLIP_KNOWN: dict[str, str] = {
    "a photo of a cat": "chelsea",
    "a photo of a coffee cup": "coffee",
    "a photo of an astronaut": "astronaut",
    "a photo of a rocket": "rocket",
}
CAMERAMAN_FACE_BOX = (189, 117, 257, 185)  # left, top, right, bottom in skimage.data.camera()
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


def weights_check_enabled() -> bool:
    """Whether models are checked when they load (off only for tests with random weights)."""
    return os.environ.get(WEIGHTS_CHECK_ENV, "1") != "0"


def photo(name: str) -> np.ndarray:
    """A scikit-image sample photo as RGB uint8."""
    from skimage import data

    image = np.asarray(getattr(data, name)())
    return np.ascontiguousarray(np.stack([image] * 3, -1) if image.ndim == 2 else image[..., :3])


def check_clip_weights(embedder: Any) -> str | None:
    """None when the loaded CLIP passes the known answers, else what went wrong."""
    captions = list(CLIP_KNOWN)
    images = np.asarray(embedder.embed_images([photo(CLIP_KNOWN[c]) for c in captions]))
    texts = np.stack([embedder.embed_text(caption) for caption in captions])
    similarity = images @ texts.T  # row: photo, column: caption
    wrong = [
        f"{CLIP_KNOWN[captions[i]]} → {captions[int(np.argmax(row))]!r}"
        for i, row in enumerate(similarity)
        if int(np.argmax(row)) != i
    ]
    cat, cup = captions.index("a photo of a cat"), captions.index("a photo of a coffee cup")
    if similarity[cat, cat] <= similarity[cup, cat]:
        wrong.insert(0, "'a photo of a cat' matches the coffee cup over the cat")
    if wrong:
        return "CLIP weights failed the known-answer test: " + "; ".join(wrong)
    return None


def check_face_weights(embedder: Any) -> str | None:
    """None when dlib finds the astronaut and tells her from the cameraman, else why not."""
    import dlib

    from bench.scorers.faces import SAME_PERSON_DISTANCE

    detector, landmarks, recogniser = embedder.load()
    astronaut = photo("astronaut")
    found = embedder.largest_face(astronaut)
    mirrored = embedder.largest_face(np.ascontiguousarray(astronaut[20:, 10:][:, ::-1]))
    if found is None or mirrored is None:
        return "face detector found no face in the astronaut photo"
    camera = photo("camera")
    box = dlib.rectangle(*CAMERAMAN_FACE_BOX)
    cameraman = np.asarray(recogniser.compute_face_descriptor(camera, landmarks(camera, box)))
    same, other = float(np.linalg.norm(found - mirrored)), float(np.linalg.norm(found - cameraman))
    if same >= SAME_PERSON_DISTANCE or other < SAME_PERSON_DISTANCE:
        return (
            f"face model failed the known-answer test: astronaut vs her mirrored crop {same:.2f}, "
            f"astronaut vs cameraman {other:.2f} (threshold {SAME_PERSON_DISTANCE})"
        )
    return None


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
    from bench.scorers.base import ScorerUnavailable
    from bench.scorers.embedders import ClipEmbedder

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
    from bench.scorers.faces import FaceEmbedder

    embedder = FaceEmbedder()
    if embedder.unavailable:
        return Check("face model", None, embedder.unavailable, ("face_identity",))
    problem = check_face_weights(embedder)
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
