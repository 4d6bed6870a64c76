"""What the operator can watch: Prometheus metrics of the running bot.

One ``Metrics`` object per application, on its own registry (so tests and benchmarks never
share counters), reached through the services. Metrics carry kinds, outcomes and durations,
never a message text or a chat id. Every label value is created at start, so a series reads 0
rather than being absent until its first event (a ratio of two counters needs both).

A 429 reaches only the rate limiter, which cannot tell a reminder from a reply; the reminder
delivery marks its own sends with ``sending_reminders``. The mark is a context variable, so it
stays inside the delivery's task and never reaches a reply sent at the same moment.
"""

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.engine import Kind

REMINDER_OUTCOMES = ("sent", "failed", "blocked")
# Reminders go out within seconds of their minute, or minutes after it when thousands share a
# minute (28 are sent a second); one missed while the bot was down is still sent up to an hour
# late (bot/reminders/schedule.py).
LAG_BUCKETS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)

_sending_reminders: ContextVar[bool] = ContextVar("sending_reminders", default=False)


@contextmanager
def sending_reminders() -> Iterator[None]:
    """Bot API calls made inside this block count as the reminder delivery's."""
    mark = _sending_reminders.set(True)
    try:
        yield
    finally:
        _sending_reminders.reset(mark)


class Metrics:
    """What /metrics shows, and the time of the last Bot API success that /healthz reads."""

    def __init__(
        self,
        subscribers: Callable[[], Awaitable[int]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``subscribers`` is awaited before each scrape (``count_subscribers``), off the
        event loop since it asks the database; ``clock`` gives Unix time."""
        self.registry = CollectorRegistry()
        self._clock = clock
        self.last_bot_api_success: float | None = None
        self._updates = Counter(
            "footbot_updates", "Updates from Telegram handled", registry=self.registry
        )
        self._replies = Counter(
            "footbot_replies", "Replies to free text, by kind", ["kind"], registry=self.registry
        )
        self._answer_seconds = Histogram(
            "footbot_answer_seconds",
            "Time the answer engine took for one message",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1),
            registry=self.registry,
        )
        self._feedback = Counter(
            "footbot_feedback", "👍 / 👎 given on answers", ["verdict"], registry=self.registry
        )
        self._reminders = Counter(
            "footbot_reminders",
            "Reminders handed to the Bot API, by outcome (blocked: 403, the subscription is gone)",
            ["outcome"],
            registry=self.registry,
        )
        self._reminder_lag = Histogram(
            "footbot_reminder_lag_seconds",
            "How long after its scheduled minute a reminder was delivered",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self._rate_limited = Counter(
            "footbot_rate_limited",
            "429 answers from Telegram, each waited out and retried, by who was sending",
            ["sender"],
            registry=self.registry,
        )
        Gauge(
            "footbot_bot_api_last_success_timestamp_seconds",
            "Unix time of the last Bot API call that succeeded (0: none yet)",
            registry=self.registry,
        ).set_function(lambda: self.last_bot_api_success or 0.0)
        self._count_subscribers = subscribers
        self._subscribers = Gauge(
            "footbot_subscribers", "Chats with a nightly reminder on", registry=self.registry
        )
        for kind in Kind:
            self._replies.labels(kind.value)
        for verdict in ("helpful", "unhelpful"):
            self._feedback.labels(verdict)
        for outcome in REMINDER_OUTCOMES:
            self._reminders.labels(outcome)
        for sender in ("reminders", "other"):
            self._rate_limited.labels(sender)

    async def count_subscribers(self) -> None:
        if self._count_subscribers is not None:
            self._subscribers.set(await self._count_subscribers())

    def update_handled(self) -> None:
        self._updates.inc()

    def reply_sent(self, kind: str) -> None:
        self._replies.labels(kind).inc()

    def answer_timed(self, seconds: float) -> None:
        self._answer_seconds.observe(seconds)

    def feedback_given(self, helpful: bool) -> None:
        self._feedback.labels("helpful" if helpful else "unhelpful").inc()

    def reminder_sent(self, lag_seconds: float) -> None:
        """A reminder was delivered ``lag_seconds`` after the minute it was scheduled for."""
        self._reminders.labels("sent").inc()
        self._reminder_lag.observe(lag_seconds)

    def reminder_failed(self) -> None:
        self._reminders.labels("failed").inc()

    def reminder_blocked(self) -> None:
        self._reminders.labels("blocked").inc()

    def rate_limited(self) -> None:
        self._rate_limited.labels("reminders" if _sending_reminders.get() else "other").inc()

    def bot_api_succeeded(self) -> None:
        self.last_bot_api_success = self._clock()


def update_counter(metrics: Metrics) -> TypeHandler[Any, ContextTypes.DEFAULT_TYPE, None]:
    """A handler for group -1, ahead of every feature, that counts each update and lets it on."""

    async def count(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        metrics.update_handled()

    return TypeHandler(Update, count)
