"""Plane geometry for the diagrams: smooth outlines, ellipses, curves and bands as point lists.

Everything is a polygon or polyline of floats in a 800x800 design space, so the drawing code
only ever fills polygons and strokes polylines, and the shapes stay easy to test and tweak.
"""

import math
from collections.abc import Sequence

Point = tuple[float, float]
Points = list[Point]  # a polyline, or a polygon when read as closed


def smooth_closed(points: Sequence[Point], samples: int = 16) -> Points:
    """A closed Catmull-Rom curve through the points: a hand-drawn look from a few coordinates."""
    count = len(points)
    curve: Points = []
    for index in range(count):
        p0, p1, p2, p3 = (points[(index + offset) % count] for offset in (-1, 0, 1, 2))
        for step in range(samples):
            t = step / samples
            curve.append(_catmull_rom(p0, p1, p2, p3, t))
    return curve


def _catmull_rom(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    t2, t3 = t * t, t * t * t
    return (
        0.5
        * (
            2 * p1[0]
            + (p2[0] - p0[0]) * t
            + (2 * p0[0] - 5 * p1[0] + 4 * p2[0] - p3[0]) * t2
            + (3 * p1[0] - p0[0] - 3 * p2[0] + p3[0]) * t3
        ),
        0.5
        * (
            2 * p1[1]
            + (p2[1] - p0[1]) * t
            + (2 * p0[1] - 5 * p1[1] + 4 * p2[1] - p3[1]) * t2
            + (3 * p1[1] - p0[1] - 3 * p2[1] + p3[1]) * t3
        ),
    )


def ellipse(
    centre: Point, radii: tuple[float, float], tilt_degrees: float = 0.0, samples: int = 72
) -> Points:
    """An ellipse as a polygon, optionally tilted (Pillow cannot draw tilted ellipses)."""
    (cx, cy), (rx, ry) = centre, radii
    tilt = math.radians(tilt_degrees)
    cos_tilt, sin_tilt = math.cos(tilt), math.sin(tilt)
    polygon: Points = []
    for step in range(samples):
        angle = 2 * math.pi * step / samples
        x, y = rx * math.cos(angle), ry * math.sin(angle)
        polygon.append((cx + x * cos_tilt - y * sin_tilt, cy + x * sin_tilt + y * cos_tilt))
    return polygon


def arc(centre: Point, radius: float, start_degrees: float, end_degrees: float) -> Points:
    """A circular arc, clockwise on screen (y grows downwards) when end > start."""
    steps = max(8, int(abs(end_degrees - start_degrees) / 4))
    return [
        (
            centre[0] + radius * math.cos(math.radians(angle)),
            centre[1] + radius * math.sin(math.radians(angle)),
        )
        for angle in (
            start_degrees + (end_degrees - start_degrees) * step / steps
            for step in range(steps + 1)
        )
    ]


def curve_through(start: Point, middle: Point, end: Point, samples: int = 48) -> Points:
    """A quadratic curve from start to end that passes through middle."""
    control = (
        2 * middle[0] - (start[0] + end[0]) / 2,
        2 * middle[1] - (start[1] + end[1]) / 2,
    )
    path: Points = []
    for step in range(samples + 1):
        t = step / samples
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        path.append(
            (
                a * start[0] + b * control[0] + c * end[0],
                a * start[1] + b * control[1] + c * end[1],
            )
        )
    return path


def offset(path: Sequence[Point], distance: float) -> Points:
    """The path shifted sideways (to the left of its direction of travel on screen)."""
    shifted: Points = []
    for index, point in enumerate(path):
        before = path[max(index - 1, 0)]
        after = path[min(index + 1, len(path) - 1)]
        nx, ny = unit((after[1] - before[1], before[0] - after[0]))
        shifted.append((point[0] + nx * distance, point[1] + ny * distance))
    return shifted


def band(path: Sequence[Point], width: float) -> Points:
    """A strip of the given width along one side of a path, as a polygon."""
    return [*path, *reversed(offset(path, width))]


def trim(path: Sequence[Point], start: float, end: float) -> Points:
    """The path shortened by the given lengths at each end (room for arrow heads and gaps)."""
    return _trim_start(list(reversed(_trim_start(list(path), start))), end)[::-1]


def _trim_start(path: Points, length: float) -> Points:
    remaining = length
    for index in range(len(path) - 1):
        segment = distance(path[index], path[index + 1])
        if segment > remaining:
            ratio = remaining / segment
            (x0, y0), (x1, y1) = path[index], path[index + 1]
            return [(x0 + (x1 - x0) * ratio, y0 + (y1 - y0) * ratio), *path[index + 1 :]]
        remaining -= segment
    return path[-2:]


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def unit(vector: Point) -> Point:
    length = math.hypot(*vector) or 1.0
    return (vector[0] / length, vector[1] / length)


def scaled(path: Sequence[Point], factor: float) -> Points:
    return [(x * factor, y * factor) for x, y in path]


def span_at(polygons: Sequence[Points], y: float) -> tuple[float, float]:
    """The leftmost and rightmost x where the horizontal line at y crosses the polygons."""
    crossings: list[float] = []
    for polygon in polygons:
        for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
            if (y0 <= y < y1) or (y1 <= y < y0):
                crossings.append(x0 + (y - y0) * (x1 - x0) / (y1 - y0))
    if not crossings:
        raise ValueError(f"no shape crosses y={y}")
    return min(crossings), max(crossings)
