"""/reminder, /privacy, /forget and the reminder buttons.

Every change is stored (and committed) before the bot confirms it, so a confirmation the person
has seen is never lost. Setting the same time and zone again stores the same row, so an update
Telegram delivers twice changes nothing. The nightly messages themselves are sent by
bot/telegram/delivery.py; the rules behind them live in bot/reminders/.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.engine.languages import Language
from bot.reminders import plan
from bot.reminders.schedule import zone_info
from bot.reminders.timeparse import Action, Problem, ReminderSyntaxError, parse_reminder_args
from bot.storage import Store, Subscription
from bot.telegram.actions import PickTime, PickZone, Snooze, TurnOff, TypeZone
from bot.telegram.chat_language import chat_language, forget_language, remember_language
from bot.telegram.replies import send_text
from bot.telegram.routing import on_button
from bot.telegram.services import Services, services

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


def _time_buttons(found: Services) -> list[InlineKeyboardButton]:
    return [
        found.codec.button(value.strftime("%H:%M"), PickTime.of(value)) for value in QUICK_TIMES
    ]


def _zone_buttons(found: Services, language: Language) -> list[list[InlineKeyboardButton]]:
    zones = [found.codec.button(zone, PickZone(zone)) for zone in QUICK_ZONES]
    rows = [zones[start : start + 2] for start in range(0, len(zones), 2)]
    type_yours = found.codec.button(
        found.engine.text("reminder_button_type_yours", language), TypeZone()
    )
    return [*rows, [type_yours]]


def _picker(
    found: Services, subscription: Subscription | None, language: Language
) -> InlineKeyboardMarkup:
    rows = [_time_buttons(found), *_zone_buttons(found, language)]
    if subscription is not None and subscription.next_due_utc is not None:
        rows.append(
            [found.codec.button(found.engine.text("reminder_button_off", language), TurnOff())]
        )
    return InlineKeyboardMarkup(rows)


def _status(found: Services, subscription: Subscription | None, language: Language) -> str:
    engine = found.engine
    if subscription is None or subscription.local_time is None:
        return engine.text("reminder_status_none", language)
    values = {"time": subscription.local_time, "zone": subscription.zone}
    if subscription.next_due_utc is None:
        return engine.text("reminder_status_off", language, **values)
    return engine.text("reminder_status_on", language, next=_next_local(subscription), **values)


async def _apply(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, when: time | None, zone: str | None
) -> None:
    """Set time and/or zone, commit, then confirm (and ask for whatever is still missing)."""
    found, language = services(context), chat_language(context)
    engine = found.engine
    current = await found.store.call(Store.subscription, chat_id)
    updated = plan.set_reminder(current, chat_id, when, zone, _now())
    await found.store.call(Store.save, updated)
    await remember_language(context, chat_id, language, keep=True)
    if updated.local_time is None:
        text = engine.text("reminder_zone_only", language, zone=updated.zone)
        markup = InlineKeyboardMarkup([_time_buttons(found)])
        await send_text(context.bot, chat_id, text, markup)
        return
    values = {"time": updated.local_time, "zone": updated.zone, "next": _next_local(updated)}
    text = engine.text("reminder_set", language, **values)
    zone_unknown = zone is None and (current is None or current.zone == plan.DEFAULT_ZONE)
    if not zone_unknown:
        await send_text(context.bot, chat_id, text)
        return
    text = f"{text}\n\n{engine.text('reminder_pick_zone', language, zone=updated.zone)}"
    markup = InlineKeyboardMarkup(_zone_buttons(found, language))
    await send_text(context.bot, chat_id, text, markup)


async def _turn_off(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    found, language = services(context), chat_language(context)
    current = await found.store.call(Store.subscription, chat_id)
    if current is None or current.next_due_utc is None:
        await send_text(
            context.bot, chat_id, found.engine.text("reminder_nothing_to_stop", language)
        )
        return
    await found.store.call(Store.save, plan.turn_off(current))
    await send_text(context.bot, chat_id, found.engine.text("reminder_off", language))


async def reminder_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = _chat_id(update)
    found, language = services(context), chat_language(context)
    try:
        request = parse_reminder_args(context.args or [])
    except ReminderSyntaxError as error:
        await send_text(
            context.bot, chat_id, found.engine.text(_PROBLEM_TEXTS[error.problem], language)
        )
        return
    if request.action is Action.OFF:
        await _turn_off(context, chat_id)
    elif request.action is Action.SET:
        await _apply(context, chat_id, request.time, request.zone)
    else:
        current = await found.store.call(Store.subscription, chat_id)
        text = _status(found, current, language)
        await send_text(context.bot, chat_id, text, _picker(found, current, language))


async def privacy_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    privacy = services(context).engine.text("privacy", chat_language(context))
    await send_text(context.bot, _chat_id(update), privacy)


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found, language = services(context), chat_language(context)
    deleted = await found.store.call(Store.delete, _chat_id(update))
    forget_language(context)
    key = "forget_done" if deleted else "forget_nothing"
    await send_text(context.bot, _chat_id(update), found.engine.text(key, language))


async def on_pick_time(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: PickTime
) -> None:
    await _apply(context, _chat_id(update), payload.local_time(), None)


async def on_pick_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: PickZone
) -> None:
    await _apply(context, _chat_id(update), None, payload.zone)


async def on_type_yours(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: TypeZone
) -> None:
    prompt = services(context).engine.text("reminder_type_yours", chat_language(context))
    await send_text(context.bot, _chat_id(update), prompt)


async def on_snooze(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Snooze) -> None:
    chat_id = _chat_id(update)
    found, language = services(context), chat_language(context)
    current = await found.store.call(Store.subscription, chat_id)
    snoozed = None if current is None else plan.snooze(current, _now())
    if snoozed is None:
        await send_text(
            context.bot, chat_id, found.engine.text("reminder_nothing_to_snooze", language)
        )
        return
    await found.store.call(Store.save, snoozed)
    await send_text(
        context.bot,
        chat_id,
        found.engine.text("reminder_snoozed", language, time=_next_local(snoozed, "%H:%M")),
    )


async def on_turn_off(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: TurnOff
) -> None:
    await _turn_off(context, _chat_id(update))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("reminder", reminder_command))
    application.add_handler(CommandHandler("privacy", privacy_command))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(on_button(PickTime, on_pick_time))
    application.add_handler(on_button(PickZone, on_pick_zone))
    application.add_handler(on_button(TypeZone, on_type_yours))
    application.add_handler(on_button(Snooze, on_snooze))
    application.add_handler(on_button(TurnOff, on_turn_off))
