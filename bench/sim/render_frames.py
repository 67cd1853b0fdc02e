"""Frame generation for the simulator renderer: layout, object and camera motion, shots, quality.

Static layers (each shot's wide background, sprites) are drawn once; per frame the camera
warps the background (pan = horizontal offset, zoom = scale), moving sprites are blended in,
then the profile's flicker and noise are applied, all with vectorised OpenCV/numpy calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from vidbench.core.sim.profiles import Quality
from vidbench.core.sim.render_face import blend_sprites, person_sprites
from vidbench.core.sim.render_prompt import Scene
from vidbench.core.sim.render_scenery import Setting, build_background, shot_settings
from vidbench.core.sim.render_sprites import FLYING, Sprite, composite, draw_sprite, scale_sprite

# Speeds in frame widths (or degrees) per second at speed 1. Pans, walks and runs exceed the
# VBench dynamic-degree threshold (top-5 % optical flow > 6/256 of the short side per frame).
CAMERA_SPEED_W = {"pan": 0.4, "orbit": 0.25, "drift": 0.035}
ZOOM_RATE_PER_S = 0.2  # log-scale change per second
OBJECT_SPEED_W = {"walk": 0.35, "run": 0.5, "drive": 0.6, "fly": 0.4}
SPIN_DEG_PER_S = 220.0
MAX_TRAVEL_W = 3.0  # camera travel cap each side of mid-shot, in frame widths
# Per-shot framing so consecutive shots differ in composition too: (size factor, x shift in W).
FRAMINGS = ((1.0, 0.0), (1.15, 0.1), (0.85, -0.1), (1.08, -0.05))
# Face box height as a share of the frame height for the first framing at 480p and up.
FACE_SHARE = 0.3
MIN_FACE_PX = 80  # what dlib's frontal detector needs comfortably


@dataclass(frozen=True)
class Actor:
    """One moving sprite: a drawn object or the character (with its drift sprite)."""

    sprite: Sprite
    drift_sprite: Sprite | None  # the character's second face; None for objects
    home_x: float  # world x of the sprite's bottom centre at mid-shot
    bottom_y: float  # world y of the sprite's bottom edge
    motion: str


def _face_px(height: int, factor: float) -> int:
    """Face box height for this frame height: ~30 % of 480p+, at least ~80 px where it fits."""
    share = FACE_SHARE * factor
    if height >= 480:
        return round(height * share)
    return round(min(max(height * share, MIN_FACE_PX * factor), height * 0.55))


def _actors(
    scene: Scene, width: int, height: int, framing: tuple[float, float], cam_mid_x: float
) -> list[Actor]:
    """Lay out the character and objects for one shot."""
    size_factor, shift = framing
    actors: list[Actor] = []
    subjects = list(scene.subjects)
    if scene.person:
        clothing = scene.clothing or (70, 90, 150)
        first, second, _ = person_sprites(_face_px(height, size_factor), clothing)
        x = 0.5 if not subjects else 0.36
        motion = "sway" if scene.object_motion == "spin" else scene.object_motion
        bottom = max(height * 1.02, first.size[1] + height * 0.02)  # keep the hair in frame
        actors.append(Actor(first, second, cam_mid_x + (x + shift - 0.5) * width, bottom, motion))
    slots = {0: [], 1: [0.5], 2: [0.33, 0.68], 3: [0.22, 0.5, 0.78]}[len(subjects)]
    if scene.person:
        slots = [0.74, 0.9, 0.9][: len(subjects)]
    for kind, slot, colour in zip(subjects, slots, scene.subject_colours, strict=True):
        share = (0.42 if len(subjects) == 1 and not scene.person else 0.28) * size_factor
        share *= {"car": 0.8, "house": 1.15, "tree": 1.3, "plane": 0.7}.get(kind, 1.0)
        sprite = draw_sprite(kind, round(height * share), colour)
        if kind == "car":  # drawn facing left; vehicles travel right
            sprite = Sprite(
                np.ascontiguousarray(sprite.rgb[:, ::-1]),
                np.ascontiguousarray(sprite.alpha[:, ::-1]),
            )
        flying = kind in FLYING or scene.object_motion == "fly" and kind not in ("house", "tree")
        bottom = height * (0.45 if flying else 0.9) + sprite.size[1] * (0.5 if flying else 0.0)
        motion = scene.object_motion if kind not in ("house", "tree") else "none"
        actors.append(Actor(sprite, None, cam_mid_x + (slot + shift - 0.5) * width, bottom, motion))
    return actors


def _displacement(
    motion: str, t: float, mid_t: float, speed: float, width: int, height: int, person: bool
) -> tuple[float, float, float]:
    """(dx, dy, angle_deg) of an actor at time t from its home position."""
    if motion in ("none",) or speed == 0.0:
        return 0.0, 0.0, 0.0
    if person:  # the character stays frontal, upright and in frame: back-and-forth moves only
        amplitude = {"walk": 0.1, "run": 0.16, "drive": 0.16, "fly": 0.12, "bounce": 0.02}.get(
            motion, 0.02
        )
        period_s = 4.0 / max(speed, 0.1)
        dy = (
            -0.03 * height * abs(math.sin(math.pi * t * 2 * speed))
            if motion in ("walk", "run", "bounce")
            else 0.0
        )
        return amplitude * width * math.sin(2 * math.pi * t / period_s), dy, 0.0
    if motion in OBJECT_SPEED_W:
        dx = OBJECT_SPEED_W[motion] * speed * width * (t - mid_t)
        dy = 0.0
        if motion == "fly":
            dy = 0.06 * height * math.sin(2 * math.pi * t * 0.7 * speed)
        elif motion in ("walk", "run"):
            dy = -0.02 * height * abs(math.sin(math.pi * t * 3 * speed))
        return dx, dy, 0.0
    if motion == "spin":
        return 0.0, 0.0, -SPIN_DEG_PER_S * speed * t
    if motion == "bounce":
        return 0.0, -0.2 * height * abs(math.sin(math.pi * t * 1.6 * speed)), 0.0
    if motion == "sway":
        return (
            0.03 * width * math.sin(2 * math.pi * t * 0.5 * speed),
            0.0,
            4.0 * math.sin(2 * math.pi * t * 0.5 * speed),
        )
    # idle: a small, slow drift so the clip is not frozen
    return (
        0.015 * width * math.sin(2 * math.pi * t / 4),
        0.008 * height * math.sin(2 * math.pi * t / 3),
        0.0,
    )


def text_sprite(text: str, width: int, height: int) -> Sprite:
    """A legible sign: dark words on a light panel about 60 % of the frame wide."""
    font, thickness_ref = cv2.FONT_HERSHEY_DUPLEX, 2
    (tw, th), base = cv2.getTextSize(text, font, 1.0, thickness_ref)
    scale = min(0.6 * width / tw, 0.16 * height / th)
    thickness = max(1, round(scale * 2))
    (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
    pad = max(2, round(th * 0.35))
    w, h = tw + 2 * pad, th + base + 2 * pad
    rgb = np.full((h, w, 3), (250, 246, 232), np.uint8)
    cv2.rectangle(rgb, (0, 0), (w - 1, h - 1), (60, 45, 35), max(1, thickness // 2 + 1))
    cv2.putText(rgb, text, (pad, pad + th), font, scale, (30, 30, 35), thickness, cv2.LINE_AA)
    return Sprite(rgb, np.full((h, w), 255, np.uint8))


class _NoiseBank:
    """Per-pixel Gaussian noise: a few independent fields at random offsets, cheap per frame."""

    FIELDS, PAD = 3, 16

    def __init__(self, width: int, height: int, std: float, rng: np.random.Generator) -> None:
        shape = (height + self.PAD, width + self.PAD, 3)
        fields = [
            rng.standard_normal(shape, dtype=np.float32) * np.float32(std * 255.0)
            for _ in range(self.FIELDS)
        ]
        # Split into saturating add/subtract parts so applying them stays in uint8.
        self.positive = [np.clip(f, 0, 255).astype(np.uint8) for f in fields]
        self.negative = [np.clip(-f, 0, 255).astype(np.uint8) for f in fields]
        self.size, self.rng, self.last = (width, height), rng, -1

    def apply(self, frame: np.ndarray) -> np.ndarray:
        """Add fresh-looking noise; consecutive frames never share a field, so it has no flow."""
        k = int(self.rng.integers(self.FIELDS - 1))
        k = k if k < self.last else k + 1
        self.last = k
        dx, dy = (int(v) for v in self.rng.integers(self.PAD, size=2))
        w, h = self.size
        frame = cv2.add(frame, self.positive[k][dy : dy + h, dx : dx + w])
        return cv2.subtract(frame, self.negative[k][dy : dy + h, dx : dx + w])


def _camera(
    scene: Scene, t: float, shot_s: float, speed: float, width: int, tracking_speed_px: float
) -> tuple[float, float]:
    """(x offset of the camera centre from mid-shot in world px, zoom scale) at shot time t."""
    mid = shot_s / 2
    zoom_total = min(ZOOM_RATE_PER_S * speed * shot_s, math.log(2.2))
    if scene.camera in CAMERA_SPEED_W:
        offset = scene.pan_direction * CAMERA_SPEED_W[scene.camera] * speed * width * (t - mid)
        scale = 1.0 + (
            0.06 * math.sin(math.pi * t / max(shot_s, 1e-6)) if scene.camera == "orbit" else 0.0
        )
        return offset, scale
    if scene.camera == "tracking":
        return tracking_speed_px * (t - mid), 1.0
    if scene.camera == "zoom_in":
        return 0.0, math.exp(zoom_total * t / max(shot_s, 1e-6))
    if scene.camera == "zoom_out":
        return 0.0, math.exp(zoom_total * (1 - t / max(shot_s, 1e-6)))
    return 0.0, 1.0


def _camera_view(
    background: np.ndarray, cam_x: float, scale: float, width: int, height: int
) -> np.ndarray:
    """The frame the camera sees: a window of the wide background, resized when zoomed.

    Whole-pixel windows plus cv2.resize are several times faster than a sub-pixel warpAffine;
    the rounding (under half a pixel) is invisible at the speeds used here.
    """
    view_w, view_h = (
        min(background.shape[1], round(width / scale)),
        min(height, round(height / scale)),
    )
    x0 = min(max(0, round(cam_x - view_w / 2)), background.shape[1] - view_w)
    y0 = (height - view_h) // 2
    window = background[y0 : y0 + view_h, x0 : x0 + view_w]
    if (view_w, view_h) == (width, height):
        return window.copy()
    return cv2.resize(window, (width, height), interpolation=cv2.INTER_LINEAR)


@dataclass(frozen=True)
class _Shot:
    """One shot's fixed parts: frames, speed, the wide background and the actors on it."""

    first_frame: int
    count: int
    shot_s: float
    speed: float  # slowed below the scene's for long fast pans
    tracking_px: float
    cam_mid_x: float
    background: np.ndarray
    actors: list[Actor]
    static_bg: np.ndarray | None  # the visible window, when the camera never moves


