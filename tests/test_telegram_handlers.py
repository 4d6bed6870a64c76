"""What a person sees from the bot, through the real Application with an offline request.

Updates go through ``Application.process_update``; the bot's calls are answered by the fake Bot
API's logic without sockets, so bad HTML, over-long messages or callback data would fail here
as they would on Telegram.
"""

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.config import Settings
from bot.engine import Context, Engine, Kind, Reply
from bot.engine.languages import Language
from bot.storage import Store
from bot.telegram.app import COMMANDS
from bot.telegram.replies import send_text
from bot.telegram.services import services
from tests.support.conversation import Conversation
from tests.support.fake_bot_api import FakeBotApi
from tests.support.keyboards import button_labels, callback_data
from tests.support.offline_request import TOKEN, deliver_pending, offline_application
from tests.support.stores import Stores

CHAT = 42
GROUP = -100500

JSONDict = dict[str, Any]


@dataclass
class Chat(Conversation):
    """One person talking to the bot, with the engine that should have answered."""

    engine: Engine


@pytest.fixture
async def chat(engine: Engine, stores: Stores, tmp_path: Path) -> AsyncIterator[Chat]:
    api = FakeBotApi()
    store = stores.open(tmp_path)
    # A knowledge folder without pictures: walkthroughs are text here (photos have their own
    # tests in test_pictures_telegram.py).
    settings = Settings(token=TOKEN, data_dir=tmp_path, knowledge_dir=tmp_path / "no-pictures")
    application = offline_application(engine, store, api, settings)
    async with application:
        yield Chat(api=api, application=application, chat_id=CHAT, engine=engine)
    store.close()


# ----------------------------------------------------------------------------- /start, /help
async def test_start_greets_and_offers_the_menu(chat: Chat) -> None:
    (reply,) = await chat.say("/start")
    assert reply["text"] == chat.engine.text("greeting")
    assert button_labels(reply) == [
        chat.engine.text(f"menu_button_{t}")
        for t in ("ask", "techniques", "routine", "safety", "reminder")
    ]


async def test_the_command_menu_is_registered_at_startup(chat: Chat) -> None:
    assert chat.application.post_init is not None
    await chat.application.post_init(chat.application)
    assert [c["command"] for c in chat.api.commands] == list(COMMANDS)


async def test_help_lists_what_the_bot_can_do(chat: Chat) -> None:
    (reply,) = await chat.say("/help")
    assert reply["text"] == chat.engine.text("help")


async def test_help_names_every_command_in_the_menu(chat: Chat) -> None:
    (reply,) = await chat.say("/help")
    assert [name for name in COMMANDS if f"/{name}" not in reply["text"]] == []


@pytest.mark.parametrize(
    ("target", "expected_start"),
    [
        ("ask", "ask_prompt"),
        ("techniques", "techniques_intro"),
        ("reminder", "reminder_hint"),
    ],
)
async def test_menu_buttons_open_their_feature(
    chat: Chat, target: str, expected_start: str
) -> None:
    (menu,) = await chat.say("/start")
    (reply,) = await chat.press(menu, chat.engine.text(f"menu_button_{target}"))
    assert reply["text"] == chat.engine.text(expected_start)


async def test_menu_routine_and_safety_buttons_answer_from_the_engine(chat: Chat) -> None:
    (menu,) = await chat.say("/start")
    (routine,) = await chat.press(menu, chat.engine.text("menu_button_routine"))
    (safety,) = await chat.press(menu, chat.engine.text("menu_button_safety"))
    assert routine["text"].startswith(chat.engine.step_page("self-massage-routine", 0).text)
    assert safety["text"] == chat.engine.reply_for("safety-overview").text


# ----------------------------------------------------------------------------- questions
async def test_a_question_gets_the_engine_answer_and_up_to_three_related_buttons(
    chat: Chat,
) -> None:
    question = "How often should I massage my feet?"
    expected = chat.engine.answer(question)
    (reply,) = await chat.say(question)
    assert reply["text"] == expected.text
    thumbs = [chat.engine.text("feedback_helpful"), chat.engine.text("feedback_unhelpful")]
    assert button_labels(reply) == [s.label for s in expected.related[:3]] + thumbs


