"""Reading /reminder arguments: times, zones, "off", and the mistakes people make."""

import zoneinfo
from datetime import time
from importlib import resources

import pytest

from bot.reminders.timeparse import (
    Action,
    Problem,
    ReminderRequest,
    ReminderSyntaxError,
    is_geographic,
    parse_reminder_args,
    parse_time,
    parse_zone,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:30", time(21, 30)),
        ("9:30pm", time(21, 30)),
        ("9:30 PM", time(21, 30)),
        ("9pm", time(21, 0)),
        ("9am", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("21h30", time(21, 30)),
        ("21h", time(21, 0)),
        ("21.30", time(21, 30)),
        ("07:05", time(7, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_accepts_common_ways_of_writing_a_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["25:99", "24:00", "21:60", "13pm", "0am", "tomorrow", "21", "21:", "9:3", ""]
)
def test_rejects_what_is_not_a_time_of_day(text: str) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("+02:00", "UTC+02:00"),
        ("UTC+2", "UTC+02:00"),
        ("GMT-5", "UTC-05:00"),
        ("+0530", "UTC+05:30"),
        ("UTC+5:45", "UTC+05:45"),
        ("utc-0", "UTC"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Asia/Calcutta", "Asia/Calcutta"),
        ("us/eastern", "US/Eastern"),
    ],
)
def test_accepts_zone_names_in_any_case_and_utc_offsets(text: str, expected: str) -> None:
    assert parse_zone(text) == expected


@pytest.mark.parametrize(
    "text", ["Etc/UTC", "etc/gmt", "Etc/GMT+0", "Etc/GMT0", "UCT", "Universal", "Greenwich"]
)
def test_every_database_name_for_utc_is_stored_as_utc(text: str) -> None:
    assert parse_zone(text) == "UTC"


def _tzdata_table_zones(table: str) -> set[str]:
    text = resources.files("tzdata.zoneinfo").joinpath(table).read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if not line.startswith("#"))
    return {row[2] for row in rows if len(row) > 2}


def test_every_zone_in_the_tzdata_country_tables_is_accepted() -> None:
    zones = _tzdata_table_zones("zone1970.tab") | _tzdata_table_zones("zone.tab")
    assert len(zones) > 400
    assert [zone for zone in sorted(zones) if parse_zone(zone) != zone] == []


def test_nothing_but_geographic_names_and_utc_is_accepted_from_the_zone_database() -> None:
    accepted = {zone for name in zoneinfo.available_timezones() if (zone := parse_zone(name))}
    assert [z for z in sorted(accepted) if z != "UTC" and not is_geographic(z)] == []


@pytest.mark.parametrize(
    "text",
    [
        "Mars/Olympus",
        "Paris",
        "+15:00",
        "UTC+2:75",
        "tomorrow",
        # In the zone database, but not a place, or not what it seems: see timeparse's docstring.
        "localtime",
        "Factory",
        "posixrules",
        "posix/Europe/Paris",
        "right/Europe/Paris",
        "Etc/GMT-5",
        "Etc/GMT+5",
        "EST",
        "EST5EDT",
        "CET",
        "Japan",
        "Europe/",
    ],
)
def test_rejects_unknown_zones_non_geographic_names_and_impossible_offsets(text: str) -> None:
    assert parse_zone(text) is None


def test_no_arguments_asks_for_the_current_setting() -> None:
    assert parse_reminder_args([]) == ReminderRequest(Action.SHOW)


@pytest.mark.parametrize("word", ["off", "OFF", "stop"])
def test_off_cancels(word: str) -> None:
    assert parse_reminder_args([word]) == ReminderRequest(Action.OFF)


def test_time_and_zone_set_both() -> None:
    assert parse_reminder_args(["21:30", "Europe/Paris"]) == ReminderRequest(
        Action.SET, time(21, 30), "Europe/Paris"
    )


def test_zone_may_come_before_the_time() -> None:
    assert parse_reminder_args(["europe/paris", "9pm"]) == ReminderRequest(
        Action.SET, time(21, 0), "Europe/Paris"
    )


def test_a_separate_pm_word_belongs_to_the_time() -> None:
    assert parse_reminder_args(["9:30", "pm", "UTC+2"]) == ReminderRequest(
        Action.SET, time(21, 30), "UTC+02:00"
    )


def test_a_time_alone_keeps_whatever_zone_is_stored() -> None:
    assert parse_reminder_args(["22:00"]) == ReminderRequest(Action.SET, time(22, 0), None)


def test_a_zone_alone_changes_only_the_zone() -> None:
    assert parse_reminder_args(["America/New_York"]) == ReminderRequest(
        Action.SET, None, "America/New_York"
    )


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["25:99"], Problem.TIME),
        (["tomorrow"], Problem.TIME),
        (["Mars/Olympus"], Problem.ZONE),
        (["21:30", "Mars/Olympus"], Problem.ZONE),
        (["21:30", "localtime"], Problem.ZONE),
        (["21:30", "Factory"], Problem.ZONE),
        (["25:99", "Europe/Paris"], Problem.TIME),
        (["21:30", "22:30"], Problem.SHAPE),
        (["every", "night", "at", "nine"], Problem.SHAPE),
    ],
)
def test_bad_arguments_say_which_part_was_wrong(args: list[str], problem: Problem) -> None:
    with pytest.raises(ReminderSyntaxError) as caught:
        parse_reminder_args(args)
    assert caught.value.problem is problem
