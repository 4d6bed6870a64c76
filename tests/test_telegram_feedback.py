"""👍 / 👎 on answers, and what is kept for the operator's review (through the real handlers)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.engine import Engine, Kind
from bot.storage import Store
from bot.unanswered import FALLBACK, FOLLOW_UP
from tests.support.conversation import Conversation
from tests.support.fake_bot_api import FakeBotApi
from tests.support.keyboards import button_labels
from tests.support.offline_request import TOKEN, offline_application
from tests.support.stores import Stores

CHAT = 42
ANSWERED = "Which oil should I use?"
UNANSWERABLE = "zqvx blorp wibble?"


@dataclass
class Chat(Conversation):
    engine: Engine
    store: Store

    @property
    def helpful(self) -> str:
        return self.engine.text("feedback_helpful")

    @property
    def unhelpful(self) -> str:
        return self.engine.text("feedback_unhelpful")

    def kept(self) -> list[tuple[str, str]]:
        return [(q.reason, q.text) for q in self.store.questions_since(0)]


async def open_chat(engine: Engine, store: Store, **settings: Any) -> AsyncIterator[Chat]:
    api = FakeBotApi()
    application = offline_application(
        engine,
        store,
        api,
        Settings(token=TOKEN, data_dir=store.data_dir, **settings),
    )
    async with application:
        yield Chat(api=api, application=application, chat_id=CHAT, engine=engine, store=store)
    store.close()


@pytest.fixture
async def chat(engine: Engine, stores: Stores, tmp_path: Path) -> AsyncIterator[Chat]:
    async for opened in open_chat(engine, stores.open(tmp_path)):
        yield opened


async def test_an_answer_carries_a_thumbs_row_under_its_follow_ups(chat: Chat) -> None:
    (answer,) = await chat.say(ANSWERED)
    assert button_labels(answer)[-2:] == [chat.helpful, chat.unhelpful]


async def test_a_fallback_carries_no_thumbs(chat: Chat) -> None:
    (fallback,) = await chat.say(UNANSWERABLE)
    assert chat.engine.answer(UNANSWERABLE).kind is Kind.FALLBACK
    assert chat.helpful not in button_labels(fallback)


async def test_a_thumbs_up_counts_once_and_the_row_goes_away(chat: Chat) -> None:
    (answer,) = await chat.say(ANSWERED)
    assert await chat.press(answer, chat.helpful) == []
    assert chat.helpful not in button_labels(chat.current(answer))
    assert await chat.press(answer, chat.helpful) == []  # an old copy of the row, pressed again
    (verdict,) = chat.store.verdicts_since(0)
    assert (verdict.helpful, verdict.unhelpful) == (1, 0)


async def test_a_thumbs_down_asks_once_and_keeps_the_next_message_as_a_follow_up(
    chat: Chat,
) -> None:
    (answer,) = await chat.say(ANSWERED)
    (asked,) = await chat.press(answer, chat.unhelpful)
    assert asked["text"] == chat.engine.text("feedback_ask")
    (thanks,) = await chat.say("oil for cracked heels in winter")
    assert thanks["text"] == chat.engine.text("feedback_thanks")
    assert chat.kept() == [(FOLLOW_UP, "oil for cracked heels in winter")]
    (next_answer,) = await chat.say(ANSWERED)
    assert next_answer["text"] == chat.engine.answer(ANSWERED).text


async def test_an_emergency_after_a_thumbs_down_gets_the_urgent_reply_and_is_not_kept(
    chat: Chat,
) -> None:
    (answer,) = await chat.say(ANSWERED)
    await chat.press(answer, chat.unhelpful)
    emergency = "my calf is suddenly swollen, red and hot after the flight"
    (reply,) = await chat.say(emergency)
    assert reply["text"] == chat.engine.answer(emergency).text
    assert chat.kept() == []


async def test_a_fallback_is_kept_with_the_engines_best_guess_and_an_answer_is_not(
    chat: Chat,
) -> None:
    await chat.say(ANSWERED)
    await chat.say(UNANSWERABLE)
    (kept,) = chat.store.questions_since(0)
    assert (kept.reason, kept.text) == (FALLBACK, UNANSWERABLE)
    assert kept.person == chat.store.person(CHAT) != str(CHAT)


async def test_a_message_with_an_email_address_is_never_kept(chat: Chat) -> None:
    await chat.say("zqvx blorp, write to ana@example.org")
    assert chat.kept() == []


async def test_forget_removes_the_persons_questions_and_feedback(chat: Chat) -> None:
    (answer,) = await chat.say(ANSWERED)
    await chat.press(answer, chat.unhelpful)
    await chat.say("oil for cracked heels in winter")
    await chat.say(UNANSWERABLE)
    await chat.say("/forget")
    assert chat.kept() == []
    assert chat.store.verdicts_since(0) == []


async def test_with_the_question_log_off_nothing_is_kept_and_a_thumbs_down_asks_nothing(
    engine: Engine, stores: Stores, tmp_path: Path
) -> None:
    async for chat in open_chat(engine, stores.open(tmp_path), keep_questions=False):
        await chat.say(UNANSWERABLE)
        (answer,) = await chat.say(ANSWERED)
        assert await chat.press(answer, chat.unhelpful) == []
        assert chat.kept() == []
        assert len(chat.store.verdicts_since(0)) == 1


def test_footbot_keep_questions_0_turns_the_log_off() -> None:
    assert Settings.from_env({"FOOTBOT_KEEP_QUESTIONS": "0"}).keep_questions is False
    assert Settings.from_env({}).keep_questions is True
