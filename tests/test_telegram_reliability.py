"""Reliability: what goes wrong around the bot must not stop it, lose a reply, or muddle a chat.

Each test runs the real application (production rate limiter, retry policy and update order)
against the fake Bot API, over HTTP on 127.0.0.1 where the fault lives in transport, or with the
offline request where only the order of work matters. Every wait is bounded.
"""

import asyncio
import copy
import logging
import shutil
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.engine import Engine
from bot.reminders.plan import set_reminder
from bot.storage import Store
from bot.telegram.app import EXIT_CONFIG
from bot.telegram.services import services
from tests.support.bot_process import start_bot_process, stop_bot_process
from tests.support.fake_bot_api import FakeBotApi
from tests.support.keyboards import callback_data
from tests.support.offline_request import offline_application
from tests.support.stores import Stores

TOKEN = "987654321:AAReliabilityTokenForTests_0123456789"
CHAT = 5150
OTHER = 6160
WAIT = 90.0  # seconds; only reached when something is broken
FIRST_SUBSCRIBER = 1_000_000
BUSY_MINUTE = 600  # reminders due at once: about 21 s of sending at 28 a second
TWO_STARTS = 200

JSONDict = dict[str, Any]


@pytest.fixture
def bot_token() -> str:
    return TOKEN


async def replies_to(api: FakeBotApi, chat_id: int, count: int) -> list[str]:
    await api.wait_until(lambda: len(api.bot_messages(chat_id)) >= count, WAIT)
    return [message["text"] for message in api.bot_messages(chat_id)]