def _plan_shot(
    scene: Scene, size: tuple[int, int], frames: tuple[int, int, int], speed: float,
    setting: Setting, seed: int, k: int,
) -> _Shot:  # fmt: skip
    """Shot k: (first frame, count, fps) → its speed, camera centre, background and actors."""
    width, height = size
    first_frame, count, fps = frames
    shot_s = count / fps
    main_motion = scene.object_motion if scene.object_motion in OBJECT_SPEED_W else "walk"
    shot_speed = speed
    tracking_px = OBJECT_SPEED_W[main_motion] * speed * width
    travel = abs(_camera(scene, 0.0, shot_s, speed, width, tracking_px)[0])
    if travel > MAX_TRAVEL_W * width:  # long fast pans: slow down rather than hold a huge image
        shot_speed = speed * MAX_TRAVEL_W * width / travel
        tracking_px *= shot_speed / speed
        travel = abs(_camera(scene, 0.0, shot_s, shot_speed, width, tracking_px)[0])
    world_w = width + 2 * math.ceil(travel) + 4
    cam_mid_x = world_w / 2
    background = build_background(world_w, height, scene, setting, seed * 7919 + k)
    actors = _actors(scene, width, height, FRAMINGS[k % len(FRAMINGS)], cam_mid_x)
    static_camera = travel == 0 and scene.camera not in ("zoom_in", "zoom_out", "orbit")
    x0 = round(cam_mid_x - width / 2)
    static_bg = np.ascontiguousarray(background[:, x0 : x0 + width]) if static_camera else None
    return _Shot(
        first_frame, count, shot_s, shot_speed, tracking_px, cam_mid_x, background, actors,
        static_bg,
    )  # fmt: skip


