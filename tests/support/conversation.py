"""A person talking to an offline bot, for handler tests that read like a conversation."""

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from tests.support.fake_bot_api import FakeBotApi, JSONDict
from tests.support.keyboards import callback_data
from tests.support.offline_request import deliver_pending


@dataclass
class Conversation:
    """Each method pushes what the person does and returns the bot messages it caused."""

    api: FakeBotApi
    application: Application
    chat_id: int

    async def _deliver(self, chat_id: int) -> list[JSONDict]:
        messages = self.api.bot_messages(chat_id)
        before = messages[-1]["message_id"] if messages else 0
        await deliver_pending(self.application)
        return [m for m in self.api.bot_messages(chat_id) if m["message_id"] > before]

    async def say(self, text: str, chat_id: int | None = None, **options: Any) -> list[JSONDict]:
        chat_id = self.chat_id if chat_id is None else chat_id
        self.api.push_message(chat_id, text, **options)
        return await self._deliver(chat_id)

    async def press(self, message: JSONDict, label: str) -> list[JSONDict]:
        return await self.press_data(message, callback_data(message, label))

    async def press_data(self, message: JSONDict, data: str) -> list[JSONDict]:
        self.api.push_callback(self.chat_id, message["message_id"], data)
        return await self._deliver(self.chat_id)

    async def send_media(self, kind: str) -> list[JSONDict]:
        self.api.push_media(self.chat_id, kind)
        return await self._deliver(self.chat_id)

    def current(self, message: JSONDict) -> JSONDict:
        """The message as it is now, after any edits."""
        return self.api.message(self.chat_id, message["message_id"])
