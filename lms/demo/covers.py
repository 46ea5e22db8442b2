"""Cover images for the demo courses, drawn locally so the demo needs no downloads.

The text is set in DejaVu Sans, shipped in ``lms/demo/fonts/`` (from Debian's
fonts-dejavu-core 2.37, Bitstream Vera licence in ``LICENSE.txt``): Pillow's built-in
font has no umlauts, so "für Führungskräfte" came out as boxes.
"""

from functools import cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

TRACK_COLOURS = {
    "blue": ((31, 78, 140), (13, 27, 42)),
    "purple": ((106, 61, 154), (30, 16, 48)),
    "green": ((28, 124, 63), (10, 40, 24)),
    "orange": ((164, 71, 13), (48, 20, 6)),
    "teal": ((15, 110, 110), (6, 36, 36)),
    "red": ((163, 38, 42), (44, 10, 12)),
}


FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR_FONT = FONT_DIR / "DejaVuSans.ttf"
BOLD_FONT = FONT_DIR / "DejaVuSans-Bold.ttf"


@cache
def cover_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(BOLD_FONT if bold else REGULAR_FONT), size)


def cover_png(*, title: str, subtitle: str, colour: str, size=(1280, 720)) -> bytes:
    start, end = TRACK_COLOURS.get(colour, TRACK_COLOURS["blue"])
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for x in range(width):
        share = x / width
        draw.line(
            [(x, 0), (x, height)],
            fill=tuple(round(a + (b - a) * share) for a, b in zip(start, end, strict=True)),
        )
    for radius, alpha in ((420, 40), (260, 60)):
        overlay = Image.new("L", size, 0)
        ImageDraw.Draw(overlay).ellipse(
            (width - radius - 80, height - radius - 60, width + radius - 80, height + radius - 60),
            fill=alpha,
        )
        image.paste((255, 255, 255), mask=overlay)
    draw = ImageDraw.Draw(image)
    draw.text((80, 120), subtitle.upper(), fill=(255, 255, 255), font=cover_font(40))
    y = 200
    for line in _wrap(title, 24):
        draw.text((80, y), line, fill=(255, 255, 255), font=cover_font(72, bold=True))
        y += 92
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) > width and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
