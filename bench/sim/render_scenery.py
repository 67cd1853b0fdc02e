"""Background scenery for the simulator renderer: sky, sun/moon, clouds, mountains, city, ground.

One wide image per shot is drawn once; the camera then pans/zooms across it per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vidbench.core.sim.render_prompt import RGB, Scene
from vidbench.core.sim.render_sprites import shade

HORIZON = 0.6  # horizon height as a fraction of the frame height

SKIES: dict[str, tuple[RGB, RGB]] = {  # (top, horizon) colours
    "day": ((60, 120, 215), (175, 212, 245)),
    "sunset": ((55, 45, 115), (250, 150, 75)),
    "night": ((6, 8, 30), (28, 38, 85)),
    "studio": ((200, 185, 160), (225, 212, 190)),
}
GROUNDS: dict[str, RGB] = {
    "grass": (78, 150, 62),
    "road": (95, 95, 100),
    "sand": (225, 198, 140),
    "snow": (236, 240, 247),
    "ocean": (30, 95, 160),
    "floor": (150, 105, 65),
}
# Light per time of day, applied to the ground so a night field is not bright green.
GROUND_LIGHT = {"day": 1.0, "sunset": 0.7, "night": 0.3, "studio": 1.0}


@dataclass(frozen=True)
class Setting:
    """The look of one shot: sky/lighting and ground type."""

    time_of_day: str  # "day", "sunset", "night" or "studio" (indoors)
    ground: str  # a GROUNDS key
    ground_colour: RGB | None = None  # a colour word's override of the ground colour


def base_setting(scene: Scene) -> Setting:
    """The setting the prompt asks for (first shot)."""
    if "studio" in scene.backdrop:
        return Setting("studio", "floor")
    for ground in ("ocean", "road", "snow", "sand"):
        if ground in scene.backdrop:
            break
    else:
        ground = "grass"
    return Setting(scene.time_of_day, ground, scene.ground_colour)


_ALTERNATIVES = (
    Setting("sunset", "sand"),
    Setting("night", "road"),
    Setting("studio", "floor"),
    Setting("day", "snow"),
)


def shot_settings(scene: Scene, shots: int) -> list[Setting]:
    """One setting per shot; consecutive shots differ in lighting and ground so cuts are clear."""
    first = base_setting(scene)
    pool = [s for s in _ALTERNATIVES if s.time_of_day != first.time_of_day]
    settings = [first]
    for k in range(1, shots):
        settings.append(pool[(k - 1) % len(pool)])
    return settings


def _vertical_gradient(height: int, width: int, top: RGB, bottom: RGB) -> np.ndarray:
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    column = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return np.repeat(column[:, None, :], width, axis=1).round().astype(np.uint8)


def _glow_disc(img: np.ndarray, cx: int, cy: int, radius: int, colour: RGB, glow: float) -> None:
    """A soft-edged disc with a halo, blended into img in place."""
    pad = int(radius * (1 + glow * 2)) + 2
    y0, y1, x0, x1 = (
        max(0, cy - pad),
        min(img.shape[0], cy + pad),
        max(0, cx - pad),
        min(img.shape[1], cx + pad),
    )
    if y0 >= y1 or x0 >= x1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    dist = np.hypot(xx - cx, yy - cy) / max(radius, 1)
    alpha = np.clip((1.15 - dist) / 0.15, 0, 1) + glow * np.exp(-((dist - 1).clip(0)) * 2.5) * 0.5
    alpha = np.clip(alpha, 0, 1)[..., None].astype(np.float32)
    region = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (region * (1 - alpha) + np.array(colour, np.float32) * alpha).astype(
        np.uint8
    )


def _clouds(
    img: np.ndarray, horizon: int, rng: np.random.Generator, colour: RGB, opacity: float
) -> None:
    layer = img.copy()
    width = img.shape[1]
    unit = img.shape[0] / 100
    for _ in range(max(2, int(width / (unit * 45)))):
        cx, cy = rng.uniform(0, width), rng.uniform(0.08, 0.6) * horizon
        for _ in range(4):
            ox, oy = rng.normal(0, 7 * unit), rng.normal(0, 2 * unit)
            axes = (int(rng.uniform(7, 13) * unit), int(rng.uniform(3, 5) * unit))
            cv2.ellipse(
                layer, (int(cx + ox), int(cy + oy)), axes, 0, 0, 360, colour, -1, cv2.LINE_AA
            )
    cv2.addWeighted(layer, opacity, img, 1 - opacity, 0, dst=img)


def _mountains(
    img: np.ndarray, horizon: int, rng: np.random.Generator, tone: RGB, night: bool
) -> None:
    width, unit = img.shape[1], img.shape[0] / 100
    for depth, (peak_lo, peak_hi) in enumerate(((24, 40), (12, 26))):
        colour = shade(tone, 0.75 + 0.25 * (1 - depth)) if not night else shade(tone, 0.5)
        x, points = -20 * unit, [(-20 * unit, horizon)]
        peaks = []
        while x < width + 20 * unit:
            x += rng.uniform(12, 22) * unit
            y = horizon - rng.uniform(peak_lo, peak_hi) * unit
            peaks.append((x, y))
            x += rng.uniform(12, 22) * unit
            points += [(peaks[-1][0], y), (x, horizon - rng.uniform(2, 8) * unit)]
        points.append((x, horizon))
        cv2.fillPoly(img, [np.array(points, np.int32)], colour, cv2.LINE_AA)
        if depth == 0:
            for px, py in peaks:
                cap = [(px, py), (px + 5 * unit, py + 6 * unit), (px - 5 * unit, py + 6 * unit)]
                cv2.fillPoly(
                    img,
                    [np.array(cap, np.int32)],
                    shade((235, 240, 250), 0.6 if night else 1.0),
                    cv2.LINE_AA,
                )


def _city(img: np.ndarray, horizon: int, rng: np.random.Generator, night: bool) -> None:
    width, unit = img.shape[1], img.shape[0] / 100
    x = 0.0
    while x < width:
        w, h = rng.uniform(7, 16) * unit, rng.uniform(12, 42) * unit
        body = shade((85, 95, 120), 0.45 if night else rng.uniform(0.9, 1.3))
        cv2.rectangle(img, (int(x), int(horizon - h)), (int(x + w), horizon), body, -1)
        lit = (250, 215, 110) if night else (180, 205, 230)
        for wy in np.arange(horizon - h + 2 * unit, horizon - 2 * unit, 3.5 * unit):
            for wx in np.arange(x + 1.5 * unit, x + w - 2 * unit, 3 * unit):
                if rng.random() < (0.55 if night else 0.8):
                    cv2.rectangle(
                        img,
                        (int(wx), int(wy)),
                        (int(wx + 1.4 * unit), int(wy + 1.8 * unit)),
                        lit,
                        -1,
                    )
        x += w + rng.uniform(0.3, 2) * unit


def _ground(img: np.ndarray, horizon: int, rng: np.random.Generator, setting: Setting) -> None:
    height, width = img.shape[:2]
    unit = height / 100
    light = GROUND_LIGHT[setting.time_of_day]
    base = setting.ground_colour or GROUNDS[setting.ground]
    img[horizon:] = _vertical_gradient(
        height - horizon, width, shade(base, 0.8 * light), shade(base, light)
    )
    ground = img[horizon:]
    gh = ground.shape[0]
    if setting.ground == "ocean":
        for k, y in enumerate(np.geomspace(2, gh, 14)):
            xs = np.arange(0, width + 8, 8)
            ys = y + np.sin(xs / (6 * unit) + k) * (0.3 + y / gh) * unit
            cv2.polylines(
                ground,
                [np.stack([xs, ys], 1).astype(np.int32)],
                False,
                shade(base, 1.45 * light if light < 1 else 1.35),
                max(1, int(unit * 0.5)),
                cv2.LINE_AA,
            )
    elif setting.ground == "road":
        lane_y = int(gh * 0.55)
        cv2.rectangle(
            ground, (0, int(gh * 0.2)), (width, int(gh * 0.9)), shade((70, 70, 75), light), -1
        )
        for x in np.arange(0, width, 16 * unit):
            cv2.rectangle(
                ground,
                (int(x), lane_y - int(unit)),
                (int(x + 8 * unit), lane_y + int(unit)),
                shade((240, 235, 210), light),
                -1,
            )
        cv2.rectangle(ground, (0, 0), (width, int(gh * 0.2)), shade((80, 140, 65), 0.8 * light), -1)
    elif setting.ground == "floor":
        for x in np.arange(0, width, 9 * unit):
            cv2.line(
                ground,
                (int(x), 0),
                (int(x - 6 * unit), gh),
                shade(base, 0.75),
                max(1, int(unit * 0.3)),
            )
        cv2.rectangle(ground, (0, 0), (width, max(1, int(unit))), shade(base, 0.6), -1)
    else:
        # tufts/ripples: texture that makes camera motion visible to optical flow
        count = int(width * gh / (unit * unit * 6))
        xs, ys = rng.uniform(0, width, count), rng.uniform(0, gh, count) ** 1.0
        tone = shade(base, 0.8 * light) if setting.ground != "snow" else shade(base, 0.9 * light)
        for x, y in zip(xs.astype(int), ys.astype(int), strict=True):
            size = max(1, int(unit * (0.3 + 0.8 * y / gh)))
            cv2.line(
                ground,
                (int(x), int(y)),
                (int(x + size * 0.4), int(y - size * 1.6)),
                tone,
                max(1, size // 2),
            )


def build_background(
    width_px: int, height_px: int, scene: Scene, setting: Setting, seed: int
) -> np.ndarray:
    """The whole (wide) background of one shot as an RGB uint8 image."""
    rng = np.random.default_rng(seed)
    horizon = int(height_px * HORIZON)
    top, bottom = SKIES[setting.time_of_day]
    img = np.empty((height_px, width_px, 3), np.uint8)
    img[:horizon] = _vertical_gradient(horizon, width_px, top, bottom)
    unit = height_px / 100
    if setting.time_of_day == "studio":
        for x in np.arange(0, width_px, 22 * unit):  # wall panels
            cv2.line(img, (int(x), 0), (int(x), horizon), shade(top, 0.85), max(1, int(unit * 0.6)))
        _ground(img, horizon, rng, setting)
        return img
    night = setting.time_of_day == "night"
    if night:
        for x, y in zip(
            rng.uniform(0, width_px, int(width_px / unit / 2)),
            rng.uniform(0, horizon, int(width_px / unit / 2)),
            strict=True,
        ):
            cv2.circle(
                img,
                (int(x), int(y)),
                max(1, int(unit * rng.uniform(0.15, 0.45))),
                (235, 235, 220),
                -1,
                cv2.LINE_AA,
            )
        _glow_disc(
            img, int(width_px * 0.7), int(horizon * 0.3), int(7 * unit), (240, 238, 215), 0.6
        )
    elif setting.time_of_day == "sunset":
        _glow_disc(
            img, int(width_px * 0.6), int(horizon * 0.85), int(11 * unit), (255, 200, 90), 1.0
        )
        _clouds(img, horizon, rng, (240, 140, 120), 0.45)
    else:
        if "sun" in scene.backdrop:
            _glow_disc(
                img, int(width_px * 0.75), int(horizon * 0.25), int(8 * unit), (255, 240, 170), 0.8
            )
        if "moon" in scene.backdrop:
            _glow_disc(
                img, int(width_px * 0.25), int(horizon * 0.25), int(5 * unit), (240, 240, 235), 0.2
            )
        _clouds(img, horizon, rng, (250, 250, 252), 0.75)
    if "mountain" in scene.backdrop:
        _mountains(img, horizon, rng, (95, 110, 140), night)
    if "city" in scene.backdrop:
        _city(img, horizon, rng, night)
    _ground(img, horizon, rng, setting)
    return img
