"""The fake Bot API server behaves like Telegram for the real python-telegram-bot client."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from tests.support.fake_bot_api import FakeBotApi, UploadedFile

TOKEN = "123456:TEST-token-for-the-fake"
CHAT = 42


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def test_get_me_answers_with_the_configured_bot(api: FakeBotApi, bot: Bot) -> None:
    assert bot.username == api.username
    assert api.calls_to("getMe")[0].ok


async def test_send_message_records_form_fields_and_decodes_the_json_markup(
    api: FakeBotApi, bot: Bot
) -> None:
    first = await bot.send_message(CHAT, "hello", reply_markup=keyboard("a", "b"))
    second = await bot.send_message(CHAT, "again")

    assert (first.message_id, second.message_id) == (1, 2)
    call = api.calls_to("sendMessage")[0]
    assert call.chat_id == CHAT
    assert call.params["text"] == "hello"
    assert call.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "b"
    assert first.reply_markup == keyboard("a", "b")


async def test_text_that_looks_like_json_stays_text(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(CHAT, "[1, 2]")
    assert api.calls_to("sendMessage")[0].params["text"] == "[1, 2]"


async def test_send_photo_accepts_a_multipart_upload_and_a_file_id(
    api: FakeBotApi, bot: Bot
) -> None:
    uploaded = await bot.send_photo(CHAT, b"\x89PNG fake", caption="Step 1")
    again = await bot.send_photo(CHAT, uploaded.photo[-1].file_id, caption="Step 1 again")

    upload = api.calls_to("sendPhoto")[0].params["photo"]
    assert isinstance(upload, UploadedFile)
    assert upload.content == b"\x89PNG fake"
    assert again.photo[-1].file_id == uploaded.photo[-1].file_id
    assert api.message(CHAT, uploaded.message_id)["caption"] == "Step 1"


async def test_json_bodies_are_understood(api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"http://127.0.0.1:{api.port}/botANY/sendMessage", json={"chat_id": 7, "text": "hi"}
        )
    assert response.json()["result"]["text"] == "hi"
    assert api.calls_to("sendMessage")[0].chat_id == 7


async def test_get_updates_delivers_pushed_updates_until_confirmed(
    api: FakeBotApi, bot: Bot
) -> None:
    api.push_message(CHAT, "/start")
    api.push_message(CHAT, "hello @someone_else")

    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start", "hello @someone_else"]
    assert updates[0].message is not None
    assert updates[0].message.entities[0].type == "bot_command"

    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert api.pending_updates == 0


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: FakeBotApi, bot: Bot) -> None:
    api.push_sticker(CHAT)
    updates = await bot.get_updates(timeout=30)
    assert updates[0].message is not None
    assert updates[0].message.sticker is not None


async def test_html_that_telegram_cannot_parse_is_refused(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "a < b", parse_mode=ParseMode.HTML)
    sent = await bot.send_message(CHAT, "<b>a</b> &lt; b", parse_mode=ParseMode.HTML)
    assert sent.text == "a < b"


async def test_messages_over_4096_characters_are_refused(bot: Bot) -> None:
    await bot.send_message(CHAT, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(CHAT, "x" * 4097)


async def test_callback_data_over_64_bytes_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "menu", reply_markup=keyboard("é" * 33))


async def test_editing_applies_in_place_and_a_no_op_edit_is_refused(
    api: FakeBotApi, bot: Bot
) -> None:
    sent = await bot.send_message(CHAT, "step 1", reply_markup=keyboard("next"))
    await bot.edit_message_text("step 2", CHAT, sent.message_id, reply_markup=keyboard("back"))

    assert api.message(CHAT, sent.message_id)["text"] == "step 2"
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("step 2", CHAT, sent.message_id, reply_markup=keyboard("back"))
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)
    assert "reply_markup" not in api.message(CHAT, sent.message_id)


async def test_a_callback_query_can_be_answered_once(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "menu", reply_markup=keyboard("x"))
    query_id = api.push_callback(CHAT, sent.message_id, "x")["callback_query"]["id"]
    updates = await bot.get_updates(timeout=0)

    assert updates[0].callback_query is not None
    assert updates[0].callback_query.message is not None
    assert updates[0].callback_query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)


async def test_inline_queries_are_delivered_and_answered(api: FakeBotApi, bot: Bot) -> None:
    query_id = api.push_inline_query(CHAT, "heel")["inline_query"]["id"]
    updates = await bot.get_updates(timeout=0)
    assert updates[0].inline_query is not None
    assert updates[0].inline_query.query == "heel"

    result = InlineQueryResultArticle("1", "Heel", InputTextMessageContent("Heel squeeze"))
    assert await bot.answer_inline_query(query_id, [result])
    assert api.calls_to("answerInlineQuery")[0].params["results"][0]["id"] == "1"


async def test_commands_are_stored(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Open the menu")])
    assert api.commands == [{"command": "start", "description": "Open the menu"}]
    assert (await bot.get_my_commands())[0].command == "start"


async def test_sends_above_the_limit_answer_429_with_retry_after() -> None:
    api_limit = FakeBotApi(send_limit_per_second=2, retry_after=3)
    async with api_limit, Bot(TOKEN, base_url=api_limit.base_url) as limited:
        await limited.send_message(CHAT, "1")
        await limited.send_message(CHAT, "2")
        with pytest.raises(RetryAfter) as raised:
            await limited.send_message(CHAT, "3")
    assert raised.value.retry_after == timedelta(seconds=3)


async def test_forced_failures_hit_the_next_matching_calls_only(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next(2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "hi")
    await bot.send_message(CHAT, "hi")
    assert [call.status for call in api.calls_to("sendMessage")] == [502, 502, 200]


async def test_a_blocked_chat_answers_403(api: FakeBotApi, bot: Bot) -> None:
    api.block_chat(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(CHAT, "hi")
    await bot.send_message(CHAT + 1, "hi")


async def test_a_wrong_token_is_unauthorized_when_a_valid_one_is_set() -> None:
    async with FakeBotApi(valid_token=TOKEN) as strict:
        with pytest.raises(InvalidToken):
            async with Bot("999:wrong", base_url=strict.base_url):
                pass


async def test_wait_for_call_fails_with_the_calls_it_saw(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(CHAT, "hi")
    with pytest.raises(TimeoutError, match="sendMessage"):
        await api.wait_for_call("sendPhoto", within=0.1)


async def test_an_outage_fails_every_sending_call_until_it_ends(api: FakeBotApi, bot: Bot) -> None:
    now = [1000.0]
    api.clock = lambda: now[0]
    api.outage(30)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "hi")
    assert (await bot.get_me()).username == api.username  # not a sending method
    now[0] += 30
    await bot.send_message(CHAT, "hi")
    assert [call.status for call in api.calls_to("sendMessage")] == [502, 502, 200]


async def test_an_outage_can_hit_polling_with_429(api: FakeBotApi, bot: Bot) -> None:
    api.outage(5, 429, methods={"getUpdates"})
    with pytest.raises(RetryAfter) as raised:
        await bot.get_updates(timeout=0)
    assert raised.value.retry_after == timedelta(seconds=5)
    await bot.send_message(CHAT, "sending still works")


async def test_get_me_and_get_updates_can_be_made_to_fail(api: FakeBotApi) -> None:
    api.fail_next(1, methods={"getMe"})
    with pytest.raises(NetworkError, match="Bad Gateway"):
        async with Bot(TOKEN, base_url=api.base_url):
            pass
    api.fail_next(1, status=500, description="Internal Server Error", methods={"getUpdates"})
    async with Bot(TOKEN, base_url=api.base_url) as client:
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await client.get_updates(timeout=0)
        assert await client.get_updates(timeout=0) == ()


async def test_a_raw_update_is_delivered_exactly_as_given(api: FakeBotApi, bot: Bot) -> None:
    poison = {"update_id": 7, "message": {"message_id": 1}}  # no date, chat or sender
    api.push_raw_update(poison)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{api.port}/botANY/getUpdates")
    assert response.json()["result"] == [poison]
    with pytest.raises(KeyError):
        await bot.get_updates(timeout=0)

    assert api.push_message(CHAT, "hi")["update_id"] == 8
    updates = await bot.get_updates(offset=8, timeout=0)
    assert [update.update_id for update in updates] == [8]


async def test_an_upload_can_be_downloaded_through_get_file(bot: Bot) -> None:
    sent = await bot.send_photo(CHAT, b"\x89PNG fake")
    file = await bot.get_file(sent.photo[-1].file_id)
    assert await file.download_as_bytearray() == bytearray(b"\x89PNG fake")
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("never-uploaded")


async def test_bad_requests_answer_telegram_errors_as_json(api: FakeBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.port}") as client:
        missing_chat = await client.post("/botANY/sendMessage", data={"text": "hi"})
        nowhere = await client.get("/nowhere")
        no_file = await client.get("/file/botANY/photos/missing")
    assert missing_chat.status_code == 400
    assert missing_chat.json()["description"].startswith("Bad Request")
    assert [nowhere.status_code, no_file.status_code] == [404, 404]
    assert nowhere.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_stopping_the_server_answers_a_waiting_long_poll() -> None:
    server = FakeBotApi()
    async with server, Bot(TOKEN, base_url=server.base_url) as client:
        poll = asyncio.create_task(client.get_updates(timeout=30))
        await server.wait_until(lambda: server.long_polls == 1, within=5)
        await server.stop()
        assert await asyncio.wait_for(poll, 5) == ()
