"""/reminder, /privacy, /forget, the reminder buttons, and the nightly delivery tick.

Every change is stored (and committed) before the bot confirms it, so a confirmation the person
has seen is never lost. Setting the same time and zone again stores the same row, so an update
Telegram delivers twice changes nothing. The delivery tick starts with the application's job
queue and reads what is due from the store, so nothing needs re-creating after a restart (see
bot/reminders/delivery.py for the design and bot/reminders/plan.py for the rules).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.engine import Engine
from bot.reminders import plan
from bot.reminders.delivery import Delivery, Outgoing, schedule_ticks
from bot.reminders.schedule import parse_local_time, zone_info
from bot.reminders.timeparse import (
    Action,
    Problem,
    ReminderSyntaxError,
    parse_reminder_args,
    parse_zone,
)
from bot.storage import Subscription
from bot.telegram.buttons import button
from bot.telegram.formatting import PARSE_MODE, escape
from bot.telegram.handlers.techniques import WALK
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import services

PICK_TIME = "rtime"  # args: "HHMM" (the codec reserves ":")
PICK_ZONE = "rzone"  # args: an IANA zone name
TYPE_YOURS = "rtype"
SNOOZE = "rsnooze"
TURN_OFF = "roff"

QUICK_TIMES = (time(20), time(21), time(22))
QUICK_ZONES = (
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
)
_PROBLEM_TEXTS = {
    Problem.TIME: "reminder_bad_time",
    Problem.ZONE: "reminder_bad_zone",
    Problem.SHAPE: "reminder_usage",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def _next_local(subscription: Subscription, shape: str = "%Y-%m-%d %H:%M") -> str:
    """When the next reminder (or snooze) comes, on the person's own clock."""
    assert subscription.next_due_utc is not None
    local = plan.from_unix(subscription.next_due_utc).astimezone(zone_info(subscription.zone))
    return local.strftime(shape)


def _time_buttons() -> list[InlineKeyboardButton]:
    return [
        button(value.strftime("%H:%M"), PICK_TIME, value.strftime("%H%M")) for value in QUICK_TIMES
    ]


def _zone_buttons(engine: Engine) -> list[list[InlineKeyboardButton]]:
    zones = [button(zone, PICK_ZONE, zone) for zone in QUICK_ZONES]
    rows = [zones[start : start + 2] for start in range(0, len(zones), 2)]
    return [*rows, [button(engine.text("reminder_button_type_yours"), TYPE_YOURS)]]


def _picker(engine: Engine, subscription: Subscription | None) -> InlineKeyboardMarkup:
    rows = [_time_buttons(), *_zone_buttons(engine)]
    if subscription is not None and subscription.next_due_utc is not None:
        rows.append([button(engine.text("reminder_button_off"), TURN_OFF)])
    return InlineKeyboardMarkup(rows)


def _status(engine: Engine, subscription: Subscription | None) -> str:
    if subscription is None or subscription.local_time is None:
        return engine.text("reminder_status_none")
    values = {"time": subscription.local_time, "zone": subscription.zone}
    if subscription.next_due_utc is None:
        return engine.text("reminder_status_off", **values)
    return engine.text("reminder_status_on", next=_next_local(subscription), **values)


async def _apply(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, when: time | None, zone: str | None
) -> None:
    """Set time and/or zone, commit, then confirm (and ask for whatever is still missing)."""
    found = services(context)
    engine = found.engine
    current = found.store.subscription(chat_id)
    updated = plan.set_reminder(current, chat_id, when, zone, _now())
    found.store.save(updated)
    if updated.local_time is None:
        text = engine.text("reminder_zone_only", zone=updated.zone)
        await send_text(context.bot, chat_id, text, InlineKeyboardMarkup([_time_buttons()]))
        return
    text = engine.text(
        "reminder_set", time=updated.local_time, zone=updated.zone, next=_next_local(updated)
    )
    zone_unknown = zone is None and (current is None or current.zone == plan.DEFAULT_ZONE)
    if not zone_unknown:
        await send_text(context.bot, chat_id, text)
        return
    text = f"{text}\n\n{engine.text('reminder_pick_zone', zone=updated.zone)}"
    await send_text(context.bot, chat_id, text, InlineKeyboardMarkup(_zone_buttons(engine)))


