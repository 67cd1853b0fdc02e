"""Prompt → scene description for the simulator renderer.

Plain keyword matching (English words plus a few common Chinese ones): colour, object, motion,
camera, time-of-day and text words pick what the procedural scene shows and how it moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "red": (215, 40, 40),
    "crimson": (190, 20, 50),
    "scarlet": (230, 35, 30),
    "orange": (245, 135, 30),
    "yellow": (245, 215, 40),
    "golden": (225, 175, 45),
    "gold": (225, 175, 45),
    "green": (45, 165, 70),
    "teal": (25, 145, 145),
    "cyan": (40, 200, 220),
    "turquoise": (50, 205, 190),
    "blue": (40, 85, 215),
    "navy": (25, 40, 120),
    "purple": (135, 55, 185),
    "violet": (145, 75, 215),
    "pink": (240, 115, 170),
    "magenta": (215, 40, 175),
    "brown": (125, 80, 40),
    "white": (242, 242, 242),
    "black": (28, 28, 30),
    "gray": (128, 128, 132),
    "grey": (128, 128, 132),
    "silver": (190, 195, 202),
    "beige": (220, 200, 160),
}
CHINESE_COLOURS: dict[str, str] = {
    "红": "red", "橙": "orange", "黄": "yellow", "金": "golden", "绿": "green", "蓝": "blue",
    "紫": "purple", "粉": "pink", "白": "white", "黑": "black", "灰": "gray", "棕": "brown",
}  # fmt: skip

# Foreground things the renderer can draw; the value is the sprite kind.
SUBJECT_WORDS: dict[str, str] = {
    "car": "car", "cars": "car", "truck": "car", "taxi": "car", "vehicle": "car", "bus": "car",
    "ball": "ball", "balloon": "ball", "planet": "ball", "sphere": "ball", "apple": "ball",
    "dog": "dog", "dogs": "dog", "corgi": "dog", "puppy": "dog", "fox": "dog", "horse": "dog",
    "cat": "cat", "cats": "cat", "kitten": "cat", "tiger": "cat",
    "bird": "bird", "birds": "bird", "eagle": "bird", "parrot": "bird", "seagull": "bird",
    "butterfly": "bird", "dragon": "bird",
    "tree": "tree", "trees": "tree", "forest": "tree",
    "house": "house", "cabin": "house", "building": "house", "castle": "house", "shop": "house",
    "bottle": "bottle", "perfume": "bottle", "drink": "bottle", "soda": "bottle",
    "phone": "phone", "smartphone": "phone", "laptop": "phone", "tablet": "phone",
    "shoe": "shoe", "shoes": "shoe", "sneaker": "shoe", "sneakers": "shoe", "boot": "shoe",
    "cup": "cup", "mug": "cup", "coffee": "cup", "tea": "cup",
    "flower": "flower", "flowers": "flower", "rose": "flower", "tulip": "flower",
    "boat": "boat", "ship": "boat", "sailboat": "boat",
    "plane": "plane", "airplane": "plane", "jet": "plane", "rocket": "plane",
    "fish": "fish", "whale": "fish", "dolphin": "fish",
}  # fmt: skip
CHINESE_SUBJECTS: dict[str, str] = {
    "车": "car", "球": "ball", "狗": "dog", "猫": "cat", "鸟": "bird", "树": "tree",
    "房子": "house", "瓶": "bottle", "手机": "phone", "鞋": "shoe", "杯": "cup", "花": "flower",
    "船": "boat", "飞机": "plane", "鱼": "fish",
}  # fmt: skip
# Scenery drawn into the background layer.
BACKDROP_WORDS: dict[str, str] = {
    "sun": "sun", "sunny": "sun", "moon": "moon", "mountain": "mountain",
    "mountains": "mountain", "hill": "mountain", "hills": "mountain", "ocean": "ocean",
    "sea": "ocean", "lake": "ocean", "river": "ocean", "waves": "ocean",
    "city": "city", "street": "city", "skyline": "city", "downtown": "city", "town": "city",
    "road": "road", "highway": "road", "snow": "snow", "snowy": "snow", "winter": "snow",
    "desert": "sand", "sand": "sand", "beach": "sand", "studio": "studio", "kitchen": "studio", "room": "studio",
    "office": "studio", "indoors": "studio", "stage": "studio",
}  # fmt: skip
CHINESE_BACKDROP: dict[str, str] = {
    "太阳": "sun", "月亮": "moon", "山": "mountain", "海": "ocean", "城市": "city", "街": "city",
    "雪": "snow", "沙漠": "sand",
}  # fmt: skip
PERSON_WORDS = frozenset((
    "girl", "boy", "man", "woman", "person", "people", "character", "she", "he", "her", "him",
    "chef", "host", "presenter", "model", "face", "lady", "gentleman", "kid", "child", "actor",
    "actress", "dancer", "singer", "astronaut", "anchor", "reporter", "teacher", "doctor",
    "worker", "student", "influencer", "vlogger", "portrait", "selfie",
))  # fmt: skip
CHINESE_PERSON = ("女孩", "男孩", "男人", "女人", "人", "她", "他", "主持", "厨师", "模特")

# Object motions: word → (kind, base speed multiplier).
OBJECT_MOTION: dict[str, tuple[str, float]] = {
    "walk": ("walk", 1.0), "walks": ("walk", 1.0), "walking": ("walk", 1.0),
    "stroll": ("walk", 0.7), "strolls": ("walk", 0.7), "wanders": ("walk", 0.8),
    "run": ("run", 1.0), "runs": ("run", 1.0), "running": ("run", 1.0),
    "races": ("run", 1.3), "racing": ("run", 1.3), "sprints": ("run", 1.3), "chases": ("run", 1.1),
    "gallops": ("run", 1.2), "jogs": ("run", 0.7),
    "drive": ("drive", 1.0), "drives": ("drive", 1.0), "driving": ("drive", 1.0),
    "speeds": ("drive", 1.3), "rolls": ("drive", 0.7), "rolling": ("drive", 0.7),
    "fly": ("fly", 1.0), "flies": ("fly", 1.0), "flying": ("fly", 1.0), "soars": ("fly", 0.9),
    "glides": ("fly", 0.7), "swims": ("fly", 0.6), "swimming": ("fly", 0.6),
    "floats": ("fly", 0.4), "floating": ("fly", 0.4), "sails": ("fly", 0.5),
    "spin": ("spin", 1.0), "spins": ("spin", 1.0), "spinning": ("spin", 1.0),
    "rotate": ("spin", 0.8), "rotates": ("spin", 0.8), "rotating": ("spin", 0.8),
    "twirls": ("spin", 1.0), "turns": ("spin", 0.6), "turntable": ("spin", 0.5),
    "jump": ("bounce", 1.0), "jumps": ("bounce", 1.0), "jumping": ("bounce", 1.0),
    "bounce": ("bounce", 1.0), "bounces": ("bounce", 1.0), "bouncing": ("bounce", 1.0),
    "hops": ("bounce", 0.8), "dances": ("bounce", 0.7), "dancing": ("bounce", 0.7),
    "waving": ("sway", 1.0), "talks": ("sway", 0.5),
    "speaks": ("sway", 0.5), "talking": ("sway", 0.5), "smiles": ("sway", 0.4),
}  # fmt: skip
CHINESE_MOTION: dict[str, str] = {"走": "walk", "跑": "run", "飞": "fly", "旋转": "spin", "跳": "bounce"}  # fmt: skip
CAMERA_WORDS: dict[str, str] = {
    "pan": "pan", "pans": "pan", "panning": "pan", "orbit": "orbit", "orbits": "orbit",
    "orbiting": "orbit", "zoom": "zoom_in", "zooms": "zoom_in", "zooming": "zoom_in",
    "dolly": "zoom_in", "push": "zoom_in", "tracking": "tracking", "tracks": "tracking",
    "follows": "tracking", "following": "tracking", "crane": "zoom_in", "tilt": "zoom_in",
    "handheld": "pan", "flyover": "pan", "aerial": "pan", "timelapse": "pan",
}  # fmt: skip
STILL_WORDS = frozenset((
    "static", "still", "motionless", "frozen", "stationary", "unmoving", "locked-off", "tripod",
))  # fmt: skip
NO_MOTION_PHRASES = ("still life", "no movement", "no motion", "not moving", "静止", "不动")
CLOTHING_WORDS = frozenset((
    "dress", "shirt", "t-shirt", "jacket", "coat", "suit", "hat", "sweater", "hoodie", "skirt",
    "scarf", "uniform", "outfit", "blouse", "gown", "jersey", "apron", "hair",
))  # fmt: skip
GROUND_WORDS = frozenset((
    "sky", "grass", "field", "lawn", "background", "floor", "wall", "water", "ground",
))  # fmt: skip
TEXT_WORDS = frozenset((
    "text", "sign", "logo", "caption", "captions", "words", "title", "banner", "label",
    "headline",
))  # fmt: skip
FAST_WORDS = frozenset((
    "fast", "quickly", "quick", "rapid", "rapidly", "speeding", "swift", "swiftly",
    "fast-paced",
))  # fmt: skip
SLOW_WORDS = frozenset((
    "slow", "slowly", "gently", "gentle", "leisurely", "calm", "calmly", "lazily",
))  # fmt: skip


@dataclass(frozen=True)
class Scene:
    """What to draw and how it moves, derived from the prompt's words."""

    subjects: tuple[str, ...]  # sprite kinds in prompt order, without the person
    subject_colours: tuple[RGB | None, ...]  # one per subject; None = the sprite's own colour
    clothing: RGB | None  # the character's clothes
    ground_colour: RGB | None  # a colour word about the ground/background
    backdrop: frozenset[str]  # scenery: sun, moon, mountain, ocean, city, road, snow, sand, studio
    colours: tuple[RGB, ...]  # all colour words in prompt order
    time_of_day: str  # "day", "sunset" or "night"
    person: bool
    object_motion: str  # "none", "idle", "walk", "run", "drive", "fly", "spin", "bounce", "sway"
    camera: str  # "static", "drift", "pan", "zoom_in", "zoom_out", "tracking", "orbit"
    pan_direction: int  # +1 scene content moves left (camera pans right), -1 the reverse
    speed: float  # fast/slow word multiplier
    text: str | None  # words to draw in frame, when the prompt asks for text


