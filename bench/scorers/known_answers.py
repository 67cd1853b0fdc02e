"""Known-answer tests a model must pass when it loads, so wrong or random weights never score:
CLIP must match captions to scikit-image's sample photos, dlib must tell the astronaut from
the cameraman. The embedders call these; `vidbench doctor` reports them.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

WEIGHTS_CHECK_ENV = "VIDBENCH_WEIGHTS_CHECK"  # "0": skip the check (tests with random weights)


# Each caption with the scikit-image photo it describes (skimage.data function names).
CLIP_KNOWN: dict[str, str] = {
    "a photo of a cat": "chelsea",
    "a photo of a coffee cup": "coffee",
    "a photo of an astronaut": "astronaut",
    "a photo of a rocket": "rocket",
}


CAMERAMAN_FACE_BOX = (189, 117, 257, 185)  # left, top, right, bottom in skimage.data.camera()


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


def check_face_weights(embedder: Any, same_person_distance: float) -> str | None:
    """None when dlib finds the astronaut and tells her from the cameraman (descriptor
    distances either side of `same_person_distance`), else why not."""
    import dlib

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
    if same >= same_person_distance or other < same_person_distance:
        return (
            f"face model failed the known-answer test: astronaut vs her mirrored crop {same:.2f}, "
            f"astronaut vs cameraman {other:.2f} (threshold {same_person_distance})"
        )
    return None
