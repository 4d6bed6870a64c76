"""Who the bot talks to: everyone in a private chat; in groups only when addressed.

In a group the bot answers commands (CommandHandler already checks ``/cmd@thisbot``), messages
that mention it and replies to its own messages, and stays quiet otherwise, so it never butts
into a conversation between people.
"""

from telegram import Message, MessageEntity
from telegram.constants import ChatType
from telegram.ext import filters


class _AddressedToBot(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        replied = message.reply_to_message
        if (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == bot.id
        ):
            return True
        return f"@{bot.username}".lower() in _mentions(message)


ADDRESSED = _AddressedToBot(name="addressed to the bot")


def without_mention(message: Message) -> str:
    """The message text with the bot's @username taken out (the question itself)."""
    text = message.text or ""
    mention = f"@{message.get_bot().username}"
    index = text.lower().find(mention.lower())
    if index < 0:
        return text
    return (text[:index] + text[index + len(mention) :]).strip()


def _mentions(message: Message) -> set[str]:
    return {
        mention.lower() for mention in message.parse_entities([MessageEntity.MENTION]).values()
    }
