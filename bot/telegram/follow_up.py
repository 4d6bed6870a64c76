"""The one follow-up the bot waits for: after a 👎, what the person was looking for.

Kept in the chat's memory (``chat_data``) for ``FOLLOW_UP_SECONDS``: asked once, read once, and
lost on a restart, which costs at most one thank-you.
"""

import time

from telegram.ext import ContextTypes

MISSED = "missed"
FOLLOW_UP_SECONDS = 600


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
