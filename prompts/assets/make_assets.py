"""Draw the suites' reference images: illustrated characters, products, scenes and frames.

Run from the repository root: `.venv/bin/python prompts/assets/make_assets.py`. Output is
deterministic (fixed shapes and colours, no randomness), so re-running it rewrites the same
PNGs. Every input image is drawn here, flat-coloured, because providers such as Seedance 2.0
refuse real human faces as inputs; the one photograph (faces/astronaut.png, a public-domain
NASA portrait shipped with scikit-image) is used only as a scoring `character_ref`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

WIDTH_PX, HEIGHT_PX = 1024, 576  # 16:9, above every provider's 300 px minimum
ASSETS_DIR = Path(__file__).resolve().parent

Color = tuple[int, int, int]
SKY: Color = (135, 196, 235)
GRASS: Color = (86, 170, 72)
WHITE: Color = (250, 250, 250)
BLACK: Color = (25, 25, 30)
YELLOW: Color = (250, 205, 30)
RED: Color = (215, 35, 40)
ORANGE: Color = (235, 130, 40)
SKIN: Color = (245, 205, 170)
GREY: Color = (150, 155, 160)
DARK_GREY: Color = (70, 75, 82)
BLUE: Color = (40, 110, 220)
GOLD: Color = (215, 170, 50)
PINK: Color = (235, 150, 190)
TEAL: Color = (30, 150, 150)
BROWN: Color = (130, 85, 50)


def _canvas(background: Color) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH_PX, HEIGHT_PX), background)
    return image, ImageDraw.Draw(image)


def _vertical_gradient(
    draw: ImageDraw.ImageDraw, top: Color, bottom: Color, y0: int, y1: int
) -> None:
    # Banded rather than smooth so the PNG stays small and colours stay flat.
    bands = 12
    for band in range(bands):
        t = band / (bands - 1)
        color = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        ya = y0 + (y1 - y0) * band // bands
        yb = y0 + (y1 - y0) * (band + 1) // bands
        draw.rectangle((0, ya, WIDTH_PX, yb), fill=color)


def _corgi(draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
    """An orange corgi standing with its feet at (x, y), facing right."""
    draw.ellipse((x - 70, y - 80, x + 50, y - 30), fill=ORANGE)
    draw.ellipse((x - 50, y - 60, x + 30, y - 30), fill=WHITE)
    for leg_x in (x - 55, x - 35, x + 15, x + 32):
        draw.rectangle((leg_x, y - 40, leg_x + 12, y), fill=ORANGE)
    draw.ellipse((x + 25, y - 115, x + 85, y - 60), fill=ORANGE)
    draw.polygon([(x + 30, y - 100), (x + 38, y - 135), (x + 52, y - 108)], fill=ORANGE)
    draw.polygon([(x + 60, y - 108), (x + 74, y - 135), (x + 80, y - 100)], fill=ORANGE)
    draw.ellipse((x + 62, y - 95, x + 70, y - 87), fill=BLACK)
    draw.ellipse((x + 80, y - 82, x + 90, y - 74), fill=BLACK)


def girl_raincoat() -> Image.Image:
    """A cartoon red-haired girl in a yellow raincoat with an orange corgi, on a rainy street."""
    image, draw = _canvas((170, 185, 200))
    draw.rectangle((0, 430, WIDTH_PX, HEIGHT_PX), fill=DARK_GREY)
    for x in range(30, WIDTH_PX, 90):  # rain streaks
        for y in range(20, 400, 110):
            draw.line((x + (y % 40), y, x + (y % 40) - 8, y + 30), fill=(210, 225, 240), width=3)
    cx = 420
    draw.ellipse((cx - 65, 95, cx + 65, 225), fill=(200, 70, 30))  # red hair
    draw.ellipse((cx - 48, 115, cx + 48, 215), fill=SKIN)
    draw.ellipse((cx - 25, 150, cx - 13, 162), fill=BLACK)
    draw.ellipse((cx + 13, 150, cx + 25, 162), fill=BLACK)
    draw.arc((cx - 20, 165, cx + 20, 195), 20, 160, fill=(170, 60, 60), width=4)
    draw.pieslice((cx - 70, 80, cx + 70, 200), 180, 360, fill=YELLOW)  # hood
    draw.polygon([(cx - 60, 215), (cx + 60, 215), (cx + 100, 420), (cx - 100, 420)], fill=YELLOW)
    draw.line((cx, 220, cx, 420), fill=(200, 160, 20), width=4)
    for button_y in (260, 310, 360):
        draw.ellipse((cx + 8, button_y, cx + 20, button_y + 12), fill=BLUE)
    draw.rectangle((cx - 45, 420, cx - 15, 480), fill=SKIN)
    draw.rectangle((cx + 15, 420, cx + 45, 480), fill=SKIN)
    draw.rectangle((cx - 55, 470, cx - 10, 500), fill=RED)  # red boots
    draw.rectangle((cx + 10, 470, cx + 55, 500), fill=RED)
    _corgi(draw, 640, 500)
    return image


def robot() -> Image.Image:
    """A friendly silver robot with a blue visor and an orange antenna, on a teal backdrop."""
    image, draw = _canvas((190, 230, 225))
    cx = WIDTH_PX // 2
    draw.line((cx, 40, cx, 90), fill=DARK_GREY, width=6)
    draw.ellipse((cx - 16, 24, cx + 16, 56), fill=ORANGE)
    draw.rounded_rectangle((cx - 110, 90, cx + 110, 240), radius=30, fill=(200, 205, 212))
    draw.rounded_rectangle((cx - 85, 125, cx + 85, 195), radius=20, fill=BLUE)
    draw.ellipse((cx - 55, 145, cx - 25, 175), fill=WHITE)
    draw.ellipse((cx + 25, 145, cx + 55, 175), fill=WHITE)
    draw.rounded_rectangle((cx - 140, 255, cx + 140, 470), radius=24, fill=(180, 186, 195))
    draw.rectangle((cx - 60, 300, cx + 60, 380), fill=DARK_GREY)
    for i, color in enumerate((RED, YELLOW, GRASS)):
        draw.ellipse((cx - 45 + i * 35, 325, cx - 20 + i * 35, 350), fill=color)
    draw.rounded_rectangle((cx - 200, 265, cx - 150, 430), radius=20, fill=GREY)
    draw.rounded_rectangle((cx + 150, 265, cx + 200, 430), radius=20, fill=GREY)
    draw.rectangle((cx - 100, 470, cx - 40, 550), fill=GREY)
    draw.rectangle((cx + 40, 470, cx + 100, 550), fill=GREY)
    return image


def red_sneaker() -> Image.Image:
    """A red sneaker with a white sole and white laces on a light grey studio backdrop."""
    image, draw = _canvas((232, 232, 236))
    draw.ellipse((250, 440, 800, 480), fill=(205, 205, 210))  # floor shadow
    draw.rounded_rectangle((240, 390, 800, 450), radius=25, fill=WHITE)  # sole
    draw.polygon([(260, 400), (300, 230), (420, 200), (520, 290), (790, 330), (790, 400)], fill=RED)
    draw.polygon([(300, 230), (330, 160), (430, 160), (420, 200)], fill=RED)  # heel collar
    draw.ellipse((330, 180, 420, 240), fill=(120, 20, 25))  # opening
    for i in range(5):
        x = 440 + i * 40
        draw.line((x, 250 + i * 12, x + 30, 290 + i * 10), fill=WHITE, width=6)
    draw.arc((450, 300, 760, 420), 190, 330, fill=WHITE, width=10)  # swoosh-like stripe
    return image


def perfume_bottle() -> Image.Image:
    """A pink glass perfume bottle with a gold cap on a pale purple backdrop."""
    image, draw = _canvas((226, 214, 240))
    cx = WIDTH_PX // 2
    draw.rectangle((0, 430, WIDTH_PX, HEIGHT_PX), fill=(205, 190, 225))
    draw.rounded_rectangle((cx - 130, 200, cx + 130, 450), radius=40, fill=PINK)
    draw.rounded_rectangle((cx - 95, 230, cx - 60, 420), radius=15, fill=(250, 200, 225))  # glint
    draw.rectangle((cx - 30, 160, cx + 30, 200), fill=GOLD)
    draw.rounded_rectangle((cx - 55, 90, cx + 55, 165), radius=12, fill=GOLD)
    draw.rectangle((cx - 70, 300, cx + 70, 360), fill=WHITE)  # blank label
    return image


def coffee_mug() -> Image.Image:
    """A teal ceramic coffee mug with steam, on a brown wooden table."""
    image, draw = _canvas((245, 235, 220))
    draw.rectangle((0, 400, WIDTH_PX, HEIGHT_PX), fill=BROWN)
    for y in (430, 480, 530):
        draw.line((0, y, WIDTH_PX, y), fill=(110, 70, 40), width=3)
    cx = WIDTH_PX // 2
    draw.ellipse((cx + 80, 250, cx + 190, 370), outline=TEAL, width=26)  # handle
    draw.rectangle((cx - 130, 200, cx + 130, 430), fill=TEAL)
    draw.ellipse((cx - 130, 180, cx + 130, 220), fill=(20, 120, 120))
    draw.ellipse((cx - 115, 186, cx + 115, 214), fill=(90, 55, 30))  # coffee
    for dx in (-50, 0, 50):
        draw.arc((cx + dx - 20, 90, cx + dx + 20, 140), 90, 270, fill=WHITE, width=6)
        draw.arc((cx + dx - 20, 50, cx + dx + 20, 100), 270, 90, fill=WHITE, width=6)
    return image


def smartphone() -> Image.Image:
    """A black smartphone with a blue home screen of app tiles, on a white desk."""
    image, draw = _canvas((240, 242, 245))
    cx = WIDTH_PX // 2
    draw.rounded_rectangle((cx - 150, 40, cx + 150, 540), radius=40, fill=BLACK)
    draw.rounded_rectangle((cx - 132, 75, cx + 132, 505), radius=24, fill=BLUE)
    draw.rounded_rectangle((cx - 40, 52, cx + 40, 64), radius=6, fill=DARK_GREY)
    tiles = (RED, YELLOW, GRASS, ORANGE, PINK, TEAL, WHITE, GOLD, RED, GRASS, YELLOW, PINK)
    for i, color in enumerate(tiles):
        row, col = divmod(i, 3)
        x = cx - 105 + col * 75
        y = 110 + row * 85
        draw.rounded_rectangle((x, y, x + 55, y + 55), radius=12, fill=color)
    return image


def beach_sunset() -> Image.Image:
    """A beach at sunset: orange sky, a low orange sun over a blue ocean, yellow sand."""
    image, draw = _canvas(ORANGE)
    _vertical_gradient(draw, (250, 150, 70), (250, 210, 120), 0, 300)
    draw.ellipse((432, 200, 592, 360), fill=(255, 230, 90))
    draw.rectangle((0, 300, WIDTH_PX, 430), fill=(30, 80, 150))
    for y in (320, 350, 385):
        draw.line((300, y, 720, y), fill=(250, 190, 90), width=4)  # sun glitter
    draw.polygon(
        [(0, 430), (WIDTH_PX, 400), (WIDTH_PX, HEIGHT_PX), (0, HEIGHT_PX)], fill=(235, 205, 140)
    )
    draw.rectangle((140, 330, 150, 470), fill=BROWN)  # palm trunk
    for angle_end in ((60, 290), (230, 300), (90, 350), (200, 360)):
        draw.line((145, 330, *angle_end), fill=(40, 110, 50), width=14)
    return image


def _street(night: bool) -> Image.Image:
    sky = (20, 25, 60) if night else SKY
    image, draw = _canvas(sky)
    building_colors = (
        (180, 90, 70),
        (200, 180, 140),
        (110, 120, 150),
        (160, 160, 170),
        (190, 120, 90),
    )
    window_lit = (255, 220, 110) if night else (170, 210, 240)
    x = 0
    for i, color in enumerate(building_colors):
        width = 205
        top = 80 + (i * 53) % 140
        shade = tuple(c // 2 for c in color) if night else color
        draw.rectangle((x, top, x + width - 8, 400), fill=shade)
        for wy in range(top + 20, 380, 45):
            for wx in range(x + 20, x + width - 40, 45):
                draw.rectangle((wx, wy, wx + 22, wy + 28), fill=window_lit)
        x += width
    draw.rectangle((0, 400, WIDTH_PX, HEIGHT_PX), fill=(60, 60, 65))
    for lx in range(40, WIDTH_PX, 160):
        draw.rectangle((lx, 480, lx + 80, 488), fill=WHITE)
    draw.rounded_rectangle((180, 420, 400, 475), radius=14, fill=RED)  # red car
    draw.rounded_rectangle((220, 385, 350, 430), radius=14, fill=RED)
    draw.ellipse((205, 455, 250, 500), fill=BLACK)
    draw.ellipse((330, 455, 375, 500), fill=BLACK)
    if night:
        draw.ellipse((800, 50, 870, 120), fill=(240, 240, 220))  # moon
        draw.polygon([(400, 435), (520, 410), (520, 470)], fill=(255, 240, 160))  # headlight
    else:
        draw.ellipse((820, 40, 900, 120), fill=(255, 225, 60))
    return image


def city_day() -> Image.Image:
    """A city street by day with a red car; the start frame of a day-to-night prompt."""
    return _street(night=False)


def city_night() -> Image.Image:
    """The same street at night with lit windows and a moon; the matching end frame."""
    return _street(night=True)


def _lawn_with_ball(ball_x: int) -> Image.Image:
    image, draw = _canvas(SKY)
    draw.rectangle((0, 330, WIDTH_PX, HEIGHT_PX), fill=GRASS)
    draw.rectangle((860, 180, 880, 340), fill=BROWN)  # tree
    draw.ellipse((790, 90, 950, 230), fill=(40, 120, 50))
    draw.ellipse((ball_x - 55, 390, ball_x + 55, 500), fill=RED)
    draw.arc((ball_x - 40, 405, ball_x + 40, 485), 200, 290, fill=(250, 140, 140), width=8)
    return image


def ball_start() -> Image.Image:
    """A red ball at the left of a green lawn: the first frame of a rolling-ball prompt."""
    return _lawn_with_ball(150)


def ball_end() -> Image.Image:
    """The red ball at the right of the lawn: the last frame."""
    return _lawn_with_ball(720)


def _flower(open_petals: bool) -> Image.Image:
    image, draw = _canvas((235, 240, 215))
    draw.rectangle((0, 460, WIDTH_PX, HEIGHT_PX), fill=BROWN)
    cx = WIDTH_PX // 2
    draw.line((cx, 460, cx, 250), fill=(50, 130, 50), width=12)
    draw.ellipse((cx - 80, 340, cx, 380), fill=(70, 160, 60))
    if open_petals:
        for dx, dy in (
            (-70, 0),
            (70, 0),
            (0, -70),
            (0, 70),
            (-50, -50),
            (50, -50),
            (-50, 50),
            (50, 50),
        ):
            draw.ellipse((cx + dx - 45, 200 + dy - 45, cx + dx + 45, 200 + dy + 45), fill=RED)
        draw.ellipse((cx - 35, 165, cx + 35, 235), fill=YELLOW)
    else:
        draw.ellipse((cx - 30, 180, cx + 30, 260), fill=(60, 140, 55))
        draw.polygon([(cx - 15, 190), (cx, 160), (cx + 15, 190)], fill=RED)
    return image


def flower_bud() -> Image.Image:
    """A closed green flower bud: the first frame of a blooming prompt."""
    return _flower(open_petals=False)


def flower_bloom() -> Image.Image:
    """The same flower fully open with red petals: the last frame."""
    return _flower(open_petals=True)


def astronaut_face() -> Image.Image:
    """The public-domain NASA astronaut portrait from scikit-image, cropped to head and shoulders."""
    from skimage import data

    return Image.fromarray(data.astronaut()[0:320, 96:416])


DRAWINGS: dict[str, Callable[[], Image.Image]] = {
    "characters/girl_raincoat.png": girl_raincoat,
    "characters/robot.png": robot,
    "products/red_sneaker.png": red_sneaker,
    "products/perfume_bottle.png": perfume_bottle,
    "products/coffee_mug.png": coffee_mug,
    "products/smartphone.png": smartphone,
    "scenes/beach_sunset.png": beach_sunset,
    "scenes/city_street.png": city_day,
    "frames/city_day.png": city_day,
    "frames/city_night.png": city_night,
    "frames/ball_start.png": ball_start,
    "frames/ball_end.png": ball_end,
    "frames/flower_bud.png": flower_bud,
    "frames/flower_bloom.png": flower_bloom,
    "faces/astronaut.png": astronaut_face,
}


def make_all(out_dir: Path = ASSETS_DIR) -> list[Path]:
    """Write every asset under `out_dir` and return the paths written."""
    written = []
    for relative, draw_fn in DRAWINGS.items():
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        draw_fn().save(target, format="PNG", optimize=True)
        written.append(target)
    return written


if __name__ == "__main__":
    for path in make_all():
        print(f"{path.relative_to(ASSETS_DIR)}  {path.stat().st_size // 1024} KB")
