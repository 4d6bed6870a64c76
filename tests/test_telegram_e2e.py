"""End to end: the real python-telegram-bot client polls a fake Bot API over HTTP on 127.0.0.1.

One conversation walks through what a person does, with Telegram misbehaving on the way (a 429
and a 502 burst), and the captured log must never contain the token. The bot process itself is
also started as ``python -m bot run`` and stopped with SIGTERM. Every wait is bounded.
"""

import asyncio
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.engine import Engine
from bot.engine.languages import Language
from bot.storage import Store
from bot.telegram.app import EXIT_CONFIG, run
from bot.telegram.services import services
from tests.support.bot_process import start_bot_process
from tests.support.fake_bot_api import ApiCall, FakeBotApi
from tests.support.keyboards import button_labels, callback_data
from tests.support.stores import Stores

TOKEN = "987654321:AAE2eSecretThatMustNeverBeLogged_0123"
SECRET = TOKEN.split(":")[1]
CHAT = 4242
WAIT = 20.0  # seconds; generous, only reached when something is broken

JSONDict = dict[str, Any]


@pytest.fixture
def bot_token() -> str:
    return TOKEN


async def exchange(api: FakeBotApi, push: Callable[[], object], method: str) -> ApiCall:
    """Push an update and wait for the bot's first successful ``method`` call after it."""
    mark = api.mark()
    push()
    return await api.wait_for_call(method, since=mark, predicate=lambda c: c.ok, within=WAIT)


async def said(api: FakeBotApi, text: str) -> JSONDict:
    await exchange(api, lambda: api.push_message(CHAT, text), "sendMessage")
    return api.bot_messages(CHAT)[-1]


async def press(api: FakeBotApi, message: JSONDict, label: str, method: str) -> JSONDict:
    data = callback_data(message, label)
    await exchange(api, lambda: api.push_callback(CHAT, message["message_id"], data), method)
    return api.message(CHAT, message["message_id"])