async def test_a_related_button_answers_that_question(chat: Chat) -> None:
    (reply,) = await chat.say("How often should I massage my feet?")
    related = chat.engine.answer("How often should I massage my feet?").related[0]
    (follow_up,) = await chat.press(reply, related.label)
    assert follow_up["text"] == chat.engine.reply_for(related.entry_id).text


async def test_a_health_answer_carries_the_disclaimer(chat: Chat) -> None:
    (reply,) = await chat.say("Is foot massage safe during pregnancy?")
    assert chat.engine.text("disclaimer") in reply["text"]


async def test_a_fallback_offers_its_suggestions_as_buttons(chat: Chat) -> None:
    question = "feet thing"
    expected = chat.engine.answer(question)
    assert expected.kind is Kind.FALLBACK
    assert expected.suggestions
    (reply,) = await chat.say(question)
    assert reply["text"] == expected.text
    assert button_labels(reply) == [s.label for s in expected.suggestions]
    (answer,) = await chat.press(reply, expected.suggestions[0].label)
    assert answer["text"] == chat.engine.reply_for(expected.suggestions[0].entry_id).text


async def test_text_full_of_markup_characters_cannot_break_a_reply(chat: Chat) -> None:
    (reply,) = await chat.say("<b>feet</b> & <script>*_`[x](y)")
    assert chat.api.calls_to("sendMessage")[-1].ok
    assert reply["text"]


async def test_a_5000_character_message_is_answered(chat: Chat) -> None:
    (reply,) = await chat.say("How often should I massage my feet? " * 140)
    assert reply["text"]


async def test_an_edited_message_is_answered_as_a_new_question(chat: Chat) -> None:
    chat.api.push_message(CHAT, "How oftn shuld I masage?")
    await deliver_pending(chat.application)
    question = chat.api.bot_messages(CHAT)[-1]["message_id"] - 1
    chat.api.push_edited(CHAT, question, "Which oil should I use?")
    replies = await chat._deliver(CHAT)
    assert [r["text"] for r in replies] == [chat.engine.answer("Which oil should I use?").text]


async def test_a_reply_longer_than_a_message_is_split_with_buttons_under_the_last_piece(
    chat: Chat,
) -> None:
    long_text = "\n\n".join(f"Paragraph {n}. " + "rub " * 300 for n in range(6))
    await send_text(chat.application.bot, CHAT, long_text)
    pieces = chat.api.bot_messages(CHAT)
    assert len(pieces) == 2
    assert all(piece["text"].startswith("Paragraph") for piece in pieces)


# ----------------------------------------------------------------------------- walkthroughs
async def test_a_technique_question_opens_its_walkthrough(chat: Chat) -> None:
    (page,) = await chat.say("show me thumb walking")
    assert page["text"] == chat.engine.step_page("thumb-walking", 0).text
    assert button_labels(page) == [
        chat.engine.text("walkthrough_next"),
        chat.engine.text("walkthrough_done"),
    ]


async def test_next_and_back_edit_the_same_message_in_place(chat: Chat) -> None:
    (page,) = await chat.say("/techniques")
    (walk,) = await chat.press(page, "Heel squeeze")
    assert await chat.press(walk, chat.engine.text("walkthrough_next")) == []
    assert chat.current(walk)["text"] == chat.engine.step_page("heel-squeeze", 1).text
    assert await chat.press(chat.current(walk), chat.engine.text("walkthrough_back")) == []
    assert chat.current(walk)["text"] == chat.engine.step_page("heel-squeeze", 0).text


