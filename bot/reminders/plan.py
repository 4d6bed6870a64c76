"""How a subscription changes when someone sets, snoozes or stops it, and when its time comes.

Pure functions from (stored subscription, now) to the next stored subscription; the handlers and
the delivery tick persist what they return. Keeping the rules here means the "exactly once"
decisions can be tested with a fake clock and no Telegram at all.

Rules:
- One reminder per local calendar day. ``last_sent_local_date`` records the day of the last one;
  even if the time is changed later that evening, or the bot restarts inside the reminder minute,
  that day is not sent again.
- Catch-up: a reminder whose time passed while the bot was down is still sent if it is less
  than ``CATCH_UP`` (one hour) late; later than that it is skipped for the day (a 21:30 nudge
  arriving at 03:00 would be worse than none) and the next day's is scheduled.
- Setting the same time and zone again (a re-delivered /reminder update) returns the stored
  subscription unchanged.
- A snooze replaces the next due time with ``now + SNOOZE``; it does not count as the day's
  reminder, so the regular one still comes the next day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from bot.reminders.schedule import (
    format_local_time,
    local_date,
    next_occurrence,
    parse_local_time,
    zone_info,
)
from bot.storage import Subscription

CATCH_UP = timedelta(hours=1)
SNOOZE = timedelta(minutes=30)
DEFAULT_ZONE = "UTC"


def to_unix(instant: datetime) -> int:
    return int(instant.timestamp())


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _last_sent_day(subscription: Subscription | None) -> date | None:
    if subscription is None or subscription.last_sent_local_date is None:
        return None
    return date.fromisoformat(subscription.last_sent_local_date)


def set_reminder(
    current: Subscription | None,
    chat_id: int,
    local_time: time | None,
    zone: str | None,
    now: datetime,
) -> Subscription:
    """Set the time and/or zone; a missing one keeps the stored value (zone defaults to UTC).

    Only a zone and no time yet (a zone quick-pick pressed first) is remembered without
    scheduling anything.
    """
    new_zone = zone or (current.zone if current else DEFAULT_ZONE)
    new_time = format_local_time(local_time) if local_time else None
    if new_time is None and current is not None:
        new_time = current.local_time
    if (
        current is not None
        and current.next_due_utc is not None
        and (current.local_time, current.zone) == (new_time, new_zone)
    ):
        return current
    next_due = None
    if new_time is not None:
        instant = next_occurrence(
            parse_local_time(new_time), zone_info(new_zone), now, skip_day=_last_sent_day(current)
        )
        next_due = to_unix(instant)
    return Subscription(
        chat_id=chat_id,
        local_time=new_time,
        zone=new_zone,
        next_due_utc=next_due,
        last_sent_local_date=current.last_sent_local_date if current else None,
    )


def turn_off(current: Subscription) -> Subscription:
    """Stop reminding but remember time and zone, so ``/reminder 22:00`` later keeps the zone."""
    return replace(current, next_due_utc=None, snoozed_until_utc=None)


def snooze(current: Subscription, now: datetime) -> Subscription | None:
    """Remind again in ``SNOOZE``; None when the reminder is off (nothing to snooze).

    Pressing snooze twice (or Telegram re-delivering the press) keeps the first snooze time.
    """
    if current.next_due_utc is None or current.local_time is None:
        return None
    if current.snoozed_until_utc is not None and current.snoozed_until_utc > to_unix(now):
        return current
    until = to_unix(now + SNOOZE)
    return replace(current, next_due_utc=until, snoozed_until_utc=until)


@dataclass(frozen=True)
class Claim:
    """The outcome of a due subscription: the state to store now, and whether to send.

    ``previous`` is the state it replaces, so a claim never sent can be given back.
    """

    previous: Subscription
    updated: Subscription
    send: bool
    tip_number: int


def claim(subscription: Subscription, now: datetime) -> Claim:
    """Decide a due subscription: send it (or skip it) and advance it to its next time."""
    assert subscription.next_due_utc is not None, "only scheduled subscriptions fall due"
    assert subscription.local_time is not None, "a scheduled subscription has a time"
    due = from_unix(subscription.next_due_utc)
    on_time = now - due <= CATCH_UP
    zone = zone_info(subscription.zone)
    day = local_date(due, zone)
    if subscription.snoozed_until_utc is not None:
        send = on_time
        last_sent = _last_sent_day(subscription)
    else:
        send = on_time and _last_sent_day(subscription) != day
        last_sent = day if send else _last_sent_day(subscription)
    next_due = next_occurrence(
        parse_local_time(subscription.local_time), zone, max(now, due), skip_day=last_sent
    )
    updated = replace(
        subscription,
        next_due_utc=to_unix(next_due),
        last_sent_local_date=last_sent.isoformat() if last_sent else None,
        snoozed_until_utc=None,
    )
    return Claim(subscription, updated, send=send, tip_number=day.toordinal())
