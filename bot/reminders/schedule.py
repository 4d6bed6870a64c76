"""When a daily local-time reminder is next due, across daylight-saving changes.

A reminder happens at most once per local calendar day, and each day's instant is the local wall
time read with ``fold=0`` (PEP 495):

- a time that does not exist that day (02:30 on the spring-forward night in Europe/Paris or
  America/New_York) is read with the offset from before the change, which lands one hour later on
  the clock (03:30), once;
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


def occurrence_on(day: date, local_time: time, zone: tzinfo) -> datetime:
    """The one instant (in UTC) when the reminder for local ``day`` is due."""
    return datetime.combine(day, local_time, tzinfo=zone).astimezone(UTC)


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
        if instant > after:
            return instant
    raise AssertionError("a daily time always recurs within three days")  # pragma: no cover


def parse_local_time(text: str) -> time:
    """Read a stored "HH:MM" back into a time."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def format_local_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
