"""Recording what the operator reviews: the questions the bot missed, and replies per day.

Missed questions are written at once (they are few, and each must survive a crash); replies
per day are counted in memory and added to the store once a minute and at shutdown, so the
common path, an answered question, costs no disk write. What is kept, and what never is, is
decided in bot/unanswered.py; questions and 👍 / 👎 older than ``QUESTION_DAYS`` are deleted
daily.
"""

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from bot.engine import Reply
from bot.storage import QUESTION_DAYS, Question, Store
from bot.unanswered import FOLLOW_UP, keepable, reason_to_keep

Clock = Callable[[], datetime]
Context = CallbackContext[Any, Any, Any, Any]
FLUSH_SECONDS = 60
AGE_OUT_SECONDS = 24 * 60 * 60


def _now() -> datetime:
    return datetime.now(UTC)


class ReviewLog:
    def __init__(self, store: Store, *, keep_questions: bool, clock: Clock = _now) -> None:
        self.store = store
        self.keep_questions = keep_questions
        self._clock = clock
        self._replies: Counter[tuple[str, str]] = Counter()

    async def replied(self, chat_id: int, text: str, reply: Reply) -> None:
        """Count a reply to free text, and keep the message if it deserves review."""
        self._replies[(self._clock().date().isoformat(), reply.kind.value)] += 1
        reason = reason_to_keep(reply)
        if reason is not None:
            await self._keep(chat_id, text, reply, reason, reply.entry_id)

    async def followed_up(self, chat_id: int, text: str, reply: Reply, missed_entry: str) -> None:
        """What a person was looking for, told after a 👎 on ``missed_entry``."""
        await self._keep(chat_id, text, reply, FOLLOW_UP, missed_entry)

    async def flush(self) -> None:
        if self._replies:
            counts = [(day, kind, count) for (day, kind), count in self._replies.items()]
            self._replies.clear()
            await self.store.call(Store.add_replies, counts)

    async def age_out(self) -> int:
        cutoff = self._clock() - timedelta(days=QUESTION_DAYS)
        return await self.store.call(Store.forget_before, int(cutoff.timestamp()))

    async def _keep(
        self, chat_id: int, text: str, reply: Reply, reason: str, best_guess: str | None
    ) -> None:
        if not self.keep_questions or not keepable(text, reply):
            return
        question = Question(
            asked_at=int(self._clock().timestamp()),
            person=self.store.person(chat_id),
            reason=reason,
            text=text,
            best_guess=best_guess,
            confidence=reply.confidence,
        )
        await self.store.call(Store.log_question, question)


def schedule_review_upkeep(job_queue: JobQueue[Context], review_log: ReviewLog) -> None:
    """Add the day's reply counts to the store each minute; delete old questions daily."""

    async def flush(context: Context) -> None:
        await review_log.flush()

    async def age_out(context: Context) -> None:
        await review_log.age_out()

    job_queue.run_repeating(
        flush, interval=FLUSH_SECONDS, first=FLUSH_SECONDS, name="review-flush"
    )
    job_queue.run_repeating(age_out, AGE_OUT_SECONDS, first=0, name="review-age-out")
