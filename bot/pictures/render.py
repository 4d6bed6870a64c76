"""Drawing technique diagrams as PNG files from their descriptions.

The output depends only on the description (no timestamps, no metadata, a bundled font), so the
same description always gives the same bytes and unchanged pictures are never rewritten. A small
fingerprint file beside the pictures records what each was drawn from, so a start-up with nothing
changed draws nothing at all.
"""

import hashlib
import io
import json
import os
import tempfile
from functools import cache
from pathlib import Path

import PIL

from bot.pictures.canvas import Canvas, Colour, intersect
from bot.pictures.foot import FootDrawing, Side, ZoneShape, drawing_for
from bot.pictures.geometry import Path as Line
from bot.pictures.geometry import Point, arc, curve_through, offset, span_at, trim, unit
from bot.pictures.spec import Arrow, Gesture, PictureSpec, Stroke, Zone, load_pictures
from bot.pictures.vocabulary import Motion

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

ARROW_WIDTH = 9.0
HALO_WIDTH = 5.0
HEAD_SIZE = 30.0
LANE_SPACING = 60.0
SQUEEZE_LENGTH = 80.0
SQUEEZE_GAP = 6.0
PRESS_WIDTH = 6.3
PRESS_DOT = 7.0
PULL_LENGTH = 80.0
PICTURE_MODE = 0o644
PICTURES_FOLDER = "pictures"
FINGERPRINTS_FILE = "fingerprints.json"
CIRCLE_FROM = 290.0  # degrees, clockwise from 3 o'clock: the gap sits at the top
CIRCLE_SWEEP = 300.0


def render_picture(spec: PictureSpec) -> bytes:
    """The diagram for one technique as PNG bytes (800x800)."""
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
    buffer = io.BytesIO()
    canvas.finish().save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def render_all(pictures_file: Path, out_dir: Path) -> list[Path]:
    """Writes `<technique-id>.png` for every description; returns only the files it (re)wrote.

    A picture is drawn only when its description, the drawing code or the file on disk changed,
    and rewritten only when its bytes differ, so file times and any upload cache keyed on them
    stay valid.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    fingerprints_path = out_dir / FINGERPRINTS_FILE
    known = _read_fingerprints(fingerprints_path)
    fingerprints: dict[str, str] = {}
    written: list[Path] = []
    for technique_id, spec in load_pictures(pictures_file).items():
        target = picture_path(out_dir, technique_id)
        fingerprint = _fingerprint(spec)
        fingerprints[technique_id] = fingerprint
        on_disk = target.read_bytes() if target.is_file() else None
        if on_disk is not None and known.get(technique_id) == _with_bytes(fingerprint, on_disk):
            continue
        png = render_picture(spec)
        if on_disk != png:
            _write_atomically(target, png)
            written.append(target)
        known[technique_id] = _with_bytes(fingerprint, png)
    current = {tid: known[tid] for tid in fingerprints}
    _write_atomically(fingerprints_path, json.dumps(current, indent=1, sort_keys=True).encode())
    return written


def _fingerprint(spec: PictureSpec) -> str:
    """What a picture is drawn from: its description and the drawing code's version."""
    return hashlib.sha256(f"{_drawing_code_digest()}|{spec!r}".encode()).hexdigest()


def _with_bytes(fingerprint: str, png: bytes) -> str:
    return f"{fingerprint}:{hashlib.sha256(png).hexdigest()}"


@cache
def _drawing_code_digest() -> str:
    digest = hashlib.sha256(PIL.__version__.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _read_fingerprints(path: Path) -> dict[str, str]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def pictures_dir(data_dir: Path) -> Path:
    """The pictures folder inside the bot's data folder, shared by the bot, render and ask."""
    return data_dir / PICTURES_FOLDER


def picture_path(out_dir: Path, technique_id: str) -> Path:
    """Where a technique's picture lives inside a pictures folder."""
    return out_dir / f"{technique_id}.png"


def _write_atomically(target: Path, data: bytes) -> None:
    """A reader never sees half a picture: write beside the target, then rename over it."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        os.fchmod(handle, PICTURE_MODE)  # mkstemp makes private files; pictures are public
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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


def _stroke_paths(drawing: FootDrawing, stroke: Stroke) -> list[Line]:
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


def _gesture_paths(shape: ZoneShape, motion: Motion) -> list[Line]:
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


def _arrow_line(canvas: Canvas, path: Line, *, at_start: bool, at_end: bool) -> None:
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
    lines = _wrap(canvas, zone.label, LABEL_SIZE, LABEL_WIDTH)
    x, y = shape.label_at
    gap = LABEL_GAP if shape.label_side is Side.RIGHT else -LABEL_GAP
    anchor = "lm" if shape.label_side is Side.RIGHT else "rm"
    line_height = LABEL_SIZE * 1.2
    top = y - line_height * (len(lines) - 1) / 2
    for index, text in enumerate(lines):
        canvas.text((x + gap, top + index * line_height), text, LABEL_SIZE, INK, anchor, True)


def _headings(canvas: Canvas, spec: PictureSpec) -> None:
    canvas.text((400, 40), spec.title, TITLE_SIZE, INK, "mm", True)
    canvas.text((400, 84), spec.subtitle, SUBTITLE_SIZE, MUTED, "mm", False)
    if spec.caption is None:
        return
    lines = _wrap(canvas, spec.caption, CAPTION_SIZE, CAPTION_WIDTH)
    line_height = CAPTION_SIZE * 1.25
    top = 768 - line_height * (len(lines) - 1)
    for index, text in enumerate(lines):
        canvas.text((400, top + index * line_height), text, CAPTION_SIZE, INK, "mm", False)


def _wrap(canvas: Canvas, words: str, size: int, width: float) -> list[str]:
    """Word wrap into as few lines as fit the width, then evened out so no word is left alone."""
    lines = _greedy_wrap(canvas, words, size, width)
    while width > 0:
        narrower = _greedy_wrap(canvas, words, size, width - 8)
        if len(narrower) > len(lines):
            break
        lines, width = narrower, width - 8
    return lines


def _greedy_wrap(canvas: Canvas, words: str, size: int, width: float) -> list[str]:
    """As many words on each line as fit (a word longer than the width keeps its own line)."""
    lines: list[str] = []
    for word in words.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and canvas.text_width(candidate, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines
