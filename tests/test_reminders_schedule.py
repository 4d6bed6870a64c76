"""Schedule maths and subscription rules, driven by a fake clock (no waiting, no Telegram).

The DST cases are the known traps: a 02:30 reminder on the spring-forward night (that local time
does not exist) and a 01:30 one on the fall-back night (it happens twice) must each fire once, and
so must a 23:30 one where the clocks jump at midnight (America/Nuuk), on its own local date.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.reminders import plan
from bot.reminders.plan import CATCH_UP, SNOOZE, claim, set_reminder, snooze, turn_off
from bot.reminders.schedule import next_occurrence, occurrence_on, zone_info
from bot.storage import Subscription

CHAT = 7


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def run_ticks(
    subscription: Subscription, start: datetime, end: datetime, every: timedelta
) -> tuple[list[datetime], Subscription]:
    """Tick a fake clock from start to end; return the instants a reminder went out."""
    sent: list[datetime] = []
    now = start
    while now <= end:
        due = subscription.next_due_utc
        if due is not None and due <= plan.to_unix(now):
            outcome = claim(subscription, now)
            subscription = outcome.updated
            if outcome.send:
                sent.append(now)
        now += every
    return sent, subscription


def subscribed(local: time, zone: str, now: datetime) -> Subscription:
    return set_reminder(None, CHAT, local, zone, now)


@pytest.mark.parametrize(
    ("zone", "local", "night", "expected_utc"),
    [
        # Spring forward: 02:30 does not exist; it fires once, at 03:30 local summer time.
        ("Europe/Paris", time(2, 30), date(2025, 3, 30), utc(2025, 3, 30, 1, 30)),
        ("America/New_York", time(2, 30), date(2025, 3, 9), utc(2025, 3, 9, 7, 30)),
        # Fall back: the time happens twice; only the first (summer-time) one fires.
        ("America/New_York", time(1, 30), date(2025, 11, 2), utc(2025, 11, 2, 5, 30)),
        ("Europe/Paris", time(2, 30), date(2025, 10, 26), utc(2025, 10, 26, 0, 30)),
        ("Europe/Paris", time(1, 30), date(2025, 10, 26), utc(2025, 10, 25, 23, 30)),
        # Clocks jumping at midnight: 23:30 is skipped (fires at 22:30), then happens twice.
        ("America/Nuuk", time(23, 30), date(2026, 3, 28), utc(2026, 3, 29, 0, 30)),
        ("America/Nuuk", time(23, 30), date(2026, 10, 24), utc(2026, 10, 25, 0, 30)),
    ],
)
def test_a_dst_night_sends_exactly_one_reminder_at_the_expected_instant(
    zone: str, local: time, night: date, expected_utc: datetime
) -> None:
    start = datetime.combine(night - timedelta(days=1), time(12), tzinfo=UTC)
    subscription = subscribed(local, zone, start)
    sent, _ = run_ticks(subscription, start, start + timedelta(days=2), timedelta(seconds=5))
    assert len(sent) == 2
    assert expected_utc in sent
    assert all(s - e < timedelta(seconds=5) for s, e in zip(sorted(sent), sent, strict=True))


@pytest.mark.parametrize(
    ("zone", "local", "night"),
    [
        ("America/New_York", time(1, 30), date(2025, 11, 2)),
        ("Europe/Paris", time(2, 30), date(2025, 10, 26)),
        ("America/Nuuk", time(23, 30), date(2026, 10, 24)),
    ],
)
def test_the_repeated_hour_on_the_fall_back_night_does_not_fire_again(
    zone: str, local: time, night: date
) -> None:
    first = datetime.combine(night, local, tzinfo=zone_info(zone)).astimezone(UTC)
    subscription = subscribed(local, zone, first - timedelta(minutes=1))
    sent, after = run_ticks(subscription, first, first + timedelta(hours=3), timedelta(seconds=5))
    assert sent == [first]
    assert after.next_due_utc == plan.to_unix(first + timedelta(hours=25))


def test_next_occurrence_is_today_when_the_time_has_not_passed_yet() -> None:
    paris = zone_info("Europe/Paris")
    assert next_occurrence(time(21, 30), paris, utc(2025, 6, 1, 12)) == utc(2025, 6, 1, 19, 30)


def test_next_occurrence_is_tomorrow_when_the_time_has_passed() -> None:
    paris = zone_info("Europe/Paris")
    assert next_occurrence(time(21, 30), paris, utc(2025, 6, 1, 20)) == utc(2025, 6, 2, 19, 30)


def test_fixed_offsets_have_no_daylight_saving() -> None:
    minus_five = zone_info("UTC-05:00")
    assert next_occurrence(time(21, 0), minus_five, utc(2025, 7, 1, 12)) == utc(2025, 7, 2, 2)
    assert next_occurrence(time(21, 0), minus_five, utc(2025, 1, 1, 12)) == utc(2025, 1, 2, 2)


def test_reminders_arrive_every_day_within_seconds_of_their_minute() -> None:
    start = utc(2025, 6, 1, 12)
    subscription = subscribed(time(21, 30), "Europe/Paris", start)
    sent, _ = run_ticks(subscription, start, start + timedelta(days=3), timedelta(seconds=3))
    assert [s.date() for s in sent] == [date(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 3)]
    assert all(s - s.replace(second=0) < timedelta(seconds=3) for s in sent)


def test_setting_the_same_time_and_zone_again_changes_nothing() -> None:
    first = subscribed(time(21, 30), "Europe/Paris", utc(2025, 6, 1, 12))
    again = set_reminder(first, CHAT, time(21, 30), "Europe/Paris", utc(2025, 6, 1, 12, 0, 3))
    assert again is first


def test_a_time_alone_keeps_the_stored_zone() -> None:
    first = subscribed(time(21, 30), "Europe/Paris", utc(2025, 6, 1, 12))
    later = set_reminder(first, CHAT, time(22, 0), None, utc(2025, 6, 1, 12))
    assert (later.local_time, later.zone) == ("22:00", "Europe/Paris")
    assert later.next_due_utc == plan.to_unix(utc(2025, 6, 1, 20))


def test_a_first_time_without_a_zone_uses_utc() -> None:
    assert set_reminder(None, CHAT, time(21, 0), None, utc(2025, 6, 1)).zone == "UTC"


def test_a_zone_alone_is_remembered_without_scheduling_anything() -> None:
    only_zone = set_reminder(None, CHAT, None, "Europe/Paris", utc(2025, 6, 1))
    assert only_zone.next_due_utc is None
    picked = set_reminder(only_zone, CHAT, time(21, 0), None, utc(2025, 6, 1))
    assert picked.zone == "Europe/Paris"
    assert picked.next_due_utc == plan.to_unix(utc(2025, 6, 1, 19))


def test_turning_off_keeps_time_and_zone_for_later() -> None:
    off = turn_off(subscribed(time(21, 30), "Europe/Paris", utc(2025, 6, 1)))
    assert off.next_due_utc is None
    back = set_reminder(off, CHAT, time(22, 0), None, utc(2025, 6, 1))
    assert back.zone == "Europe/Paris"
    assert back.next_due_utc is not None


def test_changing_the_time_after_todays_reminder_waits_until_tomorrow() -> None:
    start = utc(2025, 6, 1, 12)
    sent, after = run_ticks(
        subscribed(time(21, 30), "Europe/Paris", start),
        start,
        utc(2025, 6, 1, 19, 31),
        timedelta(seconds=5),
    )
    assert len(sent) == 1
    later_today = set_reminder(after, CHAT, time(22, 0), None, utc(2025, 6, 1, 19, 31))
    assert later_today.next_due_utc == plan.to_unix(utc(2025, 6, 2, 20))


def test_a_day_already_recorded_as_sent_is_never_sent_again() -> None:
    due = utc(2025, 6, 1, 19, 30)
    subscription = subscribed(time(21, 30), "Europe/Paris", due - timedelta(hours=1))
    sent = claim(subscription, due + timedelta(seconds=1))
    assert sent.send
    assert sent.updated.last_sent_local_date == "2025-06-01"
    same_day_again = replace(sent.updated, next_due_utc=subscription.next_due_utc)
    replay = claim(same_day_again, due + timedelta(seconds=20))
    assert not replay.send
    assert replay.updated.next_due_utc == plan.to_unix(due + timedelta(days=1))


def test_a_reminder_missed_by_less_than_an_hour_is_sent_late() -> None:
    due = utc(2025, 6, 1, 19, 30)
    subscription = subscribed(time(21, 30), "Europe/Paris", due - timedelta(hours=1))
    late = claim(subscription, due + CATCH_UP - timedelta(seconds=1))
    assert late.send
    assert late.updated.next_due_utc == plan.to_unix(due + timedelta(days=1))


def test_a_reminder_missed_by_more_than_an_hour_is_skipped_until_tomorrow() -> None:
    due = utc(2025, 6, 1, 19, 30)
    subscription = subscribed(time(21, 30), "Europe/Paris", due - timedelta(hours=1))
    stale = claim(subscription, due + CATCH_UP + timedelta(seconds=1))
    assert not stale.send
    assert stale.updated.last_sent_local_date is None
    assert stale.updated.next_due_utc == plan.to_unix(due + timedelta(days=1))


def test_a_bot_down_for_days_sends_nothing_old_and_resumes_the_next_evening() -> None:
    due = utc(2025, 6, 1, 19, 30)
    subscription = subscribed(time(21, 30), "Europe/Paris", due - timedelta(hours=1))
    back = claim(subscription, due + timedelta(days=3, hours=2))
    assert not back.send
    assert back.updated.next_due_utc == plan.to_unix(due + timedelta(days=4))


def test_snooze_sends_once_more_later_and_keeps_the_daily_reminder() -> None:
    due = utc(2025, 6, 1, 19, 30)
    subscription = subscribed(time(21, 30), "Europe/Paris", due - timedelta(hours=1))
    sent = claim(subscription, due)
    pressed = due + timedelta(minutes=1)
    snoozed = snooze(sent.updated, pressed)
    assert snoozed is not None
    assert snoozed.next_due_utc == plan.to_unix(pressed + SNOOZE)
    sends, after = run_ticks(
        snoozed, pressed, due + timedelta(days=1, minutes=1), timedelta(seconds=5)
    )
    assert [s - pressed < SNOOZE + timedelta(seconds=5) for s in sends] == [True, False]
    assert after.snoozed_until_utc is None


def test_pressing_snooze_twice_keeps_the_first_snooze_time() -> None:
    subscription = subscribed(time(21, 30), "Europe/Paris", utc(2025, 6, 1))
    once = snooze(subscription, utc(2025, 6, 1, 19, 31))
    assert once is not None
    assert snooze(once, utc(2025, 6, 1, 19, 31, 10)) is once


def test_snooze_does_nothing_when_the_reminder_is_off() -> None:
    off = turn_off(subscribed(time(21, 30), "Europe/Paris", utc(2025, 6, 1)))
    assert snooze(off, utc(2025, 6, 1, 19, 31)) is None


def test_the_tip_changes_from_one_night_to_the_next() -> None:
    start = utc(2025, 6, 1, 12)
    subscription = subscribed(time(21, 30), "Europe/Paris", start)
    first = claim(subscription, utc(2025, 6, 1, 19, 30))
    second = claim(first.updated, utc(2025, 6, 2, 19, 30))
    assert second.tip_number == first.tip_number + 1


@pytest.mark.parametrize("zone", ["America/Nuuk", "America/Scoresbysund"])
@pytest.mark.parametrize("local", [time(23, 0), time(23, 30)])
def test_an_evening_time_skipped_by_a_change_at_midnight_still_fires_that_evening(
    zone: str, local: time
) -> None:
    # Greenland springs forward from 23:00 (-02:00) straight to 00:00 (-01:00) on 2026-03-28.
    start = utc(2026, 3, 26, 12)
    subscription = subscribed(local, zone, start)
    sent, _ = run_ticks(subscription, start, utc(2026, 3, 31, 12), timedelta(minutes=1))
    assert [s.astimezone(zone_info(zone)).date() for s in sent] == [
        date(2026, 3, day) for day in range(26, 31)
    ]


def test_a_time_skipped_at_midnight_is_due_an_hour_earlier_on_its_own_day() -> None:
    nuuk = zone_info("America/Nuuk")
    due = occurrence_on(date(2026, 3, 28), time(23, 30), nuuk)
    assert due is not None
    assert due == utc(2026, 3, 29, 0, 30)
    assert due.astimezone(nuuk).isoformat() == "2026-03-28T22:30:00-02:00"


def test_a_day_the_zone_skipped_altogether_has_no_reminder_and_its_neighbours_one_each() -> None:
    # Pacific/Apia went from 2011-12-29 straight to 2011-12-31.
    apia = zone_info("Pacific/Apia")
    assert occurrence_on(date(2011, 12, 30), time(21, 30), apia) is None
    start = utc(2011, 12, 28, 12)
    subscription = subscribed(time(21, 30), "Pacific/Apia", start)
    sent, _ = run_ticks(subscription, start, utc(2012, 1, 2), timedelta(minutes=1))
    assert [s.astimezone(apia).date() for s in sent] == [
        date(2011, 12, 28),
        date(2011, 12, 29),
        date(2011, 12, 31),
        date(2012, 1, 1),
    ]