async def test_a_press_too_old_for_telegram_to_answer_still_turns_the_page(chat: Chat) -> None:
    (walk,) = await chat.say("/routine")
    next_data = callback_data(walk, chat.engine.text("walkthrough_next"))
    old = {"chat": walk["chat"], "message_id": walk["message_id"], "date": 0}
    person = {"id": CHAT, "is_bot": False, "first_name": "Ana"}
    query = {"id": "cq-expired", "from": person, "chat_instance": "ci", "data": next_data}
    chat.api.push_update({"callback_query": {**query, "message": old}})
    await deliver_pending(chat.application)
    assert chat.current(walk)["text"] == chat.engine.step_page("self-massage-routine", 1).text
    assert chat.engine.text("error_message") not in str(chat.api.bot_messages(CHAT))


async def test_next_on_a_page_that_can_no_longer_be_edited_sends_a_fresh_page(chat: Chat) -> None:
    (walk,) = await chat.say("/routine")
    next_data = callback_data(walk, chat.engine.text("walkthrough_next"))
    (fresh,) = await chat.press_data({"message_id": 999}, next_data)  # deleted since
    assert fresh["text"] == chat.engine.step_page("self-massage-routine", 1).text


async def test_the_last_step_has_no_next_button(chat: Chat) -> None:
    (walk,) = await chat.say("/routine")
    for _ in range(len(chat.engine.routine().steps) - 1):
        await chat.press(chat.current(walk), chat.engine.text("walkthrough_next"))
    last = chat.current(walk)
    assert last["text"] == chat.engine.step_page("self-massage-routine", 3).text
    assert button_labels(last) == [
        chat.engine.text("walkthrough_back"),
        chat.engine.text("walkthrough_done"),
        chat.engine.text("walkthrough_share"),
    ]


async def test_a_chats_language_is_stored_only_when_its_app_language_would_not_give_it(
    chat: Chat,
) -> None:
    store = services(chat.application).store
    await chat.say("How often should I massage my feet?")
    assert await store.call(Store.chat_language, CHAT) is None
    (reply,) = await chat.say("comment masser mes pieds le soir ?")
    assert reply["text"] == chat.engine.answer("comment masser mes pieds le soir ?").text
    assert await store.call(Store.chat_language, CHAT) == "fr"
    (thanks,) = await chat.say("ok")
    assert thanks["text"] == chat.engine.text("thanks", Language.FR)


async def test_setting_a_reminder_stores_the_chats_language_for_the_nightly_message(
    chat: Chat,
) -> None:
    store = services(chat.application).store
    await chat.say("/reminder 21:30 Europe/Paris")
    assert await store.call(Store.chat_language, CHAT) == "en"


async def test_the_last_step_offers_a_share_link_that_opens_the_same_walkthrough(
    chat: Chat,
) -> None:
    (walk,) = await chat.say("/techniques")
    (page,) = await chat.press(walk, chat.engine.entry("ankle-rotations").title)
    for _ in range(len(chat.engine.entry("ankle-rotations").steps) - 1):
        await chat.press(chat.current(page), chat.engine.text("walkthrough_next"))
    share = chat.current(page)["reply_markup"]["inline_keyboard"][-1][0]
    shared = parse_qs(urlsplit(share["url"]).query)
    assert shared["url"] == [f"https://t.me/{chat.api.username}?start=ankle-rotations"]
    assert chat.engine.entry("ankle-rotations").title in shared["text"][0]
    (opened,) = await chat.say("/start ankle-rotations", chat_id=CHAT + 1)
    shown = opened.get("caption", opened.get("text"))
    assert shown == chat.engine.step_page("ankle-rotations", 0).text


async def test_a_double_tap_on_next_is_harmless(chat: Chat) -> None:
    (walk,) = await chat.say("/routine")
    next_data = callback_data(walk, chat.engine.text("walkthrough_next"))
    await chat.press_data(walk, next_data)
    await chat.press_data(walk, next_data)
    assert chat.current(walk)["text"] == chat.engine.step_page("self-massage-routine", 1).text
    assert chat.api.bot_messages(CHAT) == [chat.current(walk)]


