"""Drawing technique diagrams as PNG files from their descriptions.

The output depends only on the description (no timestamps, no metadata, a pinned font), so the
same description always gives the same pixels. A file is rewritten only when its pixels change,
so another zlib (which may compress the same pixels to other bytes) leaves the committed files
alone.
"""

import io
from pathlib import Path

from PIL import Image

from bot.pictures.files import picture_path, pictures_folder
from bot.pictures.spec import (
    PICTURES_FILE,
    Arrow,
    Gesture,
    PictureSpec,
    Stroke,
    Zone,
    load_pictures,
)
from bot.pictures.vocabulary import Motion
from drawing.canvas import Canvas, Colour, intersect
from drawing.foot import FootDrawing, Side, ZoneShape, drawing_for
from drawing.geometry import Point, Points, arc, curve_through, offset, span_at, trim, unit
from drawing.typeface import undrawable

# Okabe-Ito orange for the zones worked and blue for movement: distinct for every common kind of
# colour blindness; zones also carry hatching and an outline, so colour is never the only cue.
BACKGROUND: Colour = (255, 255, 255)
SKIN: Colour = (246, 236, 226)
SKIN_EDGE: Colour = (104, 86, 74)
ZONE: Colour = (230, 159, 0)
ZONE_HATCH: Colour = (176, 104, 0)
ZONE_EDGE: Colour = (150, 86, 0)
MOVEMENT: Colour = (0, 114, 178)
HALO: Colour = (255, 255, 255)
INK: Colour = (34, 38, 46)
MUTED: Colour = (92, 98, 110)

TITLE_SIZE = 44
SUBTITLE_SIZE = 24
LABEL_SIZE = 28
CAPTION_SIZE = 27
LABEL_WIDTH = 225
LABEL_GAP = 10
CAPTION_WIDTH = 740
TITLE_WIDTH = 730
MIN_TITLE_SIZE = 30

ARROW_WIDTH = 9.0
HALO_WIDTH = 5.0
HEAD_SIZE = 30.0
LANE_SPACING = 60.0
SQUEEZE_LENGTH = 80.0
SQUEEZE_GAP = 6.0
PRESS_WIDTH = 6.3
PRESS_DOT = 7.0
PULL_LENGTH = 80.0
CIRCLE_FROM = 290.0  # degrees, clockwise from 3 o'clock: the gap sits at the top
CIRCLE_SWEEP = 300.0


def draw_picture(spec: PictureSpec) -> Image.Image:
    """The diagram for one technique (800x800), before it is encoded."""
    canvas = Canvas(BACKGROUND)
    drawing = drawing_for(spec.view)
    for part in drawing.parts:
        canvas.polygon(part, SKIN, SKIN_EDGE, 3.5)
    for detail in drawing.details:
        canvas.polyline([*detail, detail[0]], SKIN_EDGE, 2.0)
    for zone in spec.zones:
        _highlight(canvas, drawing.zones[zone.name])
    for part in drawing.parts:
        canvas.polyline([*part, part[0], part[1]], SKIN_EDGE, 3.5)
    for zone in spec.zones:
        _leader(canvas, drawing.zones[zone.name])
    for arrow in spec.arrows:
        _draw_arrow(canvas, drawing, arrow)
    for zone in spec.zones:
        _label(canvas, drawing.zones[zone.name], zone)
    _headings(canvas, spec)
    return canvas.finish()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def render_all(knowledge_dir: Path, out_dir: Path) -> list[Path]:
    """Draws every description in every language into ``out_dir``, laid out as the knowledge
    folder's pictures/ (`<technique-id>.png`, `fr/<technique-id>.png`); returns only the files
    it (re)wrote."""
    written: list[Path] = []
    descriptions = load_pictures(knowledge_dir / PICTURES_FILE, undrawable)
    for language, specs in descriptions.items():
        for technique_id, spec in specs.items():
            committed = picture_path(knowledge_dir, technique_id, language)
            target = out_dir / committed.relative_to(pictures_folder(knowledge_dir))
            target.parent.mkdir(parents=True, exist_ok=True)
            picture = draw_picture(spec)
            if not shows(target, picture):
                target.write_bytes(png_bytes(picture))
                written.append(target)
    return written


