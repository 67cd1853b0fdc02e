"""Simple drawn objects (sprites) for the simulator renderer: OpenCV shapes with an alpha mask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from vidbench.core.sim.render_prompt import RGB

Point = tuple[int, int]


@dataclass(frozen=True)
class Sprite:
    """A premultiplied RGB image and its alpha (both uint8), anchored at its bottom centre."""

    rgb: np.ndarray
    alpha: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[1], self.rgb.shape[0]


class Canvas:
    """Draws filled, anti-aliased shapes into a colour image and its coverage mask together."""

    def __init__(self, width_px: int, height_px: int) -> None:
        self.rgb = np.zeros((height_px, width_px, 3), np.uint8)
        self.alpha = np.zeros((height_px, width_px), np.uint8)
        self.unit = height_px / 100.0  # shapes are laid out on a 100-unit-high grid

    def _p(self, x: float, y: float) -> Point:
        return round(x * self.unit), round(y * self.unit)

    def ellipse(
        self, cx: float, cy: float, rx: float, ry: float, colour: RGB, angle: float = 0.0
    ) -> None:
        """Filled ellipse, centre and radii in grid units."""
        axes = (max(1, round(rx * self.unit)), max(1, round(ry * self.unit)))
        for img, col in ((self.rgb, colour), (self.alpha, 255)):
            cv2.ellipse(img, self._p(cx, cy), axes, angle, 0, 360, col, -1, cv2.LINE_AA)

    def poly(self, points: list[tuple[float, float]], colour: RGB) -> None:
        """Filled polygon, vertices in grid units."""
        pts = np.array([self._p(x, y) for x, y in points], np.int32)
        for img, col in ((self.rgb, colour), (self.alpha, 255)):
            cv2.fillPoly(img, [pts], col, cv2.LINE_AA)

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: RGB) -> None:
        """Filled axis-aligned rectangle."""
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], colour)

    def line(self, points: list[tuple[float, float]], colour: RGB, width: float) -> None:
        """Open polyline of the given width in grid units."""
        pts = np.array([self._p(x, y) for x, y in points], np.int32)
        thickness = max(1, round(width * self.unit))
        for img, col in ((self.rgb, colour), (self.alpha, 255)):
            cv2.polylines(img, [pts], False, col, thickness, cv2.LINE_AA)

    def sprite(self) -> Sprite:
        """The finished sprite; AA edges drawn over black are already premultiplied."""
        return Sprite(self.rgb, self.alpha)


def shade(colour: RGB, factor: float) -> RGB:
    """Darker (factor < 1) or lighter (factor > 1, towards white) variant of a colour."""
    if factor <= 1.0:
        return (round(colour[0] * factor), round(colour[1] * factor), round(colour[2] * factor))
    t = min(1.0, factor - 1.0)
    return (round(colour[0] + (255 - colour[0]) * t), round(colour[1] + (255 - colour[1]) * t), round(colour[2] + (255 - colour[2]) * t))  # fmt: skip


DARK: RGB = (35, 35, 40)
TYRE_HUB: RGB = (170, 170, 175)
GLASS: RGB = (170, 215, 240)


def _car(c: Canvas, col: RGB) -> None:
    c.poly([(40, 38), (118, 38), (140, 62), (28, 62)], col)  # cabin
    c.poly([(47, 42), (76, 42), (76, 61), (38, 61)], GLASS)
    c.poly([(81, 42), (114, 42), (131, 61), (81, 61)], GLASS)
    c.rect(6, 60, 174, 84, col)
    c.ellipse(6, 72, 6, 12, col)
    c.ellipse(174, 72, 6, 12, col)
    c.rect(2, 70, 12, 76, (250, 230, 150))  # headlight
    c.line([(20, 66), (160, 66)], shade(col, 0.7), 1.2)
    for x in (42, 140):
        c.ellipse(x, 84, 15, 15, DARK)
        c.ellipse(x, 84, 7, 7, TYRE_HUB)


def _ball(c: Canvas, col: RGB) -> None:
    c.ellipse(50, 50, 48, 48, shade(col, 0.75))
    c.ellipse(46, 46, 42, 42, col)
    c.line([(8, 46), (30, 36), (50, 34), (70, 38), (92, 50)], shade(col, 1.6), 4)
    c.ellipse(33, 30, 9, 6, shade(col, 1.7), angle=-30)


def _dog(c: Canvas, col: RGB) -> None:
    light = shade(col, 1.55)
    c.line([(22, 40), (10, 28)], col, 6)  # tail
    for x in (30, 44, 88, 102):
        c.rect(x, 55, x + 9, 92, shade(col, 0.8))
    c.ellipse(66, 50, 46, 20, col)
    c.ellipse(70, 58, 30, 10, light)
    c.ellipse(112, 30, 20, 18, col)
    c.poly([(98, 20), (100, 0), (110, 14)], shade(col, 0.8))
    c.poly([(116, 14), (126, 0), (128, 20)], shade(col, 0.8))
    c.ellipse(126, 38, 12, 8, light)
    c.ellipse(136, 34, 4, 3, DARK)
    c.ellipse(114, 26, 3, 3, DARK)


def _cat(c: Canvas, col: RGB) -> None:
    c.line([(18, 80), (8, 55), (14, 32)], col, 6)
    c.ellipse(48, 66, 32, 28, col)
    c.ellipse(48, 72, 18, 18, shade(col, 1.4))
    c.ellipse(76, 32, 22, 20, col)
    c.poly([(58, 22), (60, 0), (72, 14)], col)
    c.poly([(80, 14), (92, 0), (94, 22)], col)
    for x in (68, 84):
        c.ellipse(x, 30, 4, 5, (120, 200, 80))
        c.ellipse(x, 30, 1.4, 4, DARK)
    c.ellipse(76, 40, 3, 2, (230, 120, 140))
    for dy in (-3, 3):
        c.line([(80, 42), (102, 40 + dy * 2)], DARK, 0.6)
        c.line([(72, 42), (50, 40 + dy * 2)], DARK, 0.6)


def _bird(c: Canvas, col: RGB) -> None:
    c.poly([(10, 44), (0, 34), (0, 58)], shade(col, 0.7))
    c.ellipse(45, 48, 38, 22, col)
    c.ellipse(80, 34, 17, 16, col)
    c.poly([(94, 30), (112, 36), (94, 41)], (245, 175, 40))
    c.ellipse(84, 30, 3.5, 3.5, DARK)
    c.poly([(34, 44), (62, 46), (30, 6)], shade(col, 0.8))  # raised wing
    c.ellipse(50, 58, 22, 9, shade(col, 1.4))


def _tree(c: Canvas, col: RGB) -> None:
    c.rect(28, 50, 40, 100, (110, 70, 35))
    for x, y, r in ((34, 36, 26), (18, 52, 18), (50, 52, 18), (34, 16, 16)):
        c.ellipse(x, y, r, r * 0.95, shade(col, 0.85 + (y % 3) * 0.08))


def _house(c: Canvas, col: RGB) -> None:
    c.rect(6, 44, 94, 100, col)
    c.poly([(0, 46), (50, 6), (100, 46)], (150, 60, 45))
    c.rect(40, 66, 58, 100, (110, 70, 40))
    for x in (14, 68):
        c.rect(x, 56, x + 18, 74, (250, 225, 130))
        c.line([(x + 9, 56), (x + 9, 74)], shade(col, 0.6), 1.2)


def _bottle(c: Canvas, col: RGB) -> None:
    c.rect(14, 6, 26, 12, (200, 170, 60))
    c.rect(15, 12, 25, 30, shade(col, 0.85))
    c.poly([(15, 28), (25, 28), (36, 44), (4, 44)], col)
    c.rect(4, 42, 36, 98, col)
    c.rect(4, 56, 36, 78, (245, 240, 225))
    c.ellipse(20, 67, 8, 6, shade(col, 0.8))
    c.rect(8, 46, 11, 94, shade(col, 1.5))


def _phone(c: Canvas, col: RGB) -> None:
    c.rect(2, 2, 50, 98, DARK)
    c.rect(5, 8, 47, 90, col)
    c.poly([(5, 8), (47, 8), (47, 40), (5, 60)], shade(col, 1.3))
    c.ellipse(26, 94, 3, 2.5, (90, 90, 95))
    c.rect(20, 4, 32, 5.5, (90, 90, 95))


def _shoe(c: Canvas, col: RGB) -> None:
    c.poly([(4, 86), (4, 40), (38, 40), (60, 62), (112, 72), (120, 86)], col)
    c.rect(2, 84, 122, 98, (240, 240, 235))
    for i in range(4):
        c.line([(30 + i * 8, 46 + i * 5), (42 + i * 8, 44 + i * 5)], (245, 245, 245), 2)
    c.ellipse(18, 60, 8, 14, shade(col, 0.75))


def _cup(c: Canvas, col: RGB) -> None:
    c.ellipse(76, 55, 18, 20, col)
    c.ellipse(76, 55, 10, 12, (0, 0, 0))  # handle hole: black premultiplied...
    c.alpha[:] = np.where(c.rgb.max(axis=2) == 0, 0, c.alpha)  # ...and transparent
    c.poly([(6, 22), (74, 22), (66, 96), (14, 96)], col)
    c.ellipse(40, 22, 34, 6, shade(col, 0.6))
    c.ellipse(40, 23, 30, 4, (110, 70, 40))


def _flower(c: Canvas, col: RGB) -> None:
    c.line([(30, 50), (30, 100)], (50, 140, 60), 4)
    c.ellipse(40, 78, 10, 4, (60, 160, 70), angle=-30)
    for k in range(6):
        a = k * np.pi / 3
        c.ellipse(30 + 15 * np.cos(a), 30 + 15 * np.sin(a), 11, 11, col)
    c.ellipse(30, 30, 9, 9, (250, 205, 50))


def _boat(c: Canvas, col: RGB) -> None:
    c.line([(60, 10), (60, 72)], (110, 70, 40), 2.5)
    c.poly([(62, 10), (62, 66), (104, 66)], (245, 245, 240))
    c.poly([(58, 18), (58, 66), (24, 66)], shade(col, 1.5))
    c.poly([(0, 70), (120, 70), (100, 96), (18, 96)], col)


def _plane(c: Canvas, col: RGB) -> None:
    c.poly([(60, 46), (92, 46), (50, 92), (36, 92)], shade(col, 0.8))
    c.poly([(14, 40), (4, 14), (16, 14), (34, 40)], shade(col, 0.8))
    c.ellipse(80, 42, 76, 11, col)
    for x in range(60, 140, 12):
        c.ellipse(x, 39, 3, 3, GLASS)
    c.poly([(140, 36), (154, 42), (140, 46)], GLASS)


def _fish(c: Canvas, col: RGB) -> None:
    c.poly([(30, 50), (2, 26), (2, 74)], shade(col, 0.8))
    c.ellipse(66, 50, 40, 26, col)
    c.poly([(56, 26), (76, 8), (84, 30)], shade(col, 0.8))
    c.ellipse(88, 44, 5, 5, (245, 245, 245))
    c.ellipse(89, 44, 2.5, 2.5, DARK)
    c.line([(60, 30), (56, 50), (60, 70)], shade(col, 0.7), 1.5)


# kind → (drawing function, width/height aspect on the 100-unit grid, default colour)
SPRITES: dict[str, tuple[Callable[[Canvas, RGB], None], float, RGB]] = {
    "car": (_car, 1.8, (200, 40, 40)),
    "ball": (_ball, 1.0, (240, 120, 40)),
    "dog": (_dog, 1.45, (215, 140, 60)),
    "cat": (_cat, 1.1, (150, 150, 155)),
    "bird": (_bird, 1.15, (50, 120, 210)),
    "tree": (_tree, 0.7, (60, 150, 65)),
    "house": (_house, 1.0, (230, 215, 175)),
    "bottle": (_bottle, 0.4, (40, 140, 90)),
    "phone": (_phone, 0.52, (60, 110, 220)),
    "shoe": (_shoe, 1.25, (220, 60, 60)),
    "cup": (_cup, 0.95, (245, 245, 240)),
    "flower": (_flower, 0.6, (230, 80, 130)),
    "boat": (_boat, 1.2, (40, 80, 160)),
    "plane": (_plane, 1.6, (235, 235, 240)),
    "fish": (_fish, 1.1, (245, 140, 40)),
}
FLYING = frozenset({"bird", "plane"})


def draw_sprite(kind: str, height_px: int, colour: RGB | None) -> Sprite:
    """Draw one object of `kind` (a SPRITES key) `height_px` tall, in `colour` or its default."""
    draw, aspect, default = SPRITES[kind]
    height_px = max(4, height_px)
    canvas = Canvas(max(4, round(height_px * aspect)), height_px)
    draw(canvas, colour or default)
    return canvas.sprite()


def scale_sprite(sprite: Sprite, factor: float, angle_deg: float = 0.0) -> Sprite:
    """Resize (and rotate about its centre) a sprite; rotation grows the box to keep corners."""
    w, h = sprite.size
    if angle_deg == 0.0:
        if abs(factor - 1.0) < 1e-3:
            return sprite
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        return Sprite(cv2.resize(sprite.rgb, size, interpolation=cv2.INTER_LINEAR), cv2.resize(sprite.alpha, size, interpolation=cv2.INTER_LINEAR))  # fmt: skip
    side = max(2, round(np.hypot(w, h) * factor))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, factor)
    matrix[:, 2] += (side / 2 - w / 2, side / 2 - h / 2)
    warp = lambda img: cv2.warpAffine(img, matrix, (side, side), flags=cv2.INTER_LINEAR)  # noqa: E731
    return Sprite(warp(sprite.rgb), warp(sprite.alpha))


def composite(frame: np.ndarray, sprite: Sprite, x0: int, y0: int) -> None:
    """Blend a premultiplied sprite into `frame` in place with its top-left at (x0, y0), clipped."""
    fh, fw = frame.shape[:2]
    w, h = sprite.size
    ax0, ay0, ax1, ay1 = max(0, x0), max(0, y0), min(fw, x0 + w), min(fh, y0 + h)
    if ax0 >= ax1 or ay0 >= ay1:
        return
    sx, sy = ax0 - x0, ay0 - y0
    src = sprite.rgb[sy : sy + ay1 - ay0, sx : sx + ax1 - ax0]
    alpha = sprite.alpha[sy : sy + ay1 - ay0, sx : sx + ax1 - ax0]
    region = frame[ay0:ay1, ax0:ax1]
    inverse = cv2.cvtColor(255 - alpha, cv2.COLOR_GRAY2RGB)
    # out = src + region * (1 - alpha): premultiplied "over", in saturating uint8 arithmetic
    region[:] = cv2.add(src, cv2.multiply(region, inverse, scale=1 / 255.0))
