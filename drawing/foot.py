"""Where things are on the two foot drawings: outlines, zone shapes, arrow anchors, label spots.

All coordinates are in the 800x800 design space. The sole view is a left sole seen from below
(big toe on the left, so the inner edge is on the left); the side view shows the inner side of a
right foot with the toes to the right and the ankle bone in the middle.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.pictures.vocabulary import View
from drawing.geometry import Point, Points, band, ellipse, smooth_closed


class Side(StrEnum):
    """Which margin a zone's label sits in."""

    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True)
class ZoneShape:
    """One zone on one drawing."""

    shapes: tuple[Points, ...]  # filled polygons; cut to the clip outline when there is one
    clip: Points | None
    anchor: Point  # where arrows meet the zone and gestures are centred
    radius: float  # the zone's size, for circles, squeezes and pulls around it
    outward: Point  # unit direction pointing away from the foot, for pulls
    label_at: Point  # the label's inner edge (text grows away from the foot) and middle height
    label_side: Side
    pointer: Point  # where the label's leader line touches the zone


@dataclass(frozen=True)
class FootDrawing:
    """A view of the foot: the outline parts to draw and the zones that can be highlighted."""

    parts: tuple[Points, ...]  # skin-coloured shapes with an outline, back to front
    details: tuple[Points, ...]  # faint lines that help the eye (creases, the ankle bone)
    zones: dict[str, ZoneShape]


@cache
def drawing_for(view: View) -> FootDrawing:
    """The drawing for a view (built once; it never changes)."""
    return _sole() if view is View.SOLE else _side()


def _sole() -> FootDrawing:
    body = smooth_closed(
        [
            (400, 712),
            (462, 702),
            (490, 664),
            (496, 604),
            (488, 534),
            (492, 462),
            (506, 392),
            (518, 334),
            (514, 290),
            (492, 266),
            (452, 254),
            (402, 244),
            (352, 236),
            (306, 244),
            (284, 274),
            (282, 334),
            (296, 394),
            (330, 452),
            (348, 514),
            (342, 584),
            (318, 644),
            (322, 690),
            (356, 708),
        ]
    )
    big_toe = ellipse((318, 190), (37, 50), tilt_degrees=-8)
    small_toes = (
        ellipse((382, 176), (24, 33), tilt_degrees=-4),
        ellipse((430, 184), (21, 29), tilt_degrees=4),
        ellipse((470, 200), (19, 26), tilt_degrees=12),
        ellipse((503, 225), (16, 21), tilt_degrees=22),
    )
    outer_side = [point for point in body if point[0] > 440 and 300 < point[1] < 690]
    inner_side = [point for point in body if point[0] < 380 and 280 < point[1] < 690]
    sole_zone = (body,)
    return FootDrawing(
        parts=(body, big_toe, *small_toes),
        details=(),
        zones={
            "sole": ZoneShape(
                sole_zone, None, (402, 470), 70, (0, -1), (250, 530), Side.LEFT, (380, 530)
            ),
            "heel": ZoneShape(
                (ellipse((404, 650), (100, 78)),),
                body,
                (404, 640),
                56,
                (0, 1),
                (250, 706),
                Side.LEFT,
                (352, 684),
            ),
            "arch": ZoneShape(
                (ellipse((392, 470), (66, 100)),),
                body,
                (396, 470),
                48,
                (-1, 0),
                (250, 470),
                Side.LEFT,
                (352, 470),
            ),
            "ball": ZoneShape(
                (ellipse((400, 296), (140, 62), tilt_degrees=8),),
                body,
                (400, 296),
                52,
                (0, -1),
                (560, 330),
                Side.RIGHT,
                (482, 318),
            ),
            "toes": ZoneShape(
                (big_toe, *small_toes),
                None,
                (430, 184),
                36,
                (0, -1),
                (560, 170),
                Side.RIGHT,
                (503, 228),
            ),
            "big_toe": ZoneShape(
                (big_toe,),
                None,
                (318, 190),
                26,
                (-0.75, -0.66),
                (250, 160),
                Side.LEFT,
                (302, 172),
            ),
            "toe_web": ZoneShape(
                (ellipse((350, 232), (21, 28), tilt_degrees=-10),),
                None,
                (350, 232),
                12,
                (0, -1),
                (560, 240),
                Side.RIGHT,
                (356, 232),
            ),
            "outer_edge": ZoneShape(
                (band(outer_side, 30),),
                body,
                (500, 480),
                30,
                (1, 0),
                (560, 470),
                Side.RIGHT,
                (494, 470),
            ),
            "inner_edge": ZoneShape(
                (band(inner_side, 30),),
                body,
                (330, 420),
                30,
                (-1, 0),
                (250, 390),
                Side.LEFT,
                (300, 390),
            ),
        },
    )


def _side() -> FootDrawing:
    leg_and_foot = smooth_closed(
        [
            (262, 128),
            (258, 260),
            (250, 380),
            (238, 470),
            (220, 540),
            (214, 600),
            (226, 650),
            (258, 680),
            (300, 690),
            (345, 684),
            (392, 666),
            (440, 656),
            (490, 662),
            (540, 678),
            (590, 688),
            (640, 692),
            (688, 688),
            (712, 668),
            (706, 642),
            (670, 624),
            (610, 604),
            (540, 574),
            (470, 538),
            (412, 496),
            (384, 446),
            (374, 360),
            (370, 250),
            (368, 128),
        ]
    )
    ankle_bone = ellipse((316, 468), (30, 26))
    sole_strip = [point for point in leg_and_foot if point[1] > 640 and 230 < point[0] < 700]
    return FootDrawing(
        parts=(leg_and_foot,),
        details=(ankle_bone,),
        zones={
            "ankle": ZoneShape(
                (ellipse((316, 468), (58, 52)),),
                leg_and_foot,
                (316, 468),
                92,
                (0, -1),
                (560, 380),
                Side.RIGHT,
                (362, 440),
            ),
            "heel": ZoneShape(
                (ellipse((262, 630), (70, 70)),),
                leg_and_foot,
                (262, 630),
                50,
                (-1, 0),
                (180, 700),
                Side.LEFT,
                (236, 640),
            ),
            "arch": ZoneShape(
                (ellipse((440, 636), (70, 34)),),
                leg_and_foot,
                (440, 640),
                40,
                (0, 1),
                (440, 740),
                Side.LEFT,
                (440, 650),
            ),
            "ball": ZoneShape(
                (ellipse((580, 664), (52, 36)),),
                leg_and_foot,
                (580, 664),
                36,
                (0, 1),
                (560, 540),
                Side.RIGHT,
                (580, 650),
            ),
            "toes": ZoneShape(
                (ellipse((678, 656), (44, 40)),),
                leg_and_foot,
                (672, 656),
                34,
                (1, 0),
                (620, 560),
                Side.RIGHT,
                (676, 644),
            ),
            "sole": ZoneShape(
                (band(sole_strip, 22),),
                leg_and_foot,
                (460, 668),
                30,
                (0, 1),
                (560, 740),
                Side.RIGHT,
                (520, 672),
            ),
        },
    )