def shows(file: Path, picture: Image.Image) -> bool:
    """Whether the file decodes to exactly this picture, however it was compressed."""
    try:
        with Image.open(file) as stored:
            return _pixels(stored) == _pixels(picture)
    except (OSError, SyntaxError):  # missing, or not a picture Pillow can read
        return False


def _pixels(image: Image.Image) -> tuple[str, tuple[int, int], bytes]:
    return image.mode, image.size, image.tobytes()


def _highlight(canvas: Canvas, shape: ZoneShape) -> None:
    mask = canvas.mask(shape.shapes, shape.clip)
    canvas.paint(mask, ZONE, opacity=0.55)
    hatch = canvas.hatching(spacing=16, width=2.5)
    canvas.paint(intersect(mask, hatch), ZONE_HATCH, opacity=0.7)
    canvas.paint(canvas.outline_mask(shape.shapes, shape.clip, 4.0), ZONE_EDGE)


def _draw_arrow(canvas: Canvas, drawing: FootDrawing, arrow: Arrow) -> None:
    if isinstance(arrow, Stroke):
        for path in _stroke_paths(drawing, arrow):
            _arrow_line(canvas, path, at_start=arrow.both_ways, at_end=True)
        return
    _gesture(canvas, drawing.zones[arrow.zone], arrow)


def _stroke_paths(drawing: FootDrawing, stroke: Stroke) -> list[Points]:
    start = drawing.zones[stroke.start].anchor
    end = drawing.zones[stroke.end].anchor
    middle = (
        drawing.zones[stroke.via].anchor
        if stroke.via is not None
        else ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    )
    path = curve_through(start, middle, end)
    first_lane = -(stroke.lanes - 1) / 2
    return [offset(path, (first_lane + lane) * LANE_SPACING) for lane in range(stroke.lanes)]


def _gesture(canvas: Canvas, shape: ZoneShape, gesture: Gesture) -> None:
    if gesture.motion is Motion.PRESS:
        _press_mark(canvas, shape)
        return
    for path in _gesture_paths(shape, gesture.motion):
        _arrow_line(canvas, path, at_start=False, at_end=True)


def _gesture_paths(shape: ZoneShape, motion: Motion) -> list[Points]:
    x, y = shape.anchor
    if motion is Motion.CIRCLE:
        return [arc(shape.anchor, shape.radius, CIRCLE_FROM, CIRCLE_FROM + CIRCLE_SWEEP)]
    if motion is Motion.SQUEEZE:
        # Arrows meet the foot's outline level with the zone, pressing in from both sides.
        left, right = span_at([shape.clip] if shape.clip else list(shape.shapes), y)
        return [
            [(edge + side * (SQUEEZE_GAP + SQUEEZE_LENGTH), y), (edge + side * SQUEEZE_GAP, y)]
            for edge, side in ((left, -1), (right, 1))
        ]
    dx, dy = shape.outward
    base = (x + dx * shape.radius, y + dy * shape.radius)
    return [[base, (base[0] + dx * PULL_LENGTH, base[1] + dy * PULL_LENGTH)]]


def _press_mark(canvas: Canvas, shape: ZoneShape) -> None:
    """A target: a ring round the point and a dot on it, for steady pressure."""
    ring = arc(shape.anchor, shape.radius, 0, 360)
    canvas.polyline(ring, HALO, PRESS_WIDTH + 2 * HALO_WIDTH)
    canvas.disc(shape.anchor, PRESS_DOT + HALO_WIDTH, HALO)
    canvas.polyline(ring, MOVEMENT, PRESS_WIDTH)
    canvas.disc(shape.anchor, PRESS_DOT, MOVEMENT)


