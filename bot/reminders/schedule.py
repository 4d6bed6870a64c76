"""When a daily local-time reminder is next due, across daylight-saving changes.

Each local calendar day has exactly one instant when its reminder is due: the local wall time
read with ``fold=0`` (PEP 495):

- a time that does not exist that day (02:30 on the spring-forward night in Europe/Paris or
  America/New_York) is read with the offset from before the change, which lands one hour later on
  the clock (03:30), once. Where the clocks jump at midnight, one hour later is the next day:
  America/Nuuk goes from 23:00 straight to 00:00 on its spring-forward night, and 23:30 read
  that way would be 00:30 the next morning, leaving that evening without a reminder and the next
  day with two (the second dropped as already sent). So a skipped time that would leave its day
  is read with the offset from after the change instead (``fold=1``): one hour earlier on the
  clock (22:30), on its own day;
- a time that happens twice (01:30 on the fall-back night) means its first occurrence only; the
  repeat an hour later is not a new day, so it never fires again.

This is why the bot does not use a recurring daily trigger per user: stepping a fixed 24-hour
interval or a wall-clock cron through a fall-back night is exactly what fires a 01:30 job twice.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

_OFFSET_NAME = re.compile(r"^UTC(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>\d{2})$")


@cache
def zone_info(name: str) -> tzinfo:
    """The tzinfo for a canonical zone name produced by ``timeparse.parse_zone``."""
    if name == "UTC":
        return UTC
    match = _OFFSET_NAME.match(name)
    if match is None:
        return ZoneInfo(name)
    offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
    return timezone(offset if match["sign"] == "+" else -offset, name)


def occurrence_on(day: date, local_time: time, zone: tzinfo) -> datetime | None:
    """The one instant (in UTC) when the reminder for local ``day`` is due, always on ``day``.

    None for a day the zone skipped altogether (Pacific/Apia jumped over 2011-12-30).
    """
    for fold in (0, 1):
        wall = datetime.combine(day, local_time.replace(fold=fold), tzinfo=zone)
        instant = wall.astimezone(UTC)
        if local_date(instant, zone) == day:
            return instant
    return None


def local_date(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


def next_occurrence(
    local_time: time, zone: tzinfo, after: datetime, skip_day: date | None = None
) -> datetime:
    """The first daily occurrence strictly after ``after`` (aware), never on local ``skip_day``.

    ``skip_day`` is the local date a reminder was already sent on, so changing the time later the
    same evening does not produce a second reminder that day.
    """
    start = local_date(after, zone) - timedelta(days=1)
    for offset in range(4):
        day = start + timedelta(days=offset)
        if day == skip_day:
            continue
        instant = occurrence_on(day, local_time, zone)
        if instant is not None and instant > after:
            return instant
    raise AssertionError("a daily time always recurs within three days")  # pragma: no cover


def parse_local_time(text: str) -> time:
    """Read a stored "HH:MM" back into a time."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def format_local_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
