"""Face identity with dlib: a face detector (frontal HOG, or the CNN MMOD detector for
profile and small faces), 5-point landmarks, 128-d ResNet embedding.

Models come from the `face_recognition_models` package (CC0), located with importlib because
its __init__ needs pkg_resources. The 68-point model it also ships is never used (its
training data has non-commercial terms).
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vidbench.core.scorers.base import (
    NON_NEGATIVE,
    SHARE,
    Output,
    Protocol,
    Scorer,
    ScorerContext,
    ScorerUnavailable,
    Value,
    nan_to_none,
)
from vidbench.core.scorers.known_answers import check_face_weights, weights_check_enabled
from vidbench.core.scorers.sampler import VideoPass, uniform_indices
from vidbench.core.scorers.temporal import shot_index
from vidbench.core.store.jobs import Job

SAME_PERSON_DISTANCE = 0.6  # dlib's documented threshold for the 128-d embedding
MIN_DETECT_SIDE_PX = 480  # smaller frames are upscaled once so small faces are found
# Larger frames are searched at this short side, landmarks and descriptor taken on the full
# frame: with dlib's 80 px window a face must be a sixth of the short side at any resolution
# (a ninth at 720p, 1/13 at 1080p before: presence depended on the resolution delivered).
DETECT_SHORT_SIDE_PX = 480
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
RESNET_FILE = "dlib_face_recognition_resnet_model_v1.dat"
CNN_DETECTOR_FILE = "mmod_human_face_detector.dat"
VBENCH2_MIN_FACES = 20  # VBench-2.0 human identity: fewer valid frames and the video is left out
Detector = Literal["hog", "cnn"]


class FaceOptions(BaseModel):
    """Options of the face identity scorer."""

    model_config = ConfigDict(extra="forbid")
    detector: Detector = Field(
        "hog",
        description="hog: dlib's frontal detector (fast); cnn: dlib's MMOD CNN, which also finds "
        "profile and small faces (seconds per frame on a CPU).",
    )
    frame_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Share of the video's native frames examined, evenly spaced (1 = every "
        "frame); none: the run's uniform frames (clip.frames).",
    )


def vbench2_identity(counts: list[int], distances_to_first: list[float | None]) -> float | None:
    """VBench-2.0 human identity on one clip: the first frame must hold exactly one face (the
    reference); over later frames with exactly one face, the share whose face matches it.
    None when the first frame does not qualify or too few frames do: VBench-2.0 needs 20; here
    min(20, half the later frames examined), so 16 uniform frames can still answer."""
    if not counts or counts[0] != 1:
        return None
    valid = [d for c, d in zip(counts[1:], distances_to_first[1:], strict=True) if c == 1]
    needed = min(VBENCH2_MIN_FACES, max(1, (len(counts) - 1) // 2))
    if len(valid) < needed or any(d is None for d in valid):
        return None
    return sum(d is not None and d < SAME_PERSON_DISTANCE for d in valid) / len(valid)


def face_model_dir() -> Path | None:
    """Folder holding face_recognition_models' .dat files, without importing the package."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def identity_values(
    distances: list[float | None], shots: list[int] | None = None
) -> dict[str, float | None]:
    """Shares and means from per-frame distances to the reference (None = no face in that frame)."""
    shots = shots if shots is not None else [0] * len(distances)
    found = [d for d in distances if d is not None]
    presence = len(found) / len(distances) if distances else 0.0
    if not found:
        return {
            "face_identity": None,
            "face_presence": presence,
            "face_distance_mean": None,
            "face_identity_min_shot": None,
        }
    per_shot = []
    for shot in sorted(set(shots)):
        in_shot = [d for d, s in zip(distances, shots, strict=True) if s == shot and d is not None]
        if in_shot:
            per_shot.append(sum(d < SAME_PERSON_DISTANCE for d in in_shot) / len(in_shot))
    return {
        "face_identity": sum(d < SAME_PERSON_DISTANCE for d in found) / len(found),
        "face_presence": presence,
        "face_distance_mean": float(np.mean(found)),
        "face_identity_min_shot": min(per_shot),
    }


