"""The judge simulator's eyes: recognise a frame it is sent, answer from the scene drawn.

`TruthIndex` reads the `<key>.truth.json` / `<key>.thumbs.npy` pairs the renderer leaves in
its cache folder and finds the rendered clip (and frame) nearest to a sent image.
`truth_answer` reads a yes/no question with the renderer's own vocabulary and checks each
element it names (objects, colours, the character, clothes, motion, camera, quoted text, a
shot count, the scenery, the time of day, the ground's colour) against the scene as drawn.
A question naming nothing the renderer draws (a door, rain, a cartoon style) is about
something not in the frames: the answer is no (the judge simulator then says yes at its
false-yes rate, as a real judge sometimes does). It used to be yes whatever the clip, which
left 44% of the core suite's checks unable to tell one prompt's clip from another's.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vidbench.core.sim import render_prompt as words
from vidbench.core.sim.render_truth import THUMBS_SUFFIX, TRUTH_SUFFIX, thumbnail

MATCH_MAX_RMS = 0.12  # a sent frame farther than this from every drawn frame is not ours
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twice": 2}
STATIC_WORDS = frozenset(("static", "locked-off", "still", "stationary", "tripod"))


@dataclass(frozen=True)
class Match:
    """The rendered clip a sent frame came from."""

    key: str
    truth: dict[str, Any]
    frame: int
    rms: float

    @property
    def shot(self) -> int:
        """1-based shot of the matched frame."""
        frames, shots = max(1, int(self.truth["frames"])), max(1, int(self.truth["shots"]))
        return min(shots, self.frame * shots // frames + 1)


class TruthIndex:
    """Thumbnails of every clip rendered into one cache folder, reloaded as clips appear."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.keys: list[str] = []
        self.truths: dict[str, dict[str, Any]] = {}
        self.thumbs: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Load truths written since the last call."""
        with self._lock:
            for path in sorted(self.folder.glob(f"*{TRUTH_SUFFIX}")):
                key = path.name[: -len(TRUTH_SUFFIX)]
                if key in self.truths or key.startswith("."):
                    continue
                try:
                    truth = json.loads(path.read_text(encoding="utf-8"))
                    thumbs = np.load(self.folder / f"{key}{THUMBS_SUFFIX}", allow_pickle=False)
                except (OSError, ValueError):
                    continue  # being written; the next request sees it
                self.truths[key], self.thumbs[key] = truth, thumbs
                self.keys.append(key)

    def match(self, frame: np.ndarray) -> Match | None:
        """The nearest drawn frame to `frame`, or None when nothing drawn is close."""
        self.refresh()
        probe = thumbnail(frame)
        best: Match | None = None
        for key in list(self.keys):
            thumbs = self.thumbs[key]
            if len(thumbs) == 0:
                continue
            rms = np.sqrt(np.mean((thumbs - probe) ** 2, axis=1))
            index = int(np.argmin(rms))
            if best is None or rms[index] < best.rms:
                best = Match(key, self.truths[key], index, float(rms[index]))
        return best if best is not None and best.rms <= MATCH_MAX_RMS else None


@dataclass(frozen=True)
class Asked:
    """What a question names, in the renderer's vocabulary."""

    subjects: dict[str, tuple[int, int, int] | None]  # sprite kind → colour named (or None)
    person: bool
    clothing: tuple[int, int, int] | None
    motion: str | None
    camera: str | None
    text: str | None
    shots_at_least: int | None
    backdrop: frozenset[str] = frozenset()  # scenery kinds named (sun, ocean, sand, studio, …)
    time_of_day: str | None = None  # "sunset" or "night" when the question names one
    ground: tuple[int, int, int] | None = None  # a colour named for the ground or background

    @property
    def empty(self) -> bool:
        """Whether the question names nothing the renderer draws."""
        return not (
            self.subjects
            or self.person
            or self.motion
            or self.camera
            or self.text
            or self.shots_at_least
            or self.backdrop
            or self.time_of_day
            or self.ground
        )