# ----------------------------------------------------------------------------- poison updates
async def test_an_update_the_library_cannot_read_is_skipped_and_others_are_still_answered(
    api: FakeBotApi,
    polling_bot: Application,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    poison_text = "my private words in a message without a chat type"
    poison = copy.deepcopy(api.push_message(CHAT, poison_text))
    api.take_updates()
    del poison["message"]["chat"]["type"]
    api.push_raw_update(poison)
    started = asyncio.get_running_loop().time()
    api.push_message(OTHER, "/start")
    (greeting,) = await replies_to(api, OTHER, 1)
    assert greeting == engine.text("greeting")
    assert asyncio.get_running_loop().time() - started < 2
    await asyncio.sleep(1)  # a polling loop stuck on the poison would log all through this
    skipped = [r for r in caplog.records if "cannot read it" in r.getMessage()]
    assert [r.levelname for r in skipped] == ["WARNING"]
    assert f"skipped update {poison['update_id']}" in skipped[0].getMessage()
    assert len(caplog.text) < 10_000
    assert poison_text not in caplog.text
    assert len(api.calls_to("getUpdates")) < 20


# ----------------------------------------------------------------------------- Bot API outages
async def test_a_reply_sent_during_a_20_second_bot_api_outage_is_delivered_after_it(
    api: FakeBotApi, polling_bot: Application, engine: Engine
) -> None:
    api.outage(20)
    api.push_message(CHAT, "Which oil should I use?")
    (answer,) = await replies_to(api, CHAT, 1)
    assert answer == engine.answer("Which oil should I use?").text
    failed = [call for call in api.calls_to("sendMessage") if not call.ok]
    assert failed, "the outage was felt"
    assert api.calls_to("sendMessage")[-1].at - failed[0].at >= 20


async def test_an_answer_survives_five_502s_in_a_row(
    api: FakeBotApi, polling_bot: Application, engine: Engine
) -> None:
    api.fail_next(5)
    api.push_message(CHAT, "How long should a foot massage last?")
    (answer,) = await replies_to(api, CHAT, 1)
    assert answer == engine.answer("How long should a foot massage last?").text
    assert [call.status for call in api.calls_to("sendMessage")] == [502] * 5 + [200]


# ----------------------------------------------------------------------------- per-chat order
@pytest.fixture
async def running_offline(
    engine: Engine, stores: Stores, tmp_path: Path
) -> AsyncIterator[tuple[Application, FakeBotApi]]:
    """The application's own update loop (concurrent, ordered per chat), without sockets."""
    api = FakeBotApi()
    store = stores.open(tmp_path)
    application = offline_application(engine, store, api)
    async with application:
        await application.start()
        yield application, api
        await application.stop()
    store.close()


async def feed(application: Application, api: FakeBotApi) -> None:
    """Hand every queued update to the application at once, as one getUpdates batch would."""
    for payload in api.take_updates():
        await application.update_queue.put(Update.de_json(payload, application.bot))


SIX_COMMANDS = (
    "/reminder 21:00 Europe/Paris",
    "/forget",
    "/reminder 22:00",
    "/forget",
    "/reminder 23:00 Asia/Tokyo",
    "/forget",
)


async def test_six_quick_commands_are_answered_in_order_and_agree_with_what_is_stored(
    running_offline: tuple[Application, FakeBotApi], engine: Engine
) -> None:
    application, api = running_offline
    store = services(application).store
    for trial in range(20):
        chat_id = 10_000 + trial
        for command in SIX_COMMANDS:
            api.push_message(chat_id, command)
        await feed(application, api)
        replies = await replies_to(api, chat_id, len(SIX_COMMANDS))
        assert [reply.startswith("✅") for reply in replies] == [True, False] * 3, trial
        assert replies[-1] == engine.text("forget_done").strip()
        assert store.subscription(chat_id) is None


async def test_ten_questions_sent_at_once_are_answered_in_the_order_asked(
    running_offline: tuple[Application, FakeBotApi], engine: Engine
) -> None:
    application, api = running_offline
    questions = [
        "Which oil should I use?",
        "How often should I massage my feet?",
        "How long per foot?",
        "Can I massage my feet every day?",
        "What should I do after the massage?",
        "Should I soak my feet first?",
        "Is foot massage safe during pregnancy?",
        "How do I sit for a self-massage?",
        "Does it help me sleep?",
        "What is reflexology?",
    ]
    for question in questions:
        api.push_message(CHAT, question)
    api.push_message(OTHER, "/start")
    await feed(application, api)
    replies = await replies_to(api, CHAT, len(questions))
    assert replies == [engine.answer(question).text for question in questions]


# ----------------------------------------------------------------------------- stable buttons
async def test_turn_off_on_last_nights_reminder_works_after_a_knowledge_edit_and_a_restart(
    stores: Stores, tmp_path: Path, knowledge_dir: Path
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, knowledge)
    api = FakeBotApi()
    first = await reminder_bot(knowledge, stores.open(tmp_path / "data"), api)
    api.push_message(CHAT, "/reminder 21:30 Europe/Paris")
    await feed_and_wait(first, api, 1)
    delivery_engine = services(first).engine
    reminder = await send_tonights_reminder(first, api)
    await stop(first)

    with (knowledge / "language.yaml").open("a") as language:
        language.write("\n# a comment, and nothing else\n")
    second = await reminder_bot(knowledge, stores.open(tmp_path / "data"), api)
    assert services(second).engine.version != delivery_engine.version
    turn_off = callback_data(reminder, delivery_engine.text("reminder_button_off"))
    api.push_callback(CHAT, reminder["message_id"], turn_off)
    await feed_and_wait(second, api, 3)
    stored = services(second).store.subscription(CHAT)
    assert stored is not None
    assert stored.next_due_utc is None
    assert api.bot_messages(CHAT)[-1]["text"] == delivery_engine.text("reminder_off").strip()
    await stop(second)


async def reminder_bot(knowledge: Path, store: Store, api: FakeBotApi) -> Application:
    engine = Engine.load(knowledge)
    settings = Settings(token=TOKEN, data_dir=store.data_dir, knowledge_dir=knowledge)
    application = offline_application(engine, store, api, settings)
    await application.initialize()
    await application.start()
    return application


async def feed_and_wait(application: Application, api: FakeBotApi, count: int) -> None:
    await feed(application, api)
    await replies_to(api, CHAT, count)


async def send_tonights_reminder(application: Application, api: FakeBotApi) -> JSONDict:
    found = services(application)
    subscription = found.store.subscription(CHAT)
    assert subscription is not None
    assert subscription.next_due_utc is not None
    found.store.save(replace(subscription, next_due_utc=int(time.time()) - 5))
    await replies_to(api, CHAT, 2)  # the running tick job sends it
    return api.bot_messages(CHAT)[-1]


async def stop(application: Application) -> None:
    await application.stop()
    await application.shutdown()
    services(application).store.close()


# ----------------------------------------------------------------------------- the process
def subscribe_everyone_due_now(store: Store, count: int) -> None:
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    store.save_many(
        set_reminder(None, FIRST_SUBSCRIBER + n, due.time(), "UTC", due - timedelta(seconds=1))
        for n in range(count)
    )
    store.close()


def reminders_per_chat(api: FakeBotApi) -> Counter[int]:
    return Counter(
        call.chat_id
        for call in api.calls_to("sendMessage")
        if call.ok and call.chat_id is not None and call.chat_id >= FIRST_SUBSCRIBER
    )


async def test_sigterm_in_a_busy_reminder_minute_loses_nothing_and_sends_nothing_twice(
    api: FakeBotApi, stores: Stores, tmp_path: Path
) -> None:
    subscribe_everyone_due_now(stores.open(tmp_path), BUSY_MINUTE)
    first = await start_bot_process(api, tmp_path, TOKEN, stores=stores)
    try:
        await api.wait_until(lambda: len(reminders_per_chat(api)) > 0, WAIT)
        await asyncio.sleep(4)
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.wait(), WAIT)
    finally:
        await stop_bot_process(first)
    assert first.returncode == 0
    sent_before_restart = len(reminders_per_chat(api))
    assert 0 < sent_before_restart < BUSY_MINUTE

    second = await start_bot_process(api, tmp_path, TOKEN, stores=stores)
    try:
        await api.wait_until(lambda: len(reminders_per_chat(api)) == BUSY_MINUTE, WAIT)
        await asyncio.sleep(1)  # anything sent twice would arrive now
    finally:
        await stop_bot_process(second)
    assert set(reminders_per_chat(api).values()) == {1}