def _arrow_line(canvas: Canvas, path: Points, *, at_start: bool, at_end: bool) -> None:
    """A blue line with heads, on a white halo so it stands out on any zone colour."""
    heads = [(path[-1], _direction(path[-2], path[-1]))] if at_end else []
    if at_start:
        heads.append((path[0], _direction(path[1], path[0])))
    line = trim(path, HEAD_SIZE * 0.7 if at_start else 0, HEAD_SIZE * 0.7 if at_end else 0)
    canvas.polyline(line, HALO, ARROW_WIDTH + 2 * HALO_WIDTH)
    for tip, direction in heads:
        _halo_head(canvas, tip, direction)
    canvas.polyline(line, MOVEMENT, ARROW_WIDTH)
    for tip, direction in heads:
        canvas.arrow_head(tip, direction, HEAD_SIZE, MOVEMENT)


def _halo_head(canvas: Canvas, tip: Point, direction: Point) -> None:
    dx, dy = direction
    grown_tip = (tip[0] + dx * HALO_WIDTH * 1.6, tip[1] + dy * HALO_WIDTH * 1.6)
    canvas.arrow_head(grown_tip, direction, HEAD_SIZE + HALO_WIDTH * 3.2, HALO)


def _direction(before: Point, after: Point) -> Point:
    return unit((after[0] - before[0], after[1] - before[1]))


def _leader(canvas: Canvas, shape: ZoneShape) -> None:
    """The line from a label to its zone, drawn under the arrows so movement stays on top."""
    x, y = shape.label_at
    canvas.polyline([(x, y), shape.pointer], HALO, 7)
    canvas.polyline([(x, y), shape.pointer], INK, 2.5)
    canvas.disc(shape.pointer, 8, HALO)
    canvas.disc(shape.pointer, 5.5, INK)


def _label(canvas: Canvas, shape: ZoneShape, zone: Zone) -> None:
    lines = _wrap(canvas, zone.label, LABEL_SIZE, LABEL_WIDTH, bold=True)
    x, y = shape.label_at
    gap = LABEL_GAP if shape.label_side is Side.RIGHT else -LABEL_GAP
    anchor = "lm" if shape.label_side is Side.RIGHT else "rm"
    line_height = LABEL_SIZE * 1.2
    top = y - line_height * (len(lines) - 1) / 2
    for index, text in enumerate(lines):
        canvas.text((x + gap, top + index * line_height), text, LABEL_SIZE, INK, anchor, True)


def _headings(canvas: Canvas, spec: PictureSpec) -> None:
    size = _fitting_size(canvas, spec.title, TITLE_SIZE, TITLE_WIDTH)
    canvas.text((400, 40), spec.title, size, INK, "mm", True)
    canvas.text((400, 84), spec.subtitle, SUBTITLE_SIZE, MUTED, "mm", False)
    if spec.caption is None:
        return
    lines = _wrap(canvas, spec.caption, CAPTION_SIZE, CAPTION_WIDTH, bold=False)
    line_height = CAPTION_SIZE * 1.25
    top = 768 - line_height * (len(lines) - 1)
    for index, text in enumerate(lines):
        canvas.text((400, top + index * line_height), text, CAPTION_SIZE, INK, "mm", False)


def _fitting_size(canvas: Canvas, title: str, size: int, width: float) -> int:
    """The largest size up to ``size`` that keeps the title on one line within the width."""
    while size > MIN_TITLE_SIZE and canvas.text_width(title, size, bold=True) > width:
        size -= 1
    return size


def _wrap(canvas: Canvas, words: str, size: int, width: float, *, bold: bool) -> list[str]:
    """Word wrap into as few lines as fit the width, then evened out so no word is left alone."""
    lines = _greedy_wrap(canvas, words, size, width, bold)
    while width > 0:
        narrower = _greedy_wrap(canvas, words, size, width - 8, bold)
        if len(narrower) > len(lines):
            break
        lines, width = narrower, width - 8
    return lines


def _greedy_wrap(canvas: Canvas, words: str, size: int, width: float, bold: bool) -> list[str]:
    """As many words on each line as fit (a word longer than the width keeps its own line)."""
    lines: list[str] = []
    for word in words.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and canvas.text_width(candidate, size, bold) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines
