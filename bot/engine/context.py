"""What the engine may know of a conversation: the last entry it answered and when, and the
chat's language (for a message too short to show its own: bot/engine/languages.py).

A short follow-up that names no topic ("how long should I do it?", "is it ok when pregnant?")
is read against the last answer of the same chat, for ``FOLLOW_UP_WINDOW`` after it. The engine
keeps nothing between calls: the channel remembers the last reply's ``entry_id`` per chat, in
memory, and passes it back::

    reply = engine.answer("how long should I do it?",
                          context=Context(last_entry_id="thumb-walking", at=sent_at))
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.engine.languages import Language

FOLLOW_UP_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Context:
    """The last entry answered in this chat, the (timezone-aware) time it was answered, and the
    language the chat speaks, if known."""

    last_entry_id: str | None = None
    at: datetime | None = None
    language: Language | None = None

    def recent_entry(self, now: datetime | None = None) -> str | None:
        """The last entry's id while a follow-up may still refer to it, else None."""
        if self.last_entry_id is None or self.at is None:
            return None
        elapsed = (now or datetime.now(UTC)) - self.at
        return self.last_entry_id if timedelta(0) <= elapsed <= FOLLOW_UP_WINDOW else None
