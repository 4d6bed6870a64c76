"""The closed words a picture description may use: views, zones and motions.

Kept apart from the geometry so that validating knowledge/pictures.yaml needs no shapes, while
the geometry is tested to cover exactly the zones listed here for each view.
"""

from enum import StrEnum


class View(StrEnum):
    """Which drawing of the foot a picture uses."""

    SOLE = "sole"  # the sole seen from below, toes at the top
    SIDE = "side"  # the inner side of the foot and lower leg, toes to the right


class Motion(StrEnum):
    """Movements drawn on a single zone (a stroke between two zones is described by from/to)."""

    CIRCLE = "circle"  # circular arrow around the zone
    SQUEEZE = "squeeze"  # two arrows pressing the zone from both sides
    PULL = "pull"  # an arrow drawing the zone away from the foot
    PRESS = "press"  # a target mark: hold pressure on one point


ZONES_BY_VIEW: dict[View, frozenset[str]] = {
    View.SOLE: frozenset(
        {
            "arch",
            "heel",
            "ball",
            "toes",
            "big_toe",
            "toe_web",
            "sole",
            "outer_edge",
            "inner_edge",
        }
    ),
    View.SIDE: frozenset({"ankle", "heel", "arch", "ball", "toes", "sole"}),
}

ZONES: frozenset[str] = frozenset().union(*ZONES_BY_VIEW.values())