_WORD_RE = re.compile(r"[a-z][a-z\-']*")
_QUOTED_RE = re.compile(r"[\"“”「『]([^\"“”「」『』]{1,40})[\"“”」』]")
_READING_RE = re.compile(r"\b(?:reading|reads|saying|says|spelling)\s+([A-Za-z0-9!?&\-]{1,20})")


def _words(prompt: str) -> list[str]:
    """Lower-case English word tokens, trailing apostrophe forms stripped ("girl's" → "girl")."""
    return [w.split("'")[0] for w in _WORD_RE.findall(prompt.lower())]


def _text_in_frame(prompt: str, words: set[str]) -> str | None:
    """The words a prompt asks to show in frame, or None; Hershey fonts draw ASCII only."""
    if not words & TEXT_WORDS:
        return None
    match = _QUOTED_RE.search(prompt) or _READING_RE.search(prompt)
    if match is None:
        return None
    text = match.group(1).strip()
    return text if text.isascii() and text else None


def _assign_colours(
    prompt: str, tokens: list[str], subjects: list[str], person: bool
) -> tuple[list[RGB], list[RGB | None], RGB | None, RGB | None]:
    """Attach each colour word to the next noun it describes: an object, clothes or the ground.

    Colours that precede no such noun (or Chinese ones) fill uncoloured objects in order, then
    the clothes, then the ground. Returns (all colours, per-subject colours, clothing, ground).
    """
    by_subject: dict[str, RGB] = {}
    clothing: RGB | None = None
    ground: RGB | None = None
    loose: list[RGB] = []
    pending: RGB | None = None
    for token in tokens:
        if token in COLOURS:
            if pending is not None:
                loose.append(pending)
            pending = COLOURS[token]
        elif pending is not None and token in SUBJECT_WORDS and SUBJECT_WORDS[token] in subjects:
            by_subject.setdefault(SUBJECT_WORDS[token], pending)
            pending = None
        elif pending is not None and person and (token in CLOTHING_WORDS or token in PERSON_WORDS):
            clothing = clothing or pending
            pending = None
        elif pending is not None and (token in GROUND_WORDS or token in BACKDROP_WORDS):
            ground = ground or pending
            pending = None
    loose += [pending] if pending is not None else []
    loose += [COLOURS[name] for ch, name in CHINESE_COLOURS.items() if ch in prompt]
    for kind in subjects:
        if kind not in by_subject and loose:
            by_subject[kind] = loose.pop(0)
    if person and clothing is None and loose:
        clothing = loose.pop(0)
    if ground is None and loose:
        ground = loose.pop(0)
    everything = [COLOURS[w] for w in tokens if w in COLOURS] + [
        COLOURS[n] for c, n in CHINESE_COLOURS.items() if c in prompt
    ]
    return everything, [by_subject.get(kind) for kind in subjects], clothing, ground


