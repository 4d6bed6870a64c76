"""Reading what people type after /reminder: a time of day, a time zone, or "off".

Times: ``21:30``, ``9:30pm``, ``9 pm``, ``9pm``, ``21h30``, ``21h``, ``21.30``. Zones: geographic
IANA names in any letter case (``europe/paris``, also legacy ones like ``Asia/Calcutta`` or
``US/Eastern``), ``UTC``/``GMT``, and UTC offsets (``+02:00``, ``UTC+2``, ``GMT-5``, ``+0530``).
An offset means what people mean by it (``GMT-5`` is five hours behind UTC).

The rest of the zone database is refused on purpose: ``localtime`` (whatever the server's clock
is set to), ``Factory`` (tzdata's "no zone set" placeholder), abbreviations and POSIX rules that
quietly mean something else than they seem (``EST`` is Panama's time all year, with no daylight
saving; ``CET`` has been a different zone in different tzdata releases), and ``Etc/GMT-5``, which
by its inverted POSIX sign is five hours *ahead* of UTC, the opposite of what nearly everyone
typing it means: "I don't know that time zone" and its examples serve them better than a reminder
ten hours off. Single-word country aliases (``Japan``, ``GB``) go too, since no rule tells ``GB``
from ``EST`` without a list of names, and each has an ``Area/Place`` name. Zones already stored
are not affected: ``zone_info`` still reads any IANA name.

Zones are normalised to a canonical name that :func:`bot.reminders.schedule.zone_info` turns back
into a tzinfo: the IANA spelling, ``UTC``, or ``UTC+HH:MM``.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from functools import cache

_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?:(?P<sep>[:.h])(?P<minute>\d{2})?)?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?$"
)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$")
# What UTC is called in the zone database too (``Etc/UTC``, ``UCT``, ``Greenwich``, ``Etc/GMT0``),
# with or without ``Etc/``; all of them are the same zone, stored as ``UTC``.
_UTC_NAMES = frozenset(
    {"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich", "gmt0", "gmt+0", "gmt-0"}
)
# The areas of geographic IANA names: continents and oceans, and the countries whose legacy names
# (US/Eastern, Canada/Atlantic, Brazil/East, Chile/Continental, Mexico/General) are still typed.
# A name is accepted when it is ``Area/Place`` with one of these areas; that leaves out names with
# no area (``localtime``, ``Factory``, ``posixrules``, ``EST5EDT``, ``CET``, ``Japan``), ``Etc/``
# and the ``posix/`` and ``right/`` copies of the database some systems carry.
_GEOGRAPHIC_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Brazil",
        "Canada",
        "Chile",
        "Mexico",
        "US",
    }
)
_OFF_WORDS = frozenset({"off", "stop", "cancel", "none"})
_HALF_DAY_WORDS = frozenset({"am", "pm", "a.m.", "p.m."})
_MAX_OFFSET_MINUTES = 14 * 60


def parse_time(text: str) -> time | None:
    """A time of day, or None if ``text`` is not one (``25:99``, ``13pm``, ``tomorrow``)."""
    match = _TIME.match(text.strip().lower())
    if match is None or (match["sep"] is None and match["half"] is None):
        return None
    if match["sep"] in (":", ".") and match["minute"] is None:
        return None
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    half = match["half"]
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def is_geographic(name: str) -> bool:
    """``Area/Place`` in a geographic area: ``Europe/Paris``, not ``EST`` or ``Etc/GMT-5``."""
    area, slash, place = name.partition("/")
    return bool(slash and place) and area in _GEOGRAPHIC_AREAS


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {
        name.casefold(): name for name in zoneinfo.available_timezones() if is_geographic(name)
    }


def parse_zone(text: str) -> str | None:
    """The canonical name of a time zone, or None if ``text`` names none we accept.

    None for unknown names (``Mars/Olympus``) and for the non-geographic ones in the zone database
    (``localtime``, ``Factory``, ``EST``, ``Etc/GMT-5``): see the module docstring.
    """
    folded = text.strip().casefold()
    if folded.removeprefix("etc/") in _UTC_NAMES:
        return "UTC"
    match = _OFFSET.match(folded)
    if match is not None:
        minutes = int(match["hours"]) * 60 + int(match["minutes"] or 0)
        if minutes > _MAX_OFFSET_MINUTES or int(match["minutes"] or 0) > 59:
            return None
        if minutes == 0:
            return "UTC"
        return f"UTC{match['sign']}{minutes // 60:02d}:{minutes % 60:02d}"
    return _zones_by_folded_name().get(folded)


class Action(StrEnum):
    SHOW = "show"
    OFF = "off"
    SET = "set"


class Problem(StrEnum):
    """Which part of the arguments could not be read (each has its own friendly text)."""

    TIME = "time"
    ZONE = "zone"
    SHAPE = "shape"


@dataclass(frozen=True)
class ReminderRequest:
    """What a /reminder command asks for; ``time``/``zone`` are None when not given."""

    action: Action
    time: time | None = None
    zone: str | None = None


class ReminderSyntaxError(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_reminder_args(args: Sequence[str]) -> ReminderRequest:
    """Understand ``/reminder [off | TIME [ZONE] | ZONE]``; raise ReminderSyntaxError otherwise.

    A separate "pm" word (``9:30 pm``) is joined to the time before it. Time and zone may come in
    either order, so ``/reminder Europe/Paris 21:30`` works too.
    """
    words = _join_half_day_words([a for a in args if a.strip()])
    if not words:
        return ReminderRequest(Action.SHOW)
    if len(words) == 1 and words[0].casefold() in _OFF_WORDS:
        return ReminderRequest(Action.OFF)
    if len(words) > 2:
        raise ReminderSyntaxError(Problem.SHAPE)
    times = [t for t in map(parse_time, words) if t is not None]
    zones = [z for z in map(parse_zone, words) if z is not None]
    if len(times) > 1:
        raise ReminderSyntaxError(Problem.SHAPE)
    if len(words) == 2 and not times:
        raise ReminderSyntaxError(Problem.TIME)
    if len(words) == 2 and not zones:
        raise ReminderSyntaxError(Problem.ZONE)
    if len(words) == 1 and not times and not zones:
        raise ReminderSyntaxError(Problem.ZONE if "/" in words[0] else Problem.TIME)
    return ReminderRequest(
        Action.SET, time=times[0] if times else None, zone=zones[0] if zones else None
    )


def _join_half_day_words(words: list[str]) -> list[str]:
    joined: list[str] = []
    for word in words:
        if joined and word.casefold() in _HALF_DAY_WORDS:
            joined[-1] += word
        else:
            joined.append(word)
    return joined