async def _turn_off(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    found = services(context)
    current = found.store.subscription(chat_id)
    if current is None or current.next_due_utc is None:
        await send_text(context.bot, chat_id, found.engine.text("reminder_nothing_to_stop"))
        return
    found.store.save(plan.turn_off(current))
    await send_text(context.bot, chat_id, found.engine.text("reminder_off"))


async def reminder_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = _chat_id(update)
    found = services(context)
    try:
        request = parse_reminder_args(context.args or [])
    except ReminderSyntaxError as error:
        await send_text(context.bot, chat_id, found.engine.text(_PROBLEM_TEXTS[error.problem]))
        return
    if request.action is Action.OFF:
        await _turn_off(context, chat_id)
    elif request.action is Action.SET:
        await _apply(context, chat_id, request.time, request.zone)
    else:
        current = found.store.subscription(chat_id)
        text = _status(found.engine, current)
        await send_text(context.bot, chat_id, text, _picker(found.engine, current))


async def privacy_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_text(context.bot, _chat_id(update), services(context).engine.text("privacy"))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = services(context)
    deleted = found.store.delete(_chat_id(update))
    key = "forget_done" if deleted else "forget_nothing"
    await send_text(context.bot, _chat_id(update), found.engine.text(key))


async def on_pick_time(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    (hhmm,) = args
    await _apply(context, _chat_id(update), parse_local_time(f"{hhmm[:2]}:{hhmm[2:]}"), None)


async def on_pick_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    (name,) = args
    zone = parse_zone(name)
    if zone is None:
        raise ValueError(f"unknown zone in a button: {name!r}")
    await _apply(context, _chat_id(update), None, zone)


async def on_type_yours(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    await send_text(
        context.bot, _chat_id(update), services(context).engine.text("reminder_type_yours")
    )


async def on_snooze(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]) -> None:
    chat_id = _chat_id(update)
    found = services(context)
    current = found.store.subscription(chat_id)
    snoozed = None if current is None else plan.snooze(current, _now())
    if snoozed is None:
        await send_text(context.bot, chat_id, found.engine.text("reminder_nothing_to_snooze"))
        return
    found.store.save(snoozed)
    await send_text(
        context.bot,
        chat_id,
        found.engine.text("reminder_snoozed", time=_next_local(snoozed, "%H:%M")),
    )


async def on_turn_off(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]) -> None:
    await _turn_off(context, _chat_id(update))


def compose_reminder(engine: Engine, item: plan.Claim) -> Outgoing:
    """Tonight's tip (the engine's Reply text, disclaimer included) and its three buttons."""
    tip = engine.tip(item.tip_number)
    text = f"{engine.text('reminder_header')}\n\n{tip.text}"
    buttons = [
        [button(engine.text("reminder_button_routine"), WALK, engine.routine().id)],
        [
            button(engine.text("reminder_button_snooze"), SNOOZE),
            button(engine.text("reminder_button_off"), TURN_OFF),
        ],
    ]
    return Outgoing(escape(text), InlineKeyboardMarkup(buttons), PARSE_MODE)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("reminder", reminder_command))
    application.add_handler(CommandHandler("privacy", privacy_command))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(on_button(PICK_TIME, on_pick_time))
    application.add_handler(on_button(PICK_ZONE, on_pick_zone))
    application.add_handler(on_button(TYPE_YOURS, on_type_yours))
    application.add_handler(on_button(SNOOZE, on_snooze))
    application.add_handler(on_button(TURN_OFF, on_turn_off))
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    found = services(application)
    engine = found.engine
    delivery = Delivery(found.store, lambda item: compose_reminder(engine, item))
    schedule_ticks(application.job_queue, delivery)