def _draw_actor(
    frame: np.ndarray, actor: Actor, scene: Scene, shot: _Shot,
    view: tuple[float, float, float, float], drift: tuple[float, float],
) -> None:  # fmt: skip
    """Composite one actor; `view` is (t, camera offset, camera x, zoom scale), `drift` is
    (identity drift rate, progress through the video)."""
    t, offset, cam_x, scale = view
    drift_rate, progress = drift
    height, width = frame.shape[:2]
    person = actor.drift_sprite is not None
    dx, dy, angle = _displacement(
        actor.motion, t, shot.shot_s / 2, shot.speed, width, height, person
    )
    if person and scene.camera == "tracking":
        dx = offset + 0.15 * dx  # the camera follows the character, who sways a little
    sprite = actor.sprite
    if actor.drift_sprite is not None and drift_rate > 0:
        sprite = blend_sprites(sprite, actor.drift_sprite, drift_rate * progress)
    sprite = scale_sprite(sprite, scale, angle)
    sw, sh = sprite.size
    sx = (actor.home_x + dx - cam_x) * scale + width / 2
    if not person and scene.camera != "tracking" and actor.motion in OBJECT_SPEED_W:
        sx = (sx + sw / 2) % (width + sw) - sw / 2  # re-enter from the other side
    sy = (actor.bottom_y + dy - height / 2) * scale + height / 2
    if angle:  # rotated sprites are square boxes around the centre
        sy -= actor.sprite.size[1] * scale / 2 - sh / 2
    composite(frame, sprite, round(sx - sw / 2), round(sy - sh))