async def test_a_second_bot_on_the_same_data_folder_refuses_to_start_and_nothing_is_sent_twice(
    api: FakeBotApi, sqlite_stores: Stores, tmp_path: Path
) -> None:
    subscribe_everyone_due_now(sqlite_stores.open(tmp_path), TWO_STARTS)
    processes = await asyncio.gather(
        start_bot_process(api, tmp_path, TOKEN, stores=sqlite_stores),
        start_bot_process(api, tmp_path, TOKEN, stores=sqlite_stores),
    )
    try:
        finished, _ = await asyncio.wait(
            [asyncio.create_task(p.wait()) for p in processes],
            timeout=WAIT,
            return_when=asyncio.FIRST_COMPLETED,
        )
        assert len(finished) == 1
        await api.wait_until(lambda: len(reminders_per_chat(api)) == TWO_STARTS, WAIT)
        await asyncio.sleep(1)
    finally:
        for process in processes:
            await stop_bot_process(process)
    refused = next(p for p in processes if p.returncode == EXIT_CONFIG)
    assert refused.stderr is not None
    lines = (await refused.stderr.read()).decode().strip().splitlines()
    assert len(lines) == 1
    assert "another footbot is already running" in lines[0]
    assert set(reminders_per_chat(api).values()) == {1}


async def test_a_bot_api_that_cannot_be_reached_at_start_is_one_line_and_exit_2(
    stores: Stores, tmp_path: Path
) -> None:
    async with FakeBotApi() as gone:
        closed = gone
    process = await start_bot_process(closed, tmp_path, TOKEN, stores=stores)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await stop_bot_process(process)
    assert process.returncode == EXIT_CONFIG
    output = (stdout + stderr).decode()
    assert "Traceback" not in output
    (problem,) = [line for line in output.splitlines() if "ERROR" in line or "footbot:" in line]
    assert problem.startswith("footbot: cannot reach the Bot API")
