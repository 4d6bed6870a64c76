"""What the bot remembers of a chat, in memory and for a few minutes only.

- The last entry it answered or walked through, so a short follow-up ("how long should I do
  it?") can refer to it; the engine decides what counts as a follow-up (bot/engine/context.py).
- After a 👎, that it is waiting for what the person was looking for: asked once, read once.

Both live in ``chat_data``, so a restart forgets them, which costs at most one plain answer or
one thank-you.
"""

import time
from datetime import UTC, datetime

from telegram.ext import ContextTypes

from bot.engine import Context
from bot.telegram.chat_language import chat_language

LAST_ANSWER = "last_answer"
MISSED = "missed"
FOLLOW_UP_SECONDS = 600


def remember_answer(context: ContextTypes.DEFAULT_TYPE, entry_id: str) -> None:
    if context.chat_data is not None:
        context.chat_data[LAST_ANSWER] = (entry_id, datetime.now(UTC))


def conversation(context: ContextTypes.DEFAULT_TYPE) -> Context:
    """What the engine may know of this chat: its last answer and its language."""
    last = context.chat_data.get(LAST_ANSWER) if context.chat_data is not None else None
    language = chat_language(context)
    if last is None:
        return Context(language=language)
    return Context(last_entry_id=last[0], at=last[1], language=language)


def remember_miss(context: ContextTypes.DEFAULT_TYPE, entry_id: str) -> None:
    if context.chat_data is not None:
        context.chat_data[MISSED] = (entry_id, time.monotonic())


def take_miss(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The entry a recent 👎 in this chat was given on, once (then it is forgotten)."""
    if context.chat_data is None:
        return None
    pending = context.chat_data.pop(MISSED, None)
    if pending is None:
        return None
    entry_id, asked_at = pending
    return str(entry_id) if time.monotonic() - asked_at < FOLLOW_UP_SECONDS else None
