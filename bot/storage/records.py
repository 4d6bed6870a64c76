"""What the store keeps, as the rest of the bot sees it: plain values, whichever database."""

from __future__ import annotations

from dataclasses import dataclass

QUESTION_DAYS = 30
MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Subscription:
    """Everything stored about one chat's reminder (and nothing else: never message text).

    ``local_time`` is "HH:MM" or None when only a zone has been chosen; ``next_due_utc`` (Unix
    seconds) is None while the reminder is off; ``snoozed_until_utc`` is set while the next due
    time is a snooze rather than the daily reminder.
    """

    chat_id: int
    local_time: str | None
    zone: str
    next_due_utc: int | None = None
    last_sent_local_date: str | None = None
    snoozed_until_utc: int | None = None

    def row(self) -> tuple[int, str | None, str, int | None, str | None, int | None]:
        return (
            self.chat_id,
            self.local_time,
            self.zone,
            self.next_due_utc,
            self.last_sent_local_date,
            self.snoozed_until_utc,
        )


@dataclass(frozen=True)
class Question:
    """A message the bot could not answer well, as the operator reviews it.

    ``reason`` is "fallback", "unsure" (answered with low confidence) or "follow-up" (what a
    person said they were looking for after a 👎); ``best_guess`` is the entry the engine came
    closest to.
    """

    asked_at: int
    person: str
    reason: str
    text: str
    best_guess: str | None
    confidence: float


@dataclass(frozen=True)
class Verdict:
    """The 👍 / 👎 given to one entry's answers."""

    entry_id: str
    helpful: int
    unhelpful: int


class StorageError(Exception):
    """The database cannot be opened or used; the message is one line naming what to fix."""