async def test_done_offers_the_next_technique_and_the_routine(chat: Chat) -> None:
    (walk,) = await chat.say("show me thumb walking")
    (offer,) = await chat.press(walk, chat.engine.text("walkthrough_done"))
    assert "reply_markup" not in chat.current(walk)
    assert offer["text"] == chat.engine.text("walkthrough_finished", title="Thumb walking")
    assert button_labels(offer) == [
        chat.engine.text("walkthrough_next_technique", title="Knuckle kneading"),
        chat.engine.text("walkthrough_routine"),
    ]
    (next_walk,) = await chat.press(offer, button_labels(offer)[0])
    assert next_walk["text"] == chat.engine.step_page("knuckle-kneading", 0).text


async def test_done_after_the_routine_offers_the_techniques(chat: Chat) -> None:
    (walk,) = await chat.say("/routine")
    (offer,) = await chat.press(walk, chat.engine.text("walkthrough_done"))
    (listing,) = await chat.press(offer, chat.engine.text("walkthrough_all_techniques"))
    assert listing["text"] == chat.engine.text("techniques_intro")


async def test_techniques_lists_the_eight_and_the_routine(chat: Chat) -> None:
    (listing,) = await chat.say("/techniques")
    titles = [entry.title for entry in chat.engine.techniques()]
    assert button_labels(listing) == [*titles, chat.engine.text("techniques_button_routine")]


# ----------------------------------------------------------------------------- stale buttons
async def test_a_button_from_other_knowledge_says_the_menu_is_out_of_date(chat: Chat) -> None:
    (walk,) = await chat.say("/routine")
    stale = "0ld0ld00:step:self-massage-routine:1"
    (fresh,) = await chat.press_data(walk, stale)
    assert fresh["text"] == chat.engine.text("menu_out_of_date")
    assert len(button_labels(fresh)) == 5
    answer = chat.api.calls_to("answerCallbackQuery")[-1]
    assert answer.params["text"] == chat.engine.text("menu_out_of_date_alert")
    assert chat.current(walk)["text"] == chat.engine.step_page("self-massage-routine", 0).text


@pytest.mark.parametrize(
    "data", ["nonsense", "{version}:no-such-action", "{version}:answer:no-such-entry"]
)
async def test_unknown_buttons_get_a_fresh_menu(chat: Chat, data: str) -> None:
    (menu,) = await chat.say("/start")
    (fresh,) = await chat.press_data(menu, data.format(version=chat.engine.version))
    assert fresh["text"] == chat.engine.text("menu_out_of_date")
    assert all(call.ok for call in chat.api.calls)


# ----------------------------------------------------------------------------- safety, benefits
async def test_safety_explains_when_not_to_massage_with_the_disclaimer(chat: Chat) -> None:
    (reply,) = await chat.say("/safety")
    assert reply["text"] == chat.engine.reply_for("safety-overview").text
    assert chat.engine.text("disclaimer") in reply["text"]


async def test_benefits_are_offered_as_eight_buttons(chat: Chat) -> None:
    (reply,) = await chat.say("/benefits")
    assert button_labels(reply) == [entry.title for entry in chat.engine.benefits()]
    (benefit,) = await chat.press(reply, chat.engine.benefits()[0].title)
    assert benefit["text"] == chat.engine.reply_for(chat.engine.benefits()[0].id).text


# ----------------------------------------------------------------------------- inline mode
async def test_inline_mode_offers_up_to_ten_answers_with_disclaimers_where_due(
    chat: Chat,
) -> None:
    chat.api.push_inline_query(CHAT, "heel")
    await deliver_pending(chat.application)
    (call,) = chat.api.calls_to("answerInlineQuery")
    results = call.params["results"]
    expected = chat.engine.search("heel", limit=10)
    assert call.ok
    assert 1 <= len(results) <= 10
    assert [r["id"] for r in results] == [reply.entry_id for reply in expected]
    for result, reply in zip(results, expected, strict=True):
        has_disclaimer = (
            chat.engine.text("disclaimer") in result["input_message_content"]["message_text"]
        )
        assert has_disclaimer == reply.disclaimer