def _cast(prompt: str, tokens: list[str], words: set[str]) -> tuple[list[str], bool, set[str]]:
    """Subjects on screen (at most three, prompt order), whether a person is, the backdrop."""
    subjects = [SUBJECT_WORDS[w] for w in tokens if w in SUBJECT_WORDS]
    subjects += [kind for ch, kind in CHINESE_SUBJECTS.items() if ch in prompt]
    subjects = list(dict.fromkeys(subjects))[:3]  # unique, prompt order, at most three on screen
    person = bool(words & PERSON_WORDS) or any(ch in prompt for ch in CHINESE_PERSON)
    backdrop = {BACKDROP_WORDS[w] for w in tokens if w in BACKDROP_WORDS}
    backdrop |= {kind for ch, kind in CHINESE_BACKDROP.items() if ch in prompt}
    if not subjects and not person and not backdrop & {"mountain", "city", "ocean"}:
        subjects = ["ball"]  # something to look at when the prompt names nothing drawable
    if "car" in subjects and not backdrop & {"ocean", "studio", "snow", "sand"}:
        backdrop.add("road")
    return subjects, person, backdrop


def _time_of_day(prompt: str, words: set[str]) -> str:
    """The time of day the prompt names: night, sunset, else day."""
    if words & {"night", "midnight", "moonlight", "moonlit", "starry", "dark"} or "夜" in prompt:
        return "night"
    if words & {"sunset", "sunrise", "dusk", "dawn", "twilight"} or "日落" in prompt:
        return "sunset"
    return "day"