async def test_a_conversation_over_http_survives_faults_and_never_logs_the_token(
    api: FakeBotApi,
    polling_bot: Application,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    menu = await said(api, "/start")
    assert menu["text"] == engine.text("greeting")
    assert [c["command"] for c in api.commands][:2] == ["start", "help"]

    answer = await said(api, "How often should I massage my feet?")
    assert answer["text"] == engine.answer("How often should I massage my feet?").text

    health = await said(api, "Can I massage my feet if I have diabetes?")
    assert engine.text("disclaimer") in health["text"]

    walk = await said(api, "/routine")
    walk = await press(api, walk, engine.text("walkthrough_next"), "editMessageText")
    assert walk["text"] == engine.step_page("self-massage-routine", 1).text
    walk = await press(api, walk, engine.text("walkthrough_back"), "editMessageText")
    assert walk["text"] == engine.step_page("self-massage-routine", 0).text
    await press(api, walk, engine.text("walkthrough_done"), "sendMessage")
    assert api.bot_messages(CHAT)[-1]["text"] == engine.text(
        "walkthrough_finished", title=engine.routine().title
    )

    fallback = await said(api, "qwzx blorp")
    assert fallback["text"] == engine.answer("qwzx blorp").text

    await exchange(api, lambda: api.push_sticker(CHAT), "sendMessage")
    assert api.bot_messages(CHAT)[-1]["text"] == engine.text("text_only")

    long_answer = await said(api, "Which oil should I use? " * 210)
    assert long_answer["text"]

    api.fail_next(1, status=429, description="Too Many Requests: retry after 1", retry_after=1)
    after_429 = await said(api, "Which oil should I use?")
    assert after_429["text"] == engine.answer("Which oil should I use?").text

    api.fail_next(2, status=502, description="Bad Gateway")
    after_502 = await said(api, "How long should a foot massage last?")
    assert after_502["text"] == engine.answer("How long should a foot massage last?").text

    statuses = [call.status for call in api.calls_to("sendMessage")]
    assert statuses.count(429) == 1
    assert statuses.count(502) == 2
    assert engine.text("error_message") not in [m["text"] for m in api.bot_messages(CHAT)]

    log = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    assert "getUpdates" in log or api.calls_to("getUpdates")
    assert SECRET not in log


async def test_a_technique_walkthrough_over_http_is_one_photo_whose_caption_changes(
    api: FakeBotApi, polling_bot: Application, engine: Engine
) -> None:
    technique = engine.entry("thumb-walking")

    menu = await said(api, "/techniques")
    await press(api, menu, technique.title, "sendPhoto")
    photo = api.bot_messages(CHAT)[-1]
    assert photo["caption"] == engine.step_page(technique.id, 0).text
    uploads = len(api.calls_to("sendPhoto"))

    photo = await press(api, photo, engine.text("walkthrough_next"), "editMessageCaption")
    assert photo["caption"] == engine.step_page(technique.id, 1).text
    photo = await press(api, photo, engine.text("walkthrough_back"), "editMessageCaption")
    assert photo["caption"] == engine.step_page(technique.id, 0).text

    await exchange(api, lambda: api.push_message(CHAT, "show me thumb walking"), "sendPhoto")
    resend = api.calls_to("sendPhoto")[-1]
    assert len(api.calls_to("sendPhoto")) == uploads + 1
    assert isinstance(resend.params.get("photo"), str), "the second send re-uses the file_id"


async def test_a_french_speaker_gets_the_bot_in_french_then_switches_to_english(
    api: FakeBotApi, polling_bot: Application, engine: Engine
) -> None:
    api.language_codes[CHAT] = "fr"
    french, english = Language.FR, Language.EN
    assert api.command_menus["fr"][0]["description"] == engine.text("command_start", french)
    assert api.descriptions["fr"] == engine.text("bot_description", french)
    assert api.short_descriptions[""] == engine.text("bot_short_description", english)

    menu = await said(api, "/start")
    assert menu["text"] == engine.text("greeting", french)
    assert button_labels(menu)[0] == engine.text("menu_button_ask", french)

    question = "à quelle fréquence faut-il se masser les pieds ?"
    answer = await said(api, question)
    assert answer["text"] == engine.answer(question).text
    assert engine.answer(question).language is french

    techniques = await said(api, "/techniques")
    assert techniques["text"] == engine.text("techniques_intro", french)
    await press(api, techniques, engine.entry("thumb-walking", french).title, "sendPhoto")
    assert (
        api.bot_messages(CHAT)[-1]["caption"] == engine.step_page("thumb-walking", 0, french).text
    )

    confirmed = await said(api, "/reminder 21:30 Europe/Paris")
    assert confirmed["text"].startswith(engine.text("reminder_set", french).split("{")[0])
    store = services(polling_bot).store
    subscription = await store.call(Store.subscription, CHAT)
    assert subscription is not None
    mark = api.mark()
    await store.call(Store.save, replace(subscription, next_due_utc=int(time.time())))
    await api.wait_for_call("sendMessage", since=mark, predicate=lambda c: c.ok, within=WAIT)
    reminder = api.bot_messages(CHAT)[-1]
    assert reminder["text"].startswith(engine.text("reminder_header", french).strip())
    assert button_labels(reminder)[0] == engine.text("reminder_button_routine", french)

    prompt = await said(api, "/language")
    await press(api, prompt, engine.text("language_name", english), "sendMessage")
    assert api.bot_messages(CHAT)[-1]["text"] == engine.text("language_chosen", english)
    help_text = await said(api, "/help")
    assert help_text["text"] == engine.text("help", english)
    assert await store.call(Store.chat_language, CHAT) == "en"


# ----------------------------------------------------------------------------- the process
async def run_bot_process(
    api: FakeBotApi, stores: Stores, tmp_path: Path
) -> asyncio.subprocess.Process:
    return await start_bot_process(api, tmp_path / "data", TOKEN, stores=stores)


async def test_the_bot_process_answers_and_stops_cleanly_on_sigterm(
    api: FakeBotApi, stores: Stores, tmp_path: Path, engine: Engine
) -> None:
    process = await run_bot_process(api, stores, tmp_path)
    try:
        await exchange(api, lambda: api.push_message(CHAT, "/help"), "sendMessage")
        assert api.bot_messages(CHAT)[-1]["text"] == engine.text("help")
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (stdout + stderr).decode()
    assert process.returncode == 0, output
    assert "Application started" in output
    assert SECRET not in output


async def test_a_reminder_confirmed_just_before_kill_9_survives_the_restart(
    api: FakeBotApi, stores: Stores, tmp_path: Path
) -> None:
    process = await run_bot_process(api, stores, tmp_path)
    try:
        await exchange(
            api, lambda: api.push_message(CHAT, "/reminder 21:30 Europe/Paris"), "sendMessage"
        )
        process.kill()  # SIGKILL: no shutdown code runs
        await asyncio.wait_for(process.wait(), WAIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    store = stores.open(tmp_path / "data")
    try:
        stored = store.subscription(CHAT)
    finally:
        store.close()
    assert stored is not None
    assert (stored.local_time, stored.zone) == ("21:30", "Europe/Paris")


async def test_messages_sent_while_the_bot_was_down_are_answered_when_it_starts(
    api: FakeBotApi, stores: Stores, tmp_path: Path, engine: Engine
) -> None:
    api.push_message(CHAT, "Which oil should I use?")
    process = await run_bot_process(api, stores, tmp_path)
    try:
        await api.wait_for_call("sendMessage", predicate=lambda c: c.ok, within=WAIT)
    finally:
        process.kill()
        await process.wait()
    assert api.bot_messages(CHAT)[-1]["text"] == engine.answer("Which oil should I use?").text


async def test_a_token_telegram_rejects_is_one_redacted_line_and_exit_2(
    stores: Stores, tmp_path: Path
) -> None:
    async with FakeBotApi(valid_token="1:someone-else") as strict:
        process = await run_bot_process(strict, stores, tmp_path)
        stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode == EXIT_CONFIG
    assert SECRET not in (stdout + stderr).decode()
    assert "footbot: Telegram rejected the bot token 987654321:***" in stderr.decode()


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_a_missing_or_malformed_token_is_one_line_and_exit_2(
    token: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(Settings(token=token)) == EXIT_CONFIG
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("footbot: TELEGRAM_BOT_TOKEN")


def test_an_unusable_data_folder_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert run(Settings(token=TOKEN, data_dir=not_a_folder / "data")) == EXIT_CONFIG
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "FOOTBOT_DATA" in lines[0]
