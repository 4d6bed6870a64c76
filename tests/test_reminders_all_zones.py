"""One reminder per local date in every zone /reminder accepts, at every half hour, in 2026-2027.

Each check walks the chain of claims the delivery tick makes: ``plan.claim`` applied at each due
instant, starting from ``plan.set_reminder``. A walk of a span of local dates passes when the
local dates the reminders went out on are exactly those dates, each once.

Walking every zone through every day would be about 18 million claims, minutes of CPU. It is
also mostly repetition: between two changes of a zone's UTC offset, every day is the same sum
(local time minus a constant offset), and a chain that goes into such a stretch with the previous
day sent and the next day's occurrence due leaves every day in that same state. So each zone is
walked through the days around each of its offset changes, starting from a fresh subscription a
few days before, and a walk must end in that steady state, which is where the next one starts.
A handful of zones with known traps are walked through the whole two years as well, to check the
stitching. The complete walk of every day is kept out of CI as a one-off script.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache

import pytest

from bot.reminders import plan
from bot.reminders.schedule import local_date, occurrence_on, zone_info
from bot.reminders.timeparse import parse_zone

FIRST_DAY = date(2026, 1, 1)
LAST_DAY = date(2027, 12, 31)
HALF_HOURS = tuple(time(hour, minute) for hour in range(24) for minute in (0, 30))
# Days walked either side of an offset change, so that each walk starts and ends where the
# offset has been and stays the same for days (a change only moves the due instants of the dates
# it happens on).
MARGIN = timedelta(days=2)
# Offsets are sampled this often to find the changes. Two changes less than a day apart that
# cancel out would be missed; in 2026-2027 the closest ones are 35 days apart (Morocco's Ramadan).
SAMPLE_EVERY = timedelta(days=1)
CHAT = 7


@cache
def accepted_zones() -> tuple[str, ...]:
    """Every name in the zone database that /reminder accepts, as it stores it."""
    names = (parse_zone(name) for name in zoneinfo.available_timezones())
    return tuple(sorted({name for name in names if name is not None}))


def start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@cache
def offset_changes(zone: tzinfo) -> tuple[tuple[date, date], ...]:
    """The local dates just before and just after each change of ``zone``'s offset."""
    changes = []
    instant = start_of(FIRST_DAY, zone) - timedelta(days=1)
    before = instant.astimezone(zone)
    while instant < start_of(LAST_DAY, zone) + timedelta(days=2):
        instant += SAMPLE_EVERY
        after = instant.astimezone(zone)
        if after.utcoffset() != before.utcoffset():
            changes.append((before.date(), after.date()))
        before = after
    return tuple(changes)


@cache
def spans_to_walk(zone: tzinfo) -> list[tuple[date, date]]:
    """Each offset change with ``MARGIN`` either side, overlapping ones merged.

    A zone with no change in the two years gets a few days at the start, to be walked at all.
    """
    spans: list[tuple[date, date]] = []
    for before, after in offset_changes(zone):
        first, last = before - MARGIN, after + MARGIN
        if spans and first <= spans[-1][1] + timedelta(days=1):
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
    return spans or [(FIRST_DAY, FIRST_DAY + MARGIN)]


def walk(zone_name: str, local: time, first: date, last: date) -> list[str]:
    """Claim at each due instant from ``first`` through ``last``; what went wrong, if anything."""
    zone = zone_info(zone_name)
    subscription = plan.set_reminder(
        None, CHAT, local, zone_name, start_of(first, zone) - timedelta(seconds=1)
    )
    end = plan.to_unix(start_of(last + timedelta(days=1), zone))
    sent_on: Counter[date] = Counter()
    while (due := subscription.next_due_utc) is not None and due < end:
        outcome = plan.claim(subscription, plan.from_unix(due))
        if outcome.send:
            sent_on[local_date(plan.from_unix(due), zone)] += 1
        subscription = outcome.updated
    problems = [f"{day} skipped" for day in _days(first, last) if sent_on[day] == 0]
    problems += [f"{day} sent {n} times" for day, n in sorted(sent_on.items()) if n > 1]
    problems += [f"{day} sent, outside the walk" for day in sent_on if not first <= day <= last]
    following = occurrence_on(last + timedelta(days=1), local, zone)
    if following is None or subscription.next_due_utc != plan.to_unix(following):
        problems.append(f"left {last} with the next reminder due at the wrong time")
    where = f"{zone_name} {local:%H:%M} {first}..{last}"
    return [f"{where}: {problem}" for problem in problems]


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_offset_changes_are_found_from_the_zone_data() -> None:
    nuuk = spans_to_walk(zone_info("America/Nuuk"))
    assert [(first + MARGIN, last - MARGIN) for first, last in nuuk] == [
        (date(2026, 3, 28), date(2026, 3, 29)),
        (date(2026, 10, 24), date(2026, 10, 25)),
        (date(2027, 3, 27), date(2027, 3, 28)),
        (date(2027, 10, 30), date(2027, 10, 31)),
    ]
    assert spans_to_walk(zone_info("Asia/Kolkata")) == [(FIRST_DAY, FIRST_DAY + MARGIN)]
    zones_with_changes = [z for z in accepted_zones() if offset_changes(zone_info(z))]
    assert len(zones_with_changes) > 150


def test_every_accepted_zone_and_half_hour_sends_once_per_date_around_each_change() -> None:
    assert len(accepted_zones()) > 400
    problems = [
        problem
        for zone_name in accepted_zones()
        for first, last in spans_to_walk(zone_info(zone_name))
        for local in HALF_HOURS
        for problem in walk(zone_name, local, first, last)
    ]
    assert problems[:20] == []


@pytest.mark.parametrize(
    "zone_name",
    [
        "Europe/Paris",
        "America/Nuuk",
        "America/Scoresbysund",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "Asia/Kolkata",
    ],
)
def test_two_years_of_every_half_hour_send_one_reminder_per_local_date(zone_name: str) -> None:
    problems = [p for local in HALF_HOURS for p in walk(zone_name, local, FIRST_DAY, LAST_DAY)]
    assert problems[:20] == []