# ----------------------------------------------------------------------------- non-text
@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "document"])
async def test_non_text_messages_get_a_text_only_notice(chat: Chat, kind: str) -> None:
    (reply,) = await chat.send_media(kind)
    assert reply["text"] == chat.engine.text("text_only")


# ----------------------------------------------------------------------------- groups
async def test_in_a_group_plain_chatter_is_ignored(chat: Chat) -> None:
    assert await chat.say("how often should I massage?", GROUP, chat_type="group") == []


async def test_in_a_group_commands_mentions_and_replies_are_answered(chat: Chat) -> None:
    (menu,) = await chat.say("/start", GROUP, chat_type="group")
    mention = f"@{chat.api.username} how often should I massage my feet?"
    (answer,) = await chat.say(mention, GROUP, chat_type="group")
    assert answer["text"] == chat.engine.answer("how often should I massage my feet?").text
    (reply,) = await chat.say(
        "which oil should I use?", GROUP, chat_type="group", reply_to_message_id=menu["message_id"]
    )
    assert reply["text"] == chat.engine.answer("which oil should I use?").text


async def test_in_a_group_commands_for_another_bot_are_ignored(chat: Chat) -> None:
    assert await chat.say("/start@some_other_bot", GROUP, chat_type="group") == []


# ----------------------------------------------------------------------------- failures
async def test_a_failure_is_logged_without_the_message_and_the_person_is_told(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    chat.api.fail_next(1, status=400, description="Bad Request: something odd")
    with caplog.at_level(logging.INFO):
        (apology,) = await chat.say("my private swollen ankle question")
    assert apology["text"] == chat.engine.text("error_message")
    assert "failed to handle message for chat 42" in caplog.text
    assert "swollen" not in caplog.text


async def test_a_blocked_chat_is_logged_quietly_without_an_apology(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    chat.api.block_chat(CHAT)
    with caplog.at_level(logging.INFO):
        await chat.say("/start")
    assert [call.method for call in chat.api.calls if call.chat_id == CHAT] == ["sendMessage"]
    assert "chat 42 is unreachable" in caplog.text
    assert "Traceback" not in caplog.text


async def test_an_unknown_command_points_to_help(chat: Chat) -> None:
    (reply,) = await chat.say("/massageme")
    assert reply["text"] == chat.engine.text("unknown_command")


async def test_an_unknown_command_addressed_to_this_bot_in_a_group_points_to_help(
    chat: Chat,
) -> None:
    (reply,) = await chat.say(f"/foo@{chat.api.username}", GROUP, chat_type="group")
    assert reply["text"] == chat.engine.text("unknown_command")


async def test_a_channel_post_that_mentions_the_bot_gets_no_reply(chat: Chat) -> None:
    chat.api.push_message(GROUP, f"/foo @{chat.api.username} how often?", chat_type="channel")
    (update,) = chat.api.take_updates()
    chat.api.push_update({"channel_post": update["message"]})
    await deliver_pending(chat.application)
    assert chat.api.bot_messages(GROUP) == []


async def test_an_unknown_command_in_a_group_for_another_bot_is_ignored(chat: Chat) -> None:
    assert await chat.say("/foo@some_other_bot", GROUP, chat_type="group") == []


# ----------------------------------------------------------------------------- follow-ups
async def test_a_follow_up_is_read_against_the_chats_last_answer(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.say("show me thumb walking")
    seen: list[Context | None] = []
    answer = chat.engine.answer

    def remembering(message: str, context: Context | None = None) -> Reply:
        seen.append(context)
        return answer(message, context=context)

    monkeypatch.setattr(chat.engine, "answer", remembering)
    await chat.say("how long should I do it?")
    (context,) = seen
    assert context is not None
    assert context.recent_entry() == "thumb-walking"
