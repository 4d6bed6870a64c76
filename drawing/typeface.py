"""The one typeface used on the diagrams, and which characters it can draw.

The labels are English and French, so the font must draw accents (é, è, à, â, û, É, œ, ç), which
Pillow's bundled font cannot. DejaVu Sans, regular and bold, comes as files inside matplotlib's
wheel (a dev dependency): the same bytes in every wheel for every platform (identical from 3.8 to
3.11), so a fresh ``pip install -e '.[dev]'`` gets exactly the font the committed pictures were
drawn with, and nothing depends on the fonts a machine happens to have. Matplotlib is only
located, never imported. Text is laid out by Pillow's basic engine, never by Raqm, which some
machines lack; glyphs are rasterised by the FreeType each Pillow wheel bundles, within the range
pinned in pyproject.toml. A text is still checked against the font, for characters it lacks.
"""

import importlib.util
from functools import cache
from pathlib import Path

from PIL import ImageFont

_NOT_A_CHARACTER = "\U000f0000"  # a private-use code point: always drawn as the missing box


def _font_folder() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        # The dev extra is not installed; ``footbot render`` says so in one line.
        raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


_FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
_FOLDER = _font_folder()


@cache
def font(pixel_size: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        _FOLDER / _FONT_FILES[bold], pixel_size, layout_engine=ImageFont.Layout.BASIC
    )


def undrawable(text: str) -> list[str]:
    """The characters of the text either face would draw as an empty box, in order."""
    found: list[str] = []
    for character in dict.fromkeys(text):
        if character.isspace():
            continue
        if any(_glyph(character, bold) == _glyph(_NOT_A_CHARACTER, bold) for bold in _FONT_FILES):
            found.append(character)
    return found


@cache
def _glyph(character: str, bold: bool) -> tuple[tuple[int, int], bytes]:
    mask = font(24, bold).getmask(character)
    return mask.size, bytes(mask)
