"""The one font used on the diagrams, and which characters it can draw.

Pillow's bundled font is the same on every machine, so pictures are reproducible pixel for pixel
within the Pillow range pinned in pyproject.toml (glyphs are rasterised by the FreeType each
Pillow wheel bundles); its character set is small (no dashes, no accents), so texts are checked
against it.
"""

from functools import cache

from PIL import ImageFont

_NOT_A_CHARACTER = "\U000f0000"  # a private-use code point: always drawn as the missing box


@cache
def font(pixel_size: int) -> ImageFont.FreeTypeFont:
    loaded = ImageFont.load_default(size=pixel_size)
    assert isinstance(loaded, ImageFont.FreeTypeFont)  # Pillow is built with FreeType
    return loaded


def undrawable(text: str) -> list[str]:
    """The characters of the text the font would draw as an empty box, in order of appearance."""
    missing = _glyph(_NOT_A_CHARACTER)
    found: list[str] = []
    for character in dict.fromkeys(text):
        if not character.isspace() and _glyph(character) == missing:
            found.append(character)
    return found


@cache
def _glyph(character: str) -> tuple[tuple[int, int], bytes]:
    mask = font(24).getmask(character)
    return mask.size, bytes(mask)