def _shot_frames(
    scene: Scene, shot: _Shot, size: tuple[int, int], fps: int, frame_count: int, quality: Quality
) -> Iterator[np.ndarray]:
    """The shot's frames: the camera's view of the background with the actors drawn on it."""
    width, height = size
    for i in range(shot.count):
        t = i / fps
        progress = (shot.first_frame + i) / max(1, frame_count - 1)
        offset, scale = _camera(scene, t, shot.shot_s, shot.speed, width, shot.tracking_px)
        cam_x = shot.cam_mid_x + offset
        frame = (
            shot.static_bg.copy()
            if shot.static_bg is not None
            else _camera_view(shot.background, cam_x, scale, width, height)
        )
        for actor in shot.actors:
            view = (t, offset, cam_x, scale)
            _draw_actor(frame, actor, scene, shot, view, (quality.identity_drift, progress))
        yield frame


def iter_frames(
    scene: Scene,
    width: int,
    height: int,
    fps: int,
    frame_count: int,
    shots: int,
    quality: Quality,
    seed: int,
) -> Iterator[np.ndarray]:
    """Yield `frame_count` RGB uint8 frames (height, width, 3) of the scene."""
    rng = np.random.default_rng(seed)
    shots = 1 if quality.drop_shots else max(1, min(shots, frame_count))
    bounds = [round(k * frame_count / shots) for k in range(shots + 1)]
    settings: list[Setting] = shot_settings(scene, shots)
    moving = scene.object_motion != "none" or scene.camera != "static"
    speed = scene.speed * quality.motion if moving else 0.0
    noise = _NoiseBank(width, height, quality.noise, rng) if quality.noise > 0 else None
    sign = text_sprite(scene.text, width, height) if scene.text else None
    for k in range(shots):
        frames = (bounds[k], bounds[k + 1] - bounds[k], fps)
        shot = _plan_shot(scene, (width, height), frames, speed, settings[k], seed, k)
        for frame in _shot_frames(scene, shot, (width, height), fps, frame_count, quality):
            if sign is not None:
                composite(frame, sign, (width - sign.size[0]) // 2, round(height * 0.05))
            if quality.flicker > 0:
                shift = rng.normal(0.0, quality.flicker * 255.0)
                frame = cv2.LUT(frame, np.clip(np.arange(256) + shift, 0, 255).astype(np.uint8))
            if noise is not None:
                frame = noise.apply(frame)
            yield frame
