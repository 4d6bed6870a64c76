"""Who the bot talks to: everyone in a private chat; in groups only when addressed; never in
channels.

In a group the bot answers commands (CommandHandler already checks ``/cmd@thisbot``), commands
addressed to it that no feature knows, messages that mention it and replies to its own messages,
and stays quiet otherwise, so it never butts into a conversation between people. A channel is a
broadcast by its owners: a post that mentions the bot is not a question to it.
"""

from telegram import Message, MessageEntity
from telegram.constants import ChatType
from telegram.ext import filters


class _AddressedToBot(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        if message.chat.type == ChatType.CHANNEL:
            return False
        bot = message.get_bot()
        replied = message.reply_to_message
        if (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == bot.id
        ):
            return True
        return f"@{bot.username}".lower() in _mentions(message)


def _mentions(message: Message) -> set[str]:
    """Every @name in the message, including the one a command carries (``/foo@name``)."""
    found = message.parse_entities([MessageEntity.MENTION, MessageEntity.BOT_COMMAND]).values()
    return {f"@{text.lower().partition('@')[2]}" for text in found if "@" in text}


ADDRESSED = _AddressedToBot(name="addressed to the bot")


def without_mention(message: Message) -> str:
    """The message text with the bot's @username taken out (the question itself)."""
    text = message.text or ""
    mention = f"@{message.get_bot().username}"
    index = text.lower().find(mention.lower())
    if index < 0:
        return text
    return (text[:index] + text[index + len(mention) :]).strip()
