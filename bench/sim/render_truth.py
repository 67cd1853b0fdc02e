"""What the renderer actually drew, kept for the judge simulator; planted prompt errors.

A profile's `Quality.prompt_errors` is the chance that each checkable element of the prompt
is drawn wrong (a colour swapped, an object or the character left out, the text or the motion
dropped), decided per prompt from the render seed. Next to every rendered `<key>.mp4` the
renderer leaves `<key>.truth.json` (the scene as drawn, shots, audio) and `<key>.thumbs.npy`
(a tiny thumbnail of every frame) so the judge simulator can recognise a frame it is sent
and answer from the scene it drew.
"""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vidbench.core.sim.render_prompt import COLOURS, RGB, Scene

THUMB_PX = 12  # thumbnails are THUMB_PX x THUMB_PX RGB; enough to tell clips apart
TRUTH_SUFFIX = ".truth.json"
THUMBS_SUFFIX = ".thumbs.npy"


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """A frame reduced to a THUMB_PX² RGB vector in 0..1 (area averaging: noise cancels).

    Halved by area first while the short side is at least 8 x THUMB_PX: OpenCV's 2:1 area
    path is ~8x cheaper on a 720p frame than one area resize to 12 px, within one level of
    255 of it (tests/sim/test_sim_render_truth.py); every rendered frame is thumbnailed."""
    small = frame
    while min(small.shape[:2]) >= 8 * THUMB_PX:
        height, width = small.shape[:2]
        small = cv2.resize(small, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    small = cv2.resize(small, (THUMB_PX, THUMB_PX), interpolation=cv2.INTER_AREA)
    return np.asarray(small, np.float32).reshape(-1) / 255.0


def _other_colour(colour: RGB | None, rng: random.Random) -> RGB:
    choices = sorted({c for c in COLOURS.values() if c != colour})
    return choices[rng.randrange(len(choices))]


def plant_errors(scene: Scene, rate: float, seed: int) -> Scene:
    """The scene with each checkable element drawn wrong with probability `rate`."""
    if rate <= 0:
        return scene
    rng = random.Random(f"prompt-errors:{seed}")
    subjects = list(scene.subjects)
    colours = list(scene.subject_colours)
    changes: dict[str, Any] = {}
    if colours and rng.random() < rate:
        colours[0] = _other_colour(colours[0], rng)
    if len(subjects) > 1 and rng.random() < rate:
        subjects, colours = subjects[:-1], colours[:-1]
    elif subjects and scene.person and rng.random() < rate:
        changes["person"] = False
    changes["subjects"], changes["subject_colours"] = tuple(subjects), tuple(colours)
    if scene.person and scene.clothing is not None and rng.random() < rate:
        changes["clothing"] = _other_colour(scene.clothing, rng)
    if scene.text and rng.random() < rate:
        changes["text"] = None
    if scene.object_motion not in ("none", "idle") and rng.random() < rate:
        changes["object_motion"] = "idle"
    return dataclasses.replace(scene, **changes)


def collect_thumbnails(
    frames: Iterator[np.ndarray], into: list[np.ndarray]
) -> Iterator[np.ndarray]:
    """Pass frames through unchanged, appending each one's thumbnail to `into`."""
    for frame in frames:
        into.append(thumbnail(frame))
        yield frame


def scene_to_json(scene: Scene) -> dict[str, Any]:
    """A Scene as plain JSON (tuples become lists, the frozenset a sorted list)."""
    data = dataclasses.asdict(scene)
    data["backdrop"] = sorted(scene.backdrop)
    return data


def write_truth(
    video: Path, scene: Scene, *, shots: int, audio: bool, silent: bool, thumbs: list[np.ndarray]
) -> None:
    """Leave the drawn scene and the frame thumbnails next to a rendered video."""
    stem = video.with_suffix("")
    truth = {"scene": scene_to_json(scene), "shots": shots, "audio": audio, "silent": silent}
    truth["frames"] = len(thumbs)
    unique = uuid.uuid4().hex[:8]  # concurrent renders of one spec each write whole files
    tmp = stem.with_name(f".{stem.name}.{unique}.npy")
    np.save(tmp, np.stack(thumbs) if thumbs else np.zeros((0, 3 * THUMB_PX**2), np.float32))
    tmp.replace(stem.with_name(stem.name + THUMBS_SUFFIX))
    text = json.dumps(truth, sort_keys=True, ensure_ascii=False)
    tmp_json = stem.with_name(f".{stem.name}.{unique}.json")
    tmp_json.write_text(text, encoding="utf-8")
    tmp_json.replace(stem.with_name(stem.name + TRUTH_SUFFIX))