def _camera_words(lowered: str, tokens: list[str]) -> list[str]:
    """Camera moves named in the prompt; a zoom that pulls back is a zoom out."""
    cameras = [CAMERA_WORDS[w] for w in tokens if w in CAMERA_WORDS]
    pulls_back = re.search(r"\b(zoom(s|ing)? out|pull(s|ing)? (back|out)|dolly out)\b", lowered)
    if cameras and cameras[0] == "zoom_in" and pulls_back:
        cameras[0] = "zoom_out"
    return cameras


def _motion(
    prompt: str, tokens: list[str], words: set[str], person: bool
) -> tuple[str, str, float]:
    """Object motion, camera move and speed from the motion, camera and stillness words."""
    lowered = prompt.lower()
    motions = [OBJECT_MOTION[w] for w in tokens if w in OBJECT_MOTION]
    motions += [(kind, 1.0) for ch, kind in CHINESE_MOTION.items() if ch in prompt]
    cameras = _camera_words(lowered, tokens)
    no_motion = any(p in lowered for p in NO_MOTION_PHRASES)
    still = bool(words & STILL_WORDS) or no_motion
    speed = 1.8 if words & FAST_WORDS else 0.5 if words & SLOW_WORDS else 1.0
    object_motion, camera = "idle", "drift"  # generated video is rarely frozen without a cue
    if motions:
        object_motion, base_speed = motions[0]
        speed *= base_speed
        camera = "static"
    if cameras:
        camera = cameras[0]
    if still:
        camera = "static"  # "static camera" stops the camera; object motion words still count
        if no_motion or not motions:
            object_motion = "none"
    moving = object_motion in ("walk", "run", "drive", "fly") and camera in ("static", "drift")
    if moving and re.search(r"\bcamera (follows|tracks)\b", lowered):
        camera = "tracking"
    walking = person and object_motion in ("walk", "run") and camera == "static"
    if walking and not still and not cameras:
        camera = "tracking"  # a walking character is filmed following them: scenery scrolls by
    return object_motion, camera, speed


def parse_prompt(prompt: str) -> Scene:
    """Map a prompt's words to a Scene (unknown words are ignored)."""
    lowered = prompt.lower()
    tokens = _words(prompt)
    words = set(tokens)
    subjects, person, backdrop = _cast(prompt, tokens, words)
    colours, subject_colours, clothing, ground_colour = _assign_colours(
        prompt, tokens, subjects, person
    )
    time_of_day = _time_of_day(prompt, words)
    object_motion, camera, speed = _motion(prompt, tokens, words, person)
    pan_direction = -1 if re.search(r"\b(pans?|panning) (to the )?left\b", lowered) else 1
    return Scene(
        subjects=tuple(subjects),
        subject_colours=tuple(subject_colours),
        clothing=clothing,
        ground_colour=ground_colour,
        backdrop=frozenset(backdrop),
        colours=tuple(colours),
        time_of_day=time_of_day,
        person=person,
        object_motion=object_motion,
        camera=camera,
        pan_direction=pan_direction,
        speed=speed,
        text=_text_in_frame(prompt, words),
    )