class FaceEmbedder:
    """dlib models loaded once on first use."""

    def __init__(self, detector: Detector = "hog") -> None:
        self.detector = detector
        self._lock = threading.Lock()
        self._models: tuple[Any, Any, Any] | None = None
        self.unavailable = self._check()

    def _check(self) -> str | None:
        if importlib.util.find_spec("dlib") is None:
            return "dlib is not installed: pip install 'vidbench[faces]'"
        folder = face_model_dir()
        if folder is None:
            return "face_recognition_models is not installed: pip install 'vidbench[faces]'"
        needed = [LANDMARKS_FILE, RESNET_FILE] + (
            [CNN_DETECTOR_FILE] if self.detector == "cnn" else []
        )
        missing = [name for name in needed if not (folder / name).is_file()]
        return f"face model files missing in {folder}: {', '.join(missing)}" if missing else None

    @property
    def loaded(self) -> bool:
        """Whether the dlib models are in memory."""
        return self._models is not None

    def load(self) -> tuple[Any, Any, Any]:
        """(detector, landmark predictor, recogniser), checked once by `known_answers`'
        known answers; raises ScorerUnavailable with the reason."""
        fresh = False
        with self._lock:
            if self._models is None:
                if self.unavailable:
                    raise ScorerUnavailable(self.unavailable)
                import dlib

                folder = face_model_dir()
                assert folder is not None
                detector = (
                    dlib.cnn_face_detection_model_v1(str(folder / CNN_DETECTOR_FILE))
                    if self.detector == "cnn"
                    else dlib.get_frontal_face_detector()
                )
                self._models = (
                    detector,
                    dlib.shape_predictor(str(folder / LANDMARKS_FILE)),
                    dlib.face_recognition_model_v1(str(folder / RESNET_FILE)),
                )
                fresh = True
            models = self._models
        if fresh and weights_check_enabled():
            problem = check_face_weights(self, SAME_PERSON_DISTANCE)
            if problem:
                self._models, self.unavailable = None, problem
                raise ScorerUnavailable(problem)
        return models

    def faces(self, frame_rgb: np.ndarray) -> tuple[int, np.ndarray | None]:
        """(faces detected, 128-d embedding of the largest one or None): detected at
        DETECT_SHORT_SIDE_PX at most, landmarks and descriptor on the full frame."""
        detector, landmarks, recogniser = self.load()
        image = np.ascontiguousarray(frame_rgb)
        searched, scale = detection_image(image)
        upsample = 1 if min(searched.shape[:2]) < MIN_DETECT_SIDE_PX else 0
        found = detector(searched, upsample)
        boxes = [d.rect for d in found] if self.detector == "cnn" else list(found)
        if not boxes:
            return 0, None
        face = full_frame_box(max(boxes, key=lambda rect: rect.area()), scale)
        shape = landmarks(image, face)
        embedding = recogniser.compute_face_descriptor(image, shape)
        return len(boxes), np.asarray(embedding, dtype=np.float64)

    def largest_face(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        """128-d embedding of the largest face, or None."""
        return self.faces(frame_rgb)[1]


def detection_image(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The frame searched (short side ≤ DETECT_SHORT_SIDE_PX), and its scale to the full one."""
    height, width = image.shape[:2]
    factor = min(height, width) / DETECT_SHORT_SIDE_PX
    if factor <= 1.0:
        return image, 1.0
    size = (max(1, round(width / factor)), max(1, round(height / factor)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(small), width / size[0]


def full_frame_box(rect: Any, scale: float) -> Any:
    """A detector box on the searched frame as a dlib rectangle on the full frame."""
    if scale == 1.0:
        return rect
    import dlib

    return dlib.rectangle(
        round(rect.left() * scale),
        round(rect.top() * scale),
        round((rect.right() + 1) * scale) - 1,
        round((rect.bottom() + 1) * scale) - 1,
    )


def file_sha256(path: Path) -> str:
    """Content hash of a reference image (part of the cache key)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FaceIdentityScorer(Scorer):
    """Share of frames whose face matches the reference (character_ref, else the first face)."""

    name = "face_identity"
    version = "3"  # 3: faces searched at a 480 px short side, landmarks on the full frame
    needs = frozenset({"uniform", "shots"})
    requires = frozenset({"frames", "faces", "weights", "character_ref"})
    Options = FaceOptions
    thread_safe = False  # dlib's networks keep scratch buffers: one instance per thread
    protocol = Protocol(
        frames="16 uniform frames",
        model="dlib HOG frontal detector, 5-point landmarks, ResNet 128-d embedding",
        differences="VBench-2.0 human identity: RetinaFace + ArcFace on every frame",
    )
    outputs = {
        "face_identity": Output(
            "higher",
            f"Share of frames with a face whose dlib distance to the reference is < {SAME_PERSON_DISTANCE}.",
            regression_threshold=0.03,
            label="face id",
            headline=2,
            bounds=SHARE,
        ),
        "face_presence": Output(
            "higher",
            "Share of sampled frames with a detected face.",
            regression_threshold=0.03,
            bounds=SHARE,
        ),
        "face_distance_mean": Output(
            "lower",
            "Mean dlib distance to the reference over frames with a face.",
            bounds=NON_NEGATIVE,
        ),
        "face_identity_min_shot": Output(
            "higher", "face_identity of the worst shot.", bounds=SHARE
        ),
        "face_identity_vbench2": Output(
            "higher",
            "VBench-2.0-style human identity: share of frames (with exactly one face) whose face "
            f"matches the first frame's (dlib distance < {SAME_PERSON_DISTANCE}).",
            bounds=SHARE,
        ),
        "face_frames": Output("none", "Frames examined for faces.", bounds=NON_NEGATIVE),
        "face_reference": Output(
            "none", "character_ref, or first_face when none was given or it had no face."
        ),
    }

    def __init__(
        self, frames: int, embedder: FaceEmbedder | None = None, options: FaceOptions | None = None
    ):
        self.frames = frames
        self.options = options or FaceOptions()
        self.embedder = embedder or FaceEmbedder(self.options.detector)
        self._references: dict[str, np.ndarray | None] = {}
        self._ref_hashes: dict[tuple[str, int, int], str] = {}

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """Over the stage's uniform frames, or a share of every frame (`frame_share`)."""
        options = context.options_for(cls)
        assert isinstance(options, FaceOptions)
        if options.frame_share is not None:
            return ShareOfFramesFaceIdentityScorer(context.sampler.uniform_frames, options=options)
        return cls(context.sampler.uniform_frames, options=options)

    def frames_label(self) -> str:
        """Which frames are examined, in words."""
        share = self.options.frame_share
        if share is None:
            return f"{self.frames} uniform frames"
        return (
            "every native frame" if share == 1 else f"{share:.0%} of native frames, evenly spaced"
        )

    def protocol_for(self, column: str) -> Protocol | None:
        """Declared per detector and frames."""
        detector = (
            "dlib MMOD CNN detector"
            if self.options.detector == "cnn"
            else "dlib HOG frontal detector"
        )
        differences = "VBench-2.0 human identity: RetinaFace + ArcFace on every frame"
        if column == "face_identity_vbench2":
            differences = (
                f"VBench-2.0's rule (first frame's single face as reference, frames with exactly "
                f"one face, similarity threshold) with dlib distance < {SAME_PERSON_DISTANCE} in place of "
                "RetinaFace + ArcFace cosine ≥ 0.4; needs min(20, half the later frames) faces "
                "where VBench-2.0 needs 20; a per-clip share, where VBench-2.0 pools frames over videos"
            )
        return Protocol(
            frames=self.frames_label(),
            model=f"{detector}, 5-point landmarks, ResNet 128-d embedding",
            differences=differences,
        )

    def settings(self) -> dict[str, Any]:
        return {
            "detector": "dlib MMOD (CNN)"
            if self.options.detector == "cnn"
            else "dlib frontal (HOG)",
            "detect_short_side_px": DETECT_SHORT_SIDE_PX,
            "landmarks": LANDMARKS_FILE,
            "embedding": RESNET_FILE,
            "same_person_distance": SAME_PERSON_DISTANCE,
            "frames": self.frames if self.options.frame_share is None else None,
            "frame_share": self.options.frame_share,
        }

    def examined(self, video: VideoPass) -> tuple[list[np.ndarray], list[float]]:
        """The frames looked at, and their times."""
        if self.options.frame_share is None:
            return video.uniform_frames, video.uniform_times_s
        count = len(video.dense_frames)
        chosen = uniform_indices(count, max(1, round(self.options.frame_share * count)))
        return [video.dense_frames[i] for i in chosen], [video.dense_times_s[i] for i in chosen]

    def unavailable_reason(self) -> str | None:
        return self.embedder.unavailable

    def job_inputs(self, job: Job) -> dict[str, Any]:
        ref = Path(job.character_ref) if job.character_ref else None
        if ref is None or not ref.is_file():
            return {"character_ref": None}
        stat = ref.stat()
        identity = (str(ref), stat.st_size, stat.st_mtime_ns)
        if identity not in self._ref_hashes:  # many jobs share one reference image
            self._ref_hashes[identity] = file_sha256(ref)
        return {"character_ref": self._ref_hashes[identity]}

    def reference(self, path: str) -> np.ndarray | None:
        """Embedding of the reference image's largest face (once per file)."""
        if path not in self._references:
            from PIL import Image

            with Image.open(path) as image:
                self._references[path] = self.embedder.largest_face(
                    np.asarray(image.convert("RGB"))
                )
        return self._references[path]

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        frames, times_s = self.examined(video)
        found = [self.embedder.faces(frame) for frame in frames]
        faces = [face for _, face in found]
        reference, source = None, "first_face"
        if job.character_ref and Path(job.character_ref).is_file():
            reference = self.reference(job.character_ref)
            source = "character_ref" if reference is not None else "first_face"
        if reference is None:
            reference = next((face for face in faces if face is not None), None)
        distances = [
            None if face is None or reference is None else float(np.linalg.norm(face - reference))
            for face in faces
        ]
        shots = shot_index(times_s, video.shot_boundaries_s or [])
        values: dict[str, Value] = {
            k: nan_to_none(v) for k, v in identity_values(distances, shots).items()
        }
        first = faces[0] if faces else None
        to_first = [
            None if face is None or first is None else float(np.linalg.norm(face - first))
            for face in faces
        ]
        values["face_identity_vbench2"] = vbench2_identity([c for c, _ in found], to_first)
        values["face_frames"] = len(frames)
        values["face_reference"] = source
        return values


class ShareOfFramesFaceIdentityScorer(FaceIdentityScorer):
    """Face identity over a share of every native frame (the dense product)."""

    needs = frozenset({"dense", "shots"})
