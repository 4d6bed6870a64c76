"""/reminder, /privacy, /forget and the reminder buttons, through the real Application.

Updates go through ``Application.process_update`` with the offline request, so the bot's calls
are checked by the fake Bot API (HTML, button data size) without sockets.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.engine import Engine
from bot.engine.languages import Language
from bot.reminders import plan
from bot.reminders.plan import Claim
from bot.storage import Store, Subscription
from bot.telegram.actions import Snooze, TurnOff, Walk
from bot.telegram.delivery import (
    TICK_JOB_KWARGS,
    TICK_JOB_NAME,
    TICK_SECONDS,
    ReminderDelivery,
    reminder_message,
)
from bot.telegram.services import services
from tests.support.conversation import Conversation
from tests.support.fake_bot_api import FakeBotApi
from tests.support.keyboards import button_labels
from tests.support.offline_request import deliver_pending, offline_application
from tests.support.stores import Stores

CHAT = 42
JSONDict = dict[str, Any]


@dataclass
class Chat(Conversation):
    """One person setting reminders, with the engine and store behind the bot."""

    engine: Engine
    store: Store


async def open_chat(engine: Engine, store: Store) -> tuple[Chat, Application]:
    api = FakeBotApi()
    application = offline_application(engine, store, api)
    await application.initialize()
    chat = Chat(api=api, application=application, chat_id=CHAT, engine=engine, store=store)
    return chat, application


@pytest.fixture
async def chat(engine: Engine, stores: Stores, tmp_path: Path) -> AsyncIterator[Chat]:
    opened, application = await open_chat(engine, stores.open(tmp_path))
    yield opened
    await application.shutdown()
    opened.store.close()


async def test_reminder_with_time_and_zone_is_stored_then_confirmed(chat: Chat) -> None:
    (reply,) = await chat.say("/reminder 21:30 Europe/Paris")
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert (stored.local_time, stored.zone) == ("21:30", "Europe/Paris")
    assert stored.next_due_utc is not None
    assert "21:30" in reply["text"]
    assert "Europe/Paris" in reply["text"]


async def test_a_redelivered_reminder_update_changes_nothing(chat: Chat) -> None:
    update = chat.api.push_message(CHAT, "/reminder 9:30pm europe/paris")
    await deliver_pending(chat.application)
    first = chat.store.subscription(CHAT)
    chat.api.push_update({"message": update["message"]})  # Telegram sends it again
    await deliver_pending(chat.application)
    assert chat.store.subscription(CHAT) == first


async def test_the_zone_is_remembered_when_only_a_time_is_given(chat: Chat) -> None:
    await chat.say("/reminder 21:30 America/New_York")
    (reply,) = await chat.say("/reminder 22:00")
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert (stored.local_time, stored.zone) == ("22:00", "America/New_York")
    assert "America/New_York" in reply["text"]


async def test_a_time_without_any_known_zone_uses_utc_and_offers_zones(chat: Chat) -> None:
    (reply,) = await chat.say("/reminder 21h30")
    assert "UTC" in reply["text"]
    assert "Europe/Paris" in button_labels(reply)


async def test_utc_offsets_are_accepted(chat: Chat) -> None:
    await chat.say("/reminder 21.30 +02:00")
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert stored.zone == "UTC+02:00"


@pytest.mark.parametrize(
    ("arguments", "text_key"),
    [
        ("25:99", "reminder_bad_time"),
        ("tomorrow", "reminder_bad_time"),
        ("21:30 Mars/Olympus", "reminder_bad_zone"),
        ("every night at nine", "reminder_usage"),
    ],
)
async def test_bad_arguments_get_a_usage_text_with_an_example(
    chat: Chat, arguments: str, text_key: str
) -> None:
    (reply,) = await chat.say(f"/reminder {arguments}")
    assert reply["text"] == chat.engine.text(text_key).strip()
    assert "/reminder 21:30 Europe/Paris" in reply["text"]
    assert chat.store.subscription(CHAT) is None


async def test_reminder_alone_shows_the_setting_and_quick_picks(chat: Chat) -> None:
    await chat.say("/reminder 21:30 Europe/Paris")
    (reply,) = await chat.say("/reminder")
    assert "21:30" in reply["text"]
    assert {"20:00", "21:00", "22:00", "Europe/Paris"} <= set(button_labels(reply))
    assert chat.engine.text("reminder_button_type_yours") in button_labels(reply)


async def test_a_quick_pick_time_then_zone_sets_the_reminder(chat: Chat) -> None:
    (menu,) = await chat.say("/reminder")
    await chat.press(menu, "21:00")
    (confirmation,) = await chat.press(menu, "America/New_York")
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert (stored.local_time, stored.zone) == ("21:00", "America/New_York")
    assert "America/New_York" in confirmation["text"]


async def test_a_quick_pick_zone_first_asks_for_a_time(chat: Chat) -> None:
    (menu,) = await chat.say("/reminder")
    (ask,) = await chat.press(menu, "Europe/London")
    assert button_labels(ask) == ["20:00", "21:00", "22:00"]
    await chat.press(ask, "20:00")
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert (stored.local_time, stored.zone) == ("20:00", "Europe/London")


async def test_type_yours_explains_the_format(chat: Chat) -> None:
    (menu,) = await chat.say("/reminder")
    (reply,) = await chat.press(menu, chat.engine.text("reminder_button_type_yours"))
    assert "/reminder 21:30 Europe/Paris" in reply["text"]


async def test_reminder_off_cancels_but_keeps_the_zone(chat: Chat) -> None:
    await chat.say("/reminder 21:30 Europe/Paris")
    (reply,) = await chat.say("/reminder off")
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert stored.next_due_utc is None
    assert reply["text"] == chat.engine.text("reminder_off").strip()
    await chat.say("/reminder 22:00")
    back = chat.store.subscription(CHAT)
    assert back is not None
    assert back.zone == "Europe/Paris"
    assert back.next_due_utc is not None


async def test_privacy_lists_exactly_what_is_stored(chat: Chat) -> None:
    (reply,) = await chat.say("/privacy")
    facts = (
        "chat id",
        "time zone",
        "last reminder",
        "language",
        "500 characters",
        "30 days",
        "/forget",
    )
    for fact in (*facts, "never your chat id or name", "e-mail address or phone number"):
        assert fact in reply["text"]


async def test_forget_deletes_everything_about_the_chat(chat: Chat) -> None:
    await chat.say("/reminder 21:30 Europe/Paris")
    (reply,) = await chat.say("/forget")
    assert chat.store.subscription(CHAT) is None
    assert reply["text"] == chat.engine.text("forget_done").strip()
    (again,) = await chat.say("/forget")
    assert again["text"] == chat.engine.text("forget_nothing").strip()


async def test_the_reminder_message_is_a_tip_with_routine_snooze_and_off_buttons(
    chat: Chat,
) -> None:
    subscription = Subscription(CHAT, "21:30", "UTC", 0)
    codec = services(chat.application).codec
    claim = Claim(subscription, subscription, send=True, tip_number=5)
    outgoing = reminder_message(chat.engine, codec, claim, Language.EN)
    tip = chat.engine.tip(5)
    assert tip.text.splitlines()[0].replace("&", "&amp;") in outgoing.text
    assert outgoing.reply_markup is not None
    payloads = [
        codec.decode(button.callback_data)
        for row in outgoing.reply_markup.inline_keyboard
        for button in row
    ]
    assert payloads == [Walk(chat.engine.routine().id), Snooze(), TurnOff()]


async def test_a_delivered_reminder_routine_button_opens_the_walkthrough(chat: Chat) -> None:
    await chat.say("/reminder 21:30 Europe/Paris")
    reminder = await deliver_now(chat)
    (step,) = await chat.press(reminder, chat.engine.text("reminder_button_routine"))
    header = chat.engine.step_page(chat.engine.routine().id, 0).text.splitlines()[0]
    shown: str = step.get("text") or step["caption"]
    assert shown.startswith(header)


async def test_snooze_reschedules_the_reminder_thirty_minutes_later(chat: Chat) -> None:
    await chat.say("/reminder 21:30 Europe/Paris")
    reminder = await deliver_now(chat)
    (reply,) = await chat.press(reminder, chat.engine.text("reminder_button_snooze"))
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert stored.snoozed_until_utc is not None
    assert stored.next_due_utc == stored.snoozed_until_utc
    pressed_at = plan.from_unix(stored.snoozed_until_utc) - plan.SNOOZE
    assert abs(pressed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert reply["text"].startswith("Snoozed")


async def test_the_off_button_on_a_reminder_turns_it_off(chat: Chat) -> None:
    await chat.say("/reminder 21:30 Europe/Paris")
    reminder = await deliver_now(chat)
    await chat.press(reminder, chat.engine.text("reminder_button_off"))
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert stored.next_due_utc is None


async def test_the_tick_job_is_scheduled_with_deliberate_misfire_and_coalesce(
    chat: Chat,
) -> None:
    assert chat.application.job_queue is not None
    (job,) = chat.application.job_queue.get_jobs_by_name(TICK_JOB_NAME)
    assert TICK_JOB_KWARGS == {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
    await chat.application.start()  # the scheduler only builds APScheduler jobs once started
    try:
        scheduled = job.job
        assert scheduled.misfire_grace_time is None  # APScheduler's default of 1 s drops ticks
        assert scheduled.coalesce is True
        assert scheduled.max_instances == 1
        assert scheduled.trigger.interval.total_seconds() == TICK_SECONDS
    finally:
        await chat.application.stop()


async def test_reminders_persist_across_a_restart_of_the_application(
    engine: Engine, stores: Stores, tmp_path: Path
) -> None:
    """python-telegram-bot persistence keeps no jobs; the store and the tick job need none."""
    first, application = await open_chat(engine, stores.open(tmp_path))
    await first.say("/reminder 21:30 Europe/Paris")
    await application.shutdown()
    first.store.close()

    second, restarted = await open_chat(engine, stores.open(tmp_path))
    try:
        (reply,) = await second.say("/reminder")
        assert "21:30" in reply["text"]
        assert "Europe/Paris" in reply["text"]
        assert restarted.job_queue is not None
        assert len(restarted.job_queue.get_jobs_by_name(TICK_JOB_NAME)) == 1
        reminder = await deliver_now(second)
        assert reminder["text"].startswith(engine.text("reminder_header"))
    finally:
        await restarted.shutdown()
        second.store.close()


async def deliver_now(chat: Chat) -> JSONDict:
    """Run one delivery tick as if the reminder's minute had come, and return the message."""
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert stored.next_due_utc is not None
    due = plan.from_unix(stored.next_due_utc)
    codec = services(chat.application).codec
    delivery = ReminderDelivery(
        chat.store, partial(reminder_message, chat.engine, codec), clock=lambda: due
    )
    assert await delivery.tick(chat.application.bot) == 1
    await delivery.drain()
    return chat.api.bot_messages(CHAT)[-1]


async def test_the_running_tick_job_delivers_a_due_reminder_and_advances_it(chat: Chat) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    minute_ago = (now - timedelta(minutes=1)).time().replace(second=0)
    chat.store.save(plan.set_reminder(None, CHAT, minute_ago, "UTC", now - timedelta(minutes=3)))
    await chat.application.start()
    try:
        call = await chat.api.wait_for_call("sendMessage", within=30)
    finally:
        await chat.application.stop()
    assert call.chat_id == CHAT
    assert len(chat.api.calls_to("sendMessage")) == 1
    stored = chat.store.subscription(CHAT)
    assert stored is not None
    assert stored.next_due_utc is not None
    assert stored.next_due_utc > now.timestamp()
