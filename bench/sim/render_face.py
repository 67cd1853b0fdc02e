"""The simulated character: a real face photo on a drawn torso, with optional identity drift.

The primary face is scikit-image's `astronaut()` (Eileen Collins, public domain). The drift target
is a different real person: Lionel Messi in OpenCV's sample `messi5.jpg` (Debian package
`opencv-doc`). Without that file, the fallback is the astronaut face mirrored, reshaped and
recoloured, which changes the look a lot but is a weaker identity change for face recognisers.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
from skimage import data

from vidbench.core.sim.render_prompt import RGB
from vidbench.core.sim.render_sprites import Canvas, Sprite, shade

MESSI_PATH = Path("/usr/share/doc/opencv-doc/examples/data/messi5.jpg")
# Head crop of astronaut() (rows 0:220, cols 140:330) and dlib's frontal face box inside it,
# measured once with dlib.get_frontal_face_detector() (upsample 2): (171, 79)-(264, 172) in the
# full image. Face sizes below refer to this box's height.
CROP_ROWS, CROP_COLS = (0, 220), (140, 330)
FACE_BOX = (171 - 140, 79, 264 - 140, 172)  # x0, y0, x1, y1 inside the crop
FACE_BOX_PX = FACE_BOX[3] - FACE_BOX[1]
# dlib's box for Messi in messi5.jpg (upsample 2): the drift face is scaled/shifted onto FACE_BOX.
MESSI_BOX = (225, 93, 262, 130)
SKIN: RGB = (222, 170, 145)


def _head_mask(shape: tuple[int, int]) -> np.ndarray:
    """Feathered ellipse around face and hair (float32 0..1) in crop coordinates."""
    mask = np.zeros(shape, np.float32)
    cv2.ellipse(mask, (86, 82), (70, 70), 0, 0, 360, 1.0, -1, cv2.LINE_AA)  # hair
    cv2.ellipse(mask, (82, 124), (45, 60), 0, 0, 360, 1.0, -1, cv2.LINE_AA)  # face and chin
    return cv2.GaussianBlur(mask, (0, 0), 3.0)


def _messi_face(size: tuple[int, int]) -> np.ndarray | None:
    """Messi's head scaled so his face box lands on FACE_BOX, or None without opencv-doc."""
    image = cv2.imread(str(MESSI_PATH)) if MESSI_PATH.is_file() else None
    if image is None:
        return None
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    scale = FACE_BOX_PX / (MESSI_BOX[3] - MESSI_BOX[1])
    tx, ty = FACE_BOX[0] - MESSI_BOX[0] * scale, FACE_BOX[1] - MESSI_BOX[1] * scale
    matrix = np.array([[scale, 0, tx], [0, scale, ty]], np.float32)
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def _reshaped_face(face: np.ndarray) -> np.ndarray:
    """Fallback drift face: mirrored about the face centre, wider and shorter, darker skin and hair."""
    h, w = face.shape[:2]
    cx, cy = (FACE_BOX[0] + FACE_BOX[2]) / 2, (FACE_BOX[1] + FACE_BOX[3]) / 2
    # dst = centre + (-1.15, 0.9) * (src - centre): a mirror image, 15 % wider, 10 % shorter
    matrix = np.array([[-1.15, 0, 2.15 * cx], [0, 0.9, 0.1 * cy]], np.float32)
    warped = cv2.warpAffine(
        face, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )
    hsv = cv2.cvtColor(warped, cv2.COLOR_RGB2HSV).astype(np.float32)
    hair = np.clip((88 - np.arange(h, dtype=np.float32)) / 20, 0, 1)[:, None]  # soft top band
    hsv[..., 0] = (hsv[..., 0] + 6) % 180
    hsv[..., 2] *= 0.7 * (1 - 0.6 * hair)
    return cv2.cvtColor(hsv.clip(0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)


@functools.lru_cache(maxsize=1)
def face_photos() -> tuple[np.ndarray, np.ndarray, str]:
    """(primary head crop, aligned drift head crop, drift source name), RGB uint8, same size."""
    astronaut = data.astronaut()
    crop = np.ascontiguousarray(astronaut[slice(*CROP_ROWS), slice(*CROP_COLS)])
    size = (crop.shape[1], crop.shape[0])
    messi = _messi_face(size)
    if messi is not None:
        return crop, messi, "messi5.jpg"
    return crop, _reshaped_face(crop), "reshaped astronaut"


def person_sprites(face_px: int, clothing: RGB) -> tuple[Sprite, Sprite, tuple[int, int]]:
    """Two head-and-shoulders sprites (primary, drift face) with dlib face boxes `face_px` tall.

    Also returns the face centre (x, y) inside the sprite. Both share one alpha, so a
    per-frame cross-fade of their (premultiplied) colours is a plain linear blend.
    """
    primary, drift, _ = face_photos()
    scale = face_px / FACE_BOX_PX
    head_w, head_h = round(primary.shape[1] * scale), round(primary.shape[0] * scale)
    width, height = round(face_px * 3.0), round(face_px * 3.2)
    head_x = round(width / 2 - (FACE_BOX[0] + FACE_BOX[2]) / 2 * scale)

    # Torso on the Canvas's 100-unit-high grid, laid out in face heights (f); head on top.
    body = Canvas(width, height)
    f = 100 * face_px / height
    mid = 100 * (head_x + (FACE_BOX[0] + FACE_BOX[2]) / 2 * scale) / height
    grid_w = 100 * width / height
    body.rect(mid - 0.24 * f, 1.5 * f, mid + 0.24 * f, 2.3 * f, shade(SKIN, 0.8))  # neck
    body.ellipse(mid, 3.45 * f, min(1.4 * f, grid_w / 2), 1.25 * f, clothing)
    body.poly(
        [(mid - 0.3 * f, 2.18 * f), (mid + 0.3 * f, 2.18 * f), (mid, 2.55 * f)], shade(SKIN, 0.8)
    )
    body.ellipse(mid, 2.2 * f, 0.3 * f, 0.06 * f, shade(SKIN, 0.8))

    mask = cv2.resize(
        _head_mask(primary.shape[:2]), (head_w, head_h), interpolation=cv2.INTER_LINEAR
    )
    sprites = []
    for photo in (primary, drift):
        rgb, alpha = body.rgb.copy().astype(np.float32), body.alpha.astype(np.float32) / 255
        head = cv2.resize(photo, (head_w, head_h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
        y1, x0, x1 = min(height, head_h), max(0, head_x), min(width, head_x + head_w)
        m = mask[:y1, x0 - head_x : x1 - head_x, None]
        patch = head[:y1, x0 - head_x : x1 - head_x]
        rgb[:y1, x0:x1] = patch * m + rgb[:y1, x0:x1] * (1 - m)
        alpha[:y1, x0:x1] = m[..., 0] + alpha[:y1, x0:x1] * (1 - m[..., 0])
        sprites.append(
            Sprite(rgb.clip(0, 255).astype(np.uint8), (alpha * 255).round().astype(np.uint8))
        )
    face_centre = (round(width / 2), round((FACE_BOX[1] + FACE_BOX[3]) / 2 * scale))
    return sprites[0], sprites[1], face_centre


def blend_sprites(first: Sprite, second: Sprite, weight: float) -> Sprite:
    """Cross-fade two same-shaped sprites: weight 0 → first, 1 → second."""
    if weight <= 0.0:
        return first
    rgb = cv2.addWeighted(first.rgb, 1.0 - weight, second.rgb, weight, 0.0)
    return Sprite(rgb, first.alpha)
