"""Pillow drawing primitives, supersampled for smooth edges.

Shapes are drawn at SCALE times the final size and shrunk once at the end, because Pillow's
polygon and line drawing has no anti-aliasing of its own.
"""

import math
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw

from drawing.geometry import Point, Points, scaled, unit
from drawing.typeface import font

SIZE = 800
SCALE = 3

Colour = tuple[int, int, int]


class Canvas:
    """An 800x800 picture addressed in design units."""

    def __init__(self, background: Colour) -> None:
        self.image = Image.new("RGB", (SIZE * SCALE, SIZE * SCALE), background)
        self.draw = ImageDraw.Draw(self.image)

    def polygon(self, points: Points, fill: Colour, outline: Colour, width: float) -> None:
        self.draw.polygon(scaled(points, SCALE), fill=fill)
        self.polyline([*points, points[0], points[1]], outline, width)

    def polyline(self, points: Sequence[Point], colour: Colour, width: float) -> None:
        self.draw.line(scaled(points, SCALE), fill=colour, width=_px(width), joint="curve")
        radius = width * SCALE / 2
        for x, y in (points[0], points[-1]):
            box = (x * SCALE - radius, y * SCALE - radius, x * SCALE + radius, y * SCALE + radius)
            self.draw.ellipse(box, fill=colour)

    def disc(self, centre: Point, radius: float, colour: Colour) -> None:
        x, y, r = centre[0] * SCALE, centre[1] * SCALE, radius * SCALE
        self.draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)

    def mask(self, shapes: Sequence[Points], clip: Points | None) -> Image.Image:
        """A greyscale mask of the shapes, cut to the clip outline."""
        mask = Image.new("L", self.image.size, 0)
        draw = ImageDraw.Draw(mask)
        for shape in shapes:
            draw.polygon(scaled(shape, SCALE), fill=255)
        if clip is not None:
            mask = intersect(mask, self.mask((clip,), None))
        return mask

    def outline_mask(
        self, shapes: Sequence[Points], clip: Points | None, width: float
    ) -> Image.Image:
        """The edges of the shapes as a mask, cut to the clip outline."""
        mask = Image.new("L", self.image.size, 0)
        draw = ImageDraw.Draw(mask)
        for shape in shapes:
            draw.line(scaled([*shape, shape[0], shape[1]], SCALE), fill=255, width=_px(width))
        if clip is not None:
            mask = intersect(mask, self.mask((clip,), None))
        return mask

    def paint(self, mask: Image.Image, colour: Colour, opacity: float = 1.0) -> None:
        """Lays a colour over the picture wherever the mask is set."""
        if opacity < 1.0:
            mask = mask.point(lambda value: int(value * opacity))
        self.image.paste(colour, (0, 0, *self.image.size), mask)

    def hatching(self, spacing: float, width: float) -> Image.Image:
        """Diagonal lines over the whole picture, as a mask; cut it with a zone mask."""
        mask = Image.new("L", self.image.size, 0)
        draw = ImageDraw.Draw(mask)
        for start in range(-SIZE, SIZE, int(spacing)):
            draw.line(
                scaled([(start, SIZE), (start + SIZE, 0)], SCALE), fill=255, width=_px(width)
            )
        return mask

    def arrow_head(self, tip: Point, direction: Point, size: float, colour: Colour) -> None:
        dx, dy = unit(direction)
        back = (tip[0] - dx * size, tip[1] - dy * size)
        half = size * 0.6
        corners = [
            tip,
            (back[0] - dy * half, back[1] + dx * half),
            (back[0] + dy * half, back[1] - dx * half),
        ]
        self.draw.polygon(scaled(corners, SCALE), fill=colour)

    def text(
        self, position: Point, words: str, size: int, colour: Colour, anchor: str, bold: bool
    ) -> None:
        """Text whose anchor (Pillow's two-letter code, e.g. "mm") sits at the position."""
        self.draw.text(
            (position[0] * SCALE, position[1] * SCALE),
            words,
            font=font(size * SCALE, bold),
            fill=colour,
            anchor=anchor,
        )

    def text_width(self, words: str, size: int, bold: bool) -> float:
        return font(size * SCALE, bold).getlength(words) / SCALE

    def finish(self) -> Image.Image:
        return self.image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def _px(width: float) -> int:
    return max(1, math.ceil(width * SCALE))


def intersect(first: Image.Image, second: Image.Image) -> Image.Image:
    """Where both masks are set, e.g. a hatching pattern cut to a zone."""
    return ImageChops.multiply(first, second)