def read_question(question: str) -> Asked:
    """Pick out of a question the elements the renderer can draw."""
    tokens = words._words(question)
    kinds = list(dict.fromkeys(words.SUBJECT_WORDS[t] for t in tokens if t in words.SUBJECT_WORDS))
    person = bool(set(tokens) & words.PERSON_WORDS)
    _, colours, clothing, ground = words._assign_colours(question, tokens, kinds, person)
    backdrop = frozenset(words.BACKDROP_WORDS[t] for t in tokens if t in words.BACKDROP_WORDS)
    time_of_day = words._time_of_day(question, set(tokens))
    motions = [words.OBJECT_MOTION[t][0] for t in tokens if t in words.OBJECT_MOTION]
    cameras = [words.CAMERA_WORDS[t] for t in tokens if t in words.CAMERA_WORDS]
    if set(tokens) & STATIC_WORDS and "camera" in tokens:
        cameras = ["static"]
    if cameras and cameras[0] == "zoom_in" and re.search(r"\bzoom(s|ing)? out\b", question.lower()):
        cameras[0] = "zoom_out"
    quoted = words._QUOTED_RE.search(question)
    shots_at_least = None
    if "shots" in tokens or "cut" in tokens:
        counts = [NUMBER_WORDS[t] for t in tokens if t in NUMBER_WORDS]
        shots_at_least = counts[0] if counts else 2
    return Asked(
        subjects=dict(zip(kinds, colours, strict=True)),
        person=person,
        clothing=clothing,
        motion=motions[0] if motions else None,
        camera=cameras[0] if cameras else None,
        text=quoted.group(1).strip() if quoted else None,
        shots_at_least=shots_at_least,
        backdrop=backdrop,
        time_of_day=None if time_of_day == "day" else time_of_day,
        ground=ground if any(t in words.GROUND_WORDS for t in tokens) else None,
    )


def _rgb(value: Any) -> tuple[int, int, int] | None:
    return None if value is None else (int(value[0]), int(value[1]), int(value[2]))


def truth_answer(question: str, truth: dict[str, Any]) -> bool:
    """Whether the clip drawn as `truth` shows what `question` asks (see module docstring)."""
    asked = read_question(question)
    if asked.empty:
        return False  # nothing the renderer draws: not in the frames
    scene = truth["scene"]
    drawn = {k: _rgb(c) for k, c in zip(scene["subjects"], scene["subject_colours"], strict=True)}
    for kind, colour in asked.subjects.items():
        if kind not in drawn:
            return False
        if colour is not None and drawn[kind] is not None and colour != drawn[kind]:
            return False
    if asked.person and not scene["person"]:
        return False
    worn = _rgb(scene["clothing"]) if scene["person"] else None
    if asked.clothing is not None and worn not in (None, asked.clothing):
        return False
    if asked.motion is not None and scene["object_motion"] != asked.motion:
        return False
    if asked.camera is not None and scene["camera"] != asked.camera:
        return False
    if asked.text is not None and (scene["text"] or "").lower() != asked.text.lower():
        return False
    if not asked.backdrop <= set(scene.get("backdrop") or ()):
        return False
    if asked.time_of_day is not None and scene.get("time_of_day") != asked.time_of_day:
        return False
    ground = _rgb(scene.get("ground_colour"))
    if asked.ground is not None and ground is not None and ground != asked.ground:
        return False
    return asked.shots_at_least is None or int(truth["shots"]) >= asked.shots_at_least


VERBS = {"walk": "walk", "run": "run", "drive": "drive", "fly": "fly", "spin": "spin",
         "bounce": "jump", "sway": "move"}  # fmt: skip
CAMERA_QUESTIONS = {
    "static": "Is the camera static?",
    "pan": "Does the camera pan?",
    "zoom_in": "Does the camera zoom in?",
    "zoom_out": "Does the camera zoom out?",
    "tracking": "Does the camera follow the subject?",
    "orbit": "Does the camera orbit around the subject?",
}


def draft_checks(prompt: str, shots: int | None) -> list[dict[str, Any]]:
    """Checks the simulator's 'language model' drafts: the prompt's drawable elements."""
    scene = words.parse_prompt(prompt)
    names = {rgb: name for name, rgb in reversed(words.COLOURS.items())}
    tokens = words._words(prompt)
    nouns = {words.SUBJECT_WORDS[t]: t for t in reversed(tokens) if t in words.SUBJECT_WORDS}
    out: list[dict[str, Any]] = []
    for kind, colour in zip(scene.subjects, scene.subject_colours, strict=True):
        noun = nouns.get(kind, kind)
        out.append({"question": f"Is there a {noun}?", "kind": "entity"})
        if colour is not None:
            out.append({"question": f"Is the {noun} {names[colour]}?", "kind": "attribute"})
    if scene.person:
        out.append({"question": "Is there a person?", "kind": "entity"})
    if scene.object_motion in VERBS:
        who = (
            "person"
            if scene.person
            else nouns.get(scene.subjects[0], "subject")
            if scene.subjects
            else "subject"
        )
        out.append({"question": f"Does the {who} {VERBS[scene.object_motion]}?", "kind": "action"})
    named_camera = set(tokens) & (set(words.CAMERA_WORDS) | words.STILL_WORDS)
    if scene.camera in CAMERA_QUESTIONS and named_camera:  # only a move the prompt names
        out.append({"question": CAMERA_QUESTIONS[scene.camera], "kind": "camera"})
    if scene.text:
        out.append({"question": f'Does the text "{scene.text}" appear?', "kind": "text"})
    if shots and shots > 1:
        out.append({"question": f"Are there {shots} distinct shots?", "kind": "shot_order"})
    return out[:6]
